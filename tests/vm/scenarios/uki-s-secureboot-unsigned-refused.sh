# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# OVMF Secure Boot: the UKI itself is signed, but its .linux is not. The
# locked-down kernel refuses the split kernel; kexec must explain that in one
# line, exit non-zero, and leave nothing loaded. (Measured: Debian's 6.1
# answers ENODATA for the unsigned kernel under lockdown, not EPERM.)
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --linux "$KERNEL_UNSIGNED" --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/uki.efi"
}
scenario_guest() {
    kx_guest_try kexec -s -l /payload/uki.efi
    echo "kexec -e || true"
    echo "echo KX-SCENARIO-OK"
}
scenario_check() {
    kx_check_refused "$1" "kexec: kexec_file_load of /payload/uki.efi failed (ENODATA): .linux of /payload/uki.efi is not signed and this kernel only loads signed kernels (lockdown integrity): sign .linux inside /payload/uki.efi with a key"
}
