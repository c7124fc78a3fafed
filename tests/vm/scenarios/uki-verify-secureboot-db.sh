# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# OVMF Secure Boot, a snakeoil-signed UKI on an ESP with two per-UKI addons:
# one snakeoil-signed, one unsigned. --uki-verify reads db from efivarfs
# (snakeoil is in it); a copy of the UKI changed after signing is refused
# with nothing sent to the kernel; Secure Boot alone makes kexec skip the
# unsigned addon (as systemd-stub does); the verified load boots with the
# signed addon's command line only.
FIRMWARE=secureboot
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --style ukify-254 --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio" \
        --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/uki.efi"
    # Changed after signing: one byte of .cmdline, as an attacker would.
    perl -0777 -pe 's/kx\.stage=2/kx.stage=3/' "$PAYLOAD/uki.efi" >"$PAYLOAD/tampered.efi"
    cmp -s "$PAYLOAD/uki.efi" "$PAYLOAD/tampered.efi" && kx_die "the tampered copy is unchanged"
    "$MKUKI" --style ukify-254 --kind addon --out "$RUN/signed.addon.efi" --cmdline kx.addon=signed ||
        kx_die "mkuki failed"
    kx_sign "$RUN/signed.addon.efi" "$PAYLOAD/signed.addon.efi"
    "$MKUKI" --style ukify-254 --kind addon --out "$PAYLOAD/unsigned.addon.efi" --cmdline kx.addon=unsigned ||
        kx_die "mkuki failed"
}
scenario_guest() {
    kx_guest_make_esp
    cat <<'GUEST'
mkdir -p /efi/EFI/Linux/uki.efi.extra.d
cp /payload/uki.efi /efi/EFI/Linux/uki.efi
cp /payload/signed.addon.efi /payload/unsigned.addon.efi /efi/EFI/Linux/uki.efi.extra.d/
kexec --uki-info --uki-verify /efi/EFI/Linux/uki.efi
rc=0
kexec -s -l -d --uki-verify /payload/tampered.efi 2>/tmp/err || rc=$?
echo "KX-TAMPERED-RC=$rc"
sed 's/^/KX-TAMPERED-ERR: /' /tmp/err
echo "KX-TAMPERED-LOADED=$(cat /sys/kernel/kexec_loaded)"
kexec -s -l -d --dry-run /efi/EFI/Linux/uki.efi 2>&1 | sed 's/^/KX-SB-ONLY: /'
kexec -s -l -d --uki-verify /efi/EFI/Linux/uki.efi
kexec -e
GUEST
}
scenario_check() {
    local log=$1 esp=/efi/EFI/Linux
    grep -aq "  verdict: valid, signed by .*trusted by the UEFI db" "$log" ||
        { echo "--uki-info did not find the UKI valid against db"; return 1; }
    grep -aq "  $esp/uki.efi.extra.d/unsigned.addon.efi (per-UKI): skipped: .*: not trusted by the UEFI db: it is not signed" "$log" ||
        { echo "--uki-info did not show the unsigned addon as skipped"; return 1; }
    grep -aqE $'^KX-TAMPERED-RC=255\r?$' "$log" || { echo "the tampered UKI's load did not exit 255"; return 1; }
    grep -aq "^KX-TAMPERED-ERR: kexec: /payload/tampered.efi: not trusted by the UEFI db: signature at offset [0-9]*: the sha256 digest it signs is not this file's" "$log" ||
        { echo "the tampered UKI was not refused as changed after signing"; return 1; }
    ! grep -aq "^KX-TAMPERED-ERR: .*kexec_file_load(" "$log" || { echo "a syscall was made for the tampered UKI"; return 1; }
    grep -aq '^KX-TAMPERED-LOADED=0' "$log" || { echo "something was loaded from the tampered UKI"; return 1; }
    grep -aq "^KX-SB-ONLY: kexec: note: skipped per-UKI addon $esp/uki.efi.extra.d/unsigned.addon.efi: not trusted by the UEFI db: it is not signed" "$log" ||
        { echo "Secure Boot alone did not make kexec skip the unsigned addon"; return 1; }
    grep -ao 'KX-STAGE2-CMDLINE: .*' "$log" | grep -q ' kx.addon=signed$' ||
        { echo "the signed addon's command line is not appended"; return 1; }
    ! grep -ao 'KX-STAGE2-CMDLINE: .*' "$log" | grep -q 'kx.addon=unsigned' || { echo "the unsigned addon was used"; return 1; }
}
