# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half (kernel/, doc/kernel-uki-loader.md), SeaBIOS: the first
# kernel is Debian's newest (7.2) with our UKI loader; its KUnit suite ran
# at boot, every case passed. kexec -s -l uki.efi succeeds on
# its first call, the whole UKI (-d shows no split), and the second kernel
# has the UKI's .cmdline (the nonce; UTF-8 passed as it is, only ASCII
# control characters are white space), .initrd and .ucode, .ucode unpacked
# first: both write /markers/last, and the later one wins.
FIRMWARE=bios
NEEDS_UKI_LOADER=1
EXPECT_MARKERS="stage2-initrd ucode-initrd"
scenario_build() {
    LAST=ucode kx_marker_cpio "$RUN/ucode.cpio" ucode-initrd
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$PAYLOAD/uki.efi" --style ukify-257 --linux "$KERNEL" --ucode "$RUN/ucode.cpio" \
        --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline 'kx.utf8=grüße')"
}
scenario_guest() {
    kx_guest_print_kunit
    kx_guest_load_d_and_exec /payload/uki.efi
}
scenario_check() {
    kx_check_kunit "$1" "$UKI_LOADER_SERIES" >/dev/null || { kx_check_kunit "$1" "$UKI_LOADER_SERIES"; return 1; }
    kx_check_whole_uki_taken "$1" || return 1
    grep -aq '^KX-LOADED=1' "$1" || { echo "nothing was loaded"; return 1; }
    grep -aq 'KX-STAGE2-LAST: initrd' "$1" || { echo ".ucode was not unpacked before .initrd"; return 1; }
    grep -aq 'KX-STAGE2-CMDLINE: .* kx.utf8=grüße' "$1" || { echo "UTF-8 in .cmdline did not arrive as it is"; return 1; }
}
