# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: the binding attack of issue 26's
# first defect. A UKI signed once (db key) with its certificate table
# between the headers and the sections, and a SizeOfOptionalHeader that
# puts a second section table in that table's padding: verify_pefile
# hashes the sections of the table after the data directories, and skips
# the certificate table. After signing, the second table's .cmdline is
# pointed at text in the padding. Both tables name the same bytes at
# signing time, so the signature stays valid for the kernel's hasher; a
# loader that read the table where SizeOfOptionalHeader says would boot
# the unsigned text (the 2023 loader did: doc/kernel-uki-loader.md).
#  - kexec_file_load of it (raw): ELIBBAD from the loader's probe (the
#    tables disagree, and the sections do not lie before the certificate
#    table), nothing loaded;
#  - kexec -s -l: refused before any system call (its PE reader finds the
#    section table's place ambiguous), so no split either.
# Then the intact UKI boots; its load, with nothing from the caller, makes
# lockdown log nothing (the loader reads verify's decision, not lockdown).
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
NEEDS_RAW_LOAD=1

# unhashed_table_uki IN OUT TEXT: IN laid out and signed as above; OUT's
# second table points .cmdline at TEXT in the unhashed padding. Leaves
# OUT.intact, the same file before the rewrite (its signature verifies).
unhashed_table_uki() {
    local in=$1 out=$2 text=$3 pe opt n table headers certdir certs i raw cmdline
    local gap=16384 copy=8192 evil=12288  # the gap's size; offsets into it
    pe=$(kx_get_le "$in" 60 4)
    opt=$((pe + 24))
    n=$(kx_get_le "$in" $((pe + 6)) 2)
    table=$((opt + $(kx_get_le "$in" $((pe + 20)) 2)))
    headers=$(kx_get_le "$in" $((opt + 60)) 4)
    certdir=$((opt + 112 + 4 * 8))  # PE32+ data directory 4
    copy=$((headers + copy)) evil=$((headers + evil))
    # The gap after the headers, every section's data moved past it.
    { head -c "$headers" "$in"; head -c "$gap" /dev/zero; tail -c +$((headers + 1)) "$in"; } > "$RUN/gapped.efi"
    for ((i = 0; i < n; i++)); do
        raw=$(kx_get_le "$RUN/gapped.efi" $((table + 40 * i + 20)) 4)
        [ "$raw" = 0 ] || kx_put_le32 "$RUN/gapped.efi" $((table + 40 * i + 20)) $((raw + gap))
    done
    # The second table, a copy for now, where SizeOfOptionalHeader points.
    dd if="$RUN/gapped.efi" of="$RUN/gapped.efi" bs=1 skip="$table" seek="$copy" count=$((40 * n)) \
        conv=notrunc status=none
    kx_put_le16 "$RUN/gapped.efi" $((pe + 20)) $((copy - opt))
    # The certificate directory names the gap before signing, so that sbsign
    # leaves it out of the hash as the kernel will (both take trailing data
    # by length: the gap must be the directory's whole size). sbsign would
    # write its table at the end; its detached PKCS#7 goes into the gap,
    # wrapped as a WIN_CERTIFICATE (length, revision 2.0, PKCS#7 type).
    kx_put_le32 "$RUN/gapped.efi" "$certdir" "$headers"
    kx_put_le32 "$RUN/gapped.efi" $((certdir + 4)) "$gap"
    sbsign --detached --key "$SNAKEOIL_KEY" --cert "$SNAKEOIL_CERT" --output "$RUN/gapped.p7" "$RUN/gapped.efi" \
        >/dev/null 2>&1 || kx_die "sbsign --detached failed"
    certs=$((8 + $(stat -c %s "$RUN/gapped.p7")))
    [ "$certs" -le $((copy - headers)) ] || kx_die "a certificate table of $certs bytes does not fit the gap"
    cp "$RUN/gapped.efi" "$out"
    kx_put_le32 "$out" "$headers" "$certs"
    kx_put_le32 "$out" $((headers + 4)) $((0x00020200))
    dd if="$RUN/gapped.p7" of="$out" bs=1 seek=$((headers + 8)) conv=notrunc status=none
    cp "$out" "$out.intact"
    # After signing: the second table's .cmdline becomes TEXT, in the gap.
    # (kx_section_header follows SizeOfOptionalHeader: to the second table.)
    cmdline=$(kx_section_header "$out" .cmdline)
    printf '%s' "$text" | dd of="$out" bs=1 seek="$evil" conv=notrunc status=none
    kx_put_le32 "$out" $((cmdline + 8)) ${#text}
    kx_put_le32 "$out" $((cmdline + 16)) 512
    kx_put_le32 "$out" $((cmdline + 20)) "$evil"
}

scenario_build() {
    kx_signed_stage2_uki
    unhashed_table_uki "$RUN/uki.efi" "$PAYLOAD/unhashed.efi" "$(kx_stage2_cmdline) kx.unhashed=1"
    # The signature is good for what verify_pefile hashes (sbverify of the
    # file before the rewrite agrees: its table is still the copy), and the
    # rewrite touched only bytes inside the certificate table's padding.
    sbverify --cert "$SNAKEOIL_CERT" "$PAYLOAD/unhashed.efi.intact" >/dev/null 2>&1 ||
        kx_die "the relaid UKI's signature does not verify"
    local headers first last
    headers=$(kx_get_le "$RUN/uki.efi" $(($(kx_get_le "$RUN/uki.efi" 60 4) + 24 + 60)) 4)
    first=$(cmp -l "$PAYLOAD/unhashed.efi.intact" "$PAYLOAD/unhashed.efi" | awk 'NR == 1 { print $1 - 1 }')
    last=$(cmp -l "$PAYLOAD/unhashed.efi.intact" "$PAYLOAD/unhashed.efi" | awk 'END { print $1 - 1 }')
    if [ -z "$first" ] || [ "$first" -lt "$headers" ] || [ "$last" -ge $((headers + 16384)) ]; then
        kx_die "the rewrite is not confined to the certificate table (bytes $first to $last)"
    fi
    rm "$PAYLOAD/unhashed.efi.intact"
}
scenario_guest() {
    cat <<'EOF2'
echo "KX-UNHASHED raw: $(kexec-file-raw /payload/unhashed.efi)"
echo "KX-LOADED-RAW=$(cat /sys/kernel/kexec_loaded)"
EOF2
    kx_guest_try_d unhashed /payload/unhashed.efi
    # shellcheck disable=SC2016  # expanded in the guest
    echo 'echo "KX-LOCKDOWN=$(cat /sys/kernel/security/lockdown) KX-LOCKDOWN-LOGGED-BEFORE=$(dmesg | grep -c "Lockdown: ")"'
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    grep -aq '^KX-UNHASHED raw: KX-RAW: ELIBBAD' "$1" ||
        { echo "the kernel did not refuse the UKI with ELIBBAD: $(grep -a '^KX-UNHASHED raw:' "$1")"; return 1; }
    grep -aq '^KX-LOADED-RAW=0' "$1" || { echo "the kernel loaded the rewritten UKI"; return 1; }
    local attempt
    attempt=$(sed -n '/^KX-RC-unhashed=/,/^KX-LOADED-unhashed=/p' "$1")
    grep -aqE '^KX-RC-unhashed=255'$'\r?$' <<<"$attempt" || { echo "kexec did not refuse the rewritten UKI"; return 1; }
    grep -aqF "KX-D: kexec: /payload/unhashed.efi: SizeOfOptionalHeader" <<<"$attempt" ||
        { echo "kexec's refusal does not name the section table"; return 1; }
    if grep -aq 'kexec_file_load' <<<"$attempt"; then
        echo "kexec made a system call for the rewritten UKI"; return 1
    fi
    grep -aq '^KX-LOADED-unhashed=0' "$1" || { echo "something stayed loaded"; return 1; }
    kx_check_whole_uki_taken "$1" || return 1
    # The intact UKI, loaded with nothing from the caller, asks lockdown
    # nothing: the loader reads the decision verify made (kimage's
    # sig_enforced), so lockdown logs no "kexec of unsigned images" line.
    local before after
    grep -aq '^KX-LOCKDOWN=.*\[integrity\]' "$1" || { echo "lockdown is not on"; return 1; }
    before=$(grep -a '^KX-LOCKDOWN=' "$1" | sed -n 's/.*KX-LOCKDOWN-LOGGED-BEFORE=\([0-9]*\).*/\1/p')
    after=$(grep -a '^KX-LOCKDOWN-LOGGED=' "$1" | head -n 1 | tr -dc 0-9)
    if [ -z "$before" ] || [ "$before" != "$after" ]; then
        echo "the plain load of a signed UKI made lockdown log ($before lines before, $after after)"; return 1
    fi
}
