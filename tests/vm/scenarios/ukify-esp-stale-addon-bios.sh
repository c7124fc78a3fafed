# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# An ESP in the guest (vfat) holding a ukify-laid-out UKI and two global
# addons: one stale (built for another kernel: a different .uname) and one
# good. As systemd-stub does, the stale one is skipped (named under -d) and
# the load goes on with the good one's command line appended.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio" uki-initrd
    kx_build_uki "$PAYLOAD/uki.efi" --style ukify-257 --linux "$KERNEL" --initrd "$RUN/initrd.cpio" \
        --cmdline "$(kx_stage2_cmdline)" --uname 6.1.0-kx-test
    "$MKUKI" --style ukify-257 --kind addon --out "$PAYLOAD/a-stale.addon.efi" --cmdline kx.addon=stale \
        --uname 5.10.0-old || kx_die "mkuki failed"
    "$MKUKI" --style ukify-257 --kind addon --out "$PAYLOAD/b-good.addon.efi" --cmdline kx.addon=good \
        --uname 6.1.0-kx-test || kx_die "mkuki failed"
}
scenario_guest() {
    kx_guest_make_esp
    cat <<'EOF'
cp /payload/uki.efi /efi/EFI/Linux/uki.efi
cp /payload/a-stale.addon.efi /payload/b-good.addon.efi /efi/loader/addons/
kexec -s -l -d /efi/EFI/Linux/uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec: note: skipped global addon /efi/loader/addons/a-stale.addon.efi: addon .uname "5.10.0-old" does not match' "$1" ||
        { echo "-d did not name the stale addon as skipped"; return 1; }
    grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | grep -q ' kx.addon=good$' || { echo "the good addon's command line is not appended"; return 1; }
    ! grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | grep -q 'kx.addon=stale' || { echo "the stale addon was used"; return 1; }
}
