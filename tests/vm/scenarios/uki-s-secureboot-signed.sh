# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# OVMF Secure Boot (lockdown integrity): a signed UKI whose .linux is
# snakeoil-signed. The whole UKI is refused (ENOEXEC), the split kernel is
# verified against the platform keyring and boots. .ucode must come before
# .initrd: both write /markers/last, and the later one wins.
FIRMWARE=secureboot
EXPECT_MARKERS="stage2-initrd ucode-initrd"
scenario_build() {
    LAST=ucode kx_marker_cpio "$RUN/ucode.cpio" ucode-initrd
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --style ukify-257 --linux "$KERNEL_SNAKEOIL" --ucode "$RUN/ucode.cpio" \
        --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/signed-uki.efi"
}
scenario_guest() {
    cat <<EOF
kexec --uki-info /payload/signed-uki.efi
kexec -s -l /payload/signed-uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'KX-STAGE2-LAST: initrd' "$1" || { echo ".ucode was not unpacked before .initrd"; return 1; }
    grep -aq 'KX-STAGE1-START lockdown=none \[integrity\]' "$1" || { echo "the first kernel was not locked down"; return 1; }
}
