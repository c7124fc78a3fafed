# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot (snakeoil db, lockdown integrity, the
# first kernel snakeoil-signed with our UKI loader): a UKI whose .linux is
# Debian's unsigned kernel, the UKI itself snakeoil-signed, boots through the
# whole-UKI path. Today's kernels cannot do this at all: they verify only the
# split .linux, which carries no signature (uki-s-secureboot-unsigned-refused).
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
EXPECT_MARKERS="stage2-initrd ucode-initrd"
scenario_build() {
    LAST=ucode kx_marker_cpio "$RUN/ucode.cpio" ucode-initrd
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --style ukify-257 --linux "$KERNEL_UNSIGNED" --ucode "$RUN/ucode.cpio" \
        --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/signed-uki.efi"
}
scenario_guest() {
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    kx_check_whole_uki_taken "$1" || return 1
    grep -aq '^KX-LOADED=1' "$1" || { echo "nothing was loaded"; return 1; }
    grep -aq 'KX-STAGE1-START lockdown=none \[integrity\]' "$1" || { echo "the first kernel was not locked down"; return 1; }
    grep -aq 'KX-STAGE2-LAST: initrd' "$1" || { echo ".ucode was not unpacked before .initrd"; return 1; }
}
