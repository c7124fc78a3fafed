# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A UKI boots as the systemd-stub inside it would (kexec/uki/stub.hpp): on
# the 254 stub, which loads addons' command lines but predates .ucode (256)
# and addons' initrds (257), the second kernel gets the UKI's .initrd and
# the addon's command line, and neither the .ucode nor the addon's initrd
# (their markers must be missing); -d says what a newer stub would add.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
UNEXPECTED_MARKERS="ucode-initrd addon-initrd"
scenario_build() {
    kx_marker_cpio "$RUN/ucode.cpio" ucode-initrd
    kx_marker_cpio "$RUN/addon-initrd.cpio" addon-initrd
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$PAYLOAD/uki.efi" --style ukify-254 --linux "$KERNEL" --ucode "$RUN/ucode.cpio" \
        --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    "$MKUKI" --style ukify-254 --kind addon --out "$PAYLOAD/extra.addon.efi" --cmdline kx.addon=yes \
        --initrd "$RUN/addon-initrd.cpio" || kx_die "mkuki failed"
}
scenario_guest() {
    kx_guest_load_d_and_exec /payload/uki.efi --uki-addon=/payload/extra.addon.efi
}
scenario_check() {
    grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | grep -q ' kx.addon=yes$' || { echo "the addon's command line is not appended"; return 1; }
    grep -aq 'KX-D: kexec: note: .ucode is left out: its systemd-stub 254 does not load' "$1" ||
        { echo "-d did not say the .ucode is left out"; return 1; }
    grep -aq "KX-D: kexec: note: addon /payload/extra.addon.efi: its .initrd and .ucode are left out" "$1" ||
        { echo "-d did not say the addon's initrd is left out"; return 1; }
}
