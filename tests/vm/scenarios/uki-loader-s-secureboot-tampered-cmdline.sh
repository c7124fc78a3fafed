# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: a signed UKI with one byte of .cmdline
# changed after signing (kx.stage=2 becomes kx.stage=3). The kernel's UKI
# loader rejects the signature (EKEYREJECTED), kexec says so, nothing is
# loaded, and no split follows: .linux is snakeoil-signed, so a split would
# have loaded the tampered command line. Then the untampered UKI boots.
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
scenario_build() {
    kx_signed_stage2_uki
    local at
    at=$(grep -abo "kx.stage=2 kx.nonce=$NONCE" "$PAYLOAD/signed-uki.efi" | head -n1 | cut -d: -f1)
    [ -n "$at" ] || kx_die "no .cmdline text in the signed UKI"
    cp "$PAYLOAD/signed-uki.efi" "$PAYLOAD/tampered-uki.efi"
    printf 3 | dd of="$PAYLOAD/tampered-uki.efi" bs=1 seek=$((at + 9)) conv=notrunc status=none
    cmp -s "$PAYLOAD/signed-uki.efi" "$PAYLOAD/tampered-uki.efi" && kx_die "the tampered UKI is unchanged"
    grep -aq "kx.stage=3 kx.nonce=$NONCE" "$PAYLOAD/tampered-uki.efi" || kx_die "the tampering missed .cmdline"
}
scenario_guest() {
    kx_guest_try_d tampered /payload/tampered-uki.efi
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    kx_check_whole_uki_refused "$1" tampered EKEYREJECTED \
        "kexec_file_load of /payload/tampered-uki.efi failed (EKEYREJECTED): the signature of /payload/tampered-uki.efi was rejected" ||
        return 1
    kx_check_whole_uki_taken "$1"
}
