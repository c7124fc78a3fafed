# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: a UKI signed by a key that is not in
# db (nor in any keyring). The kernel's UKI loader refuses it (ENOKEY), kexec
# says so, nothing is loaded, and no split follows: .linux is
# snakeoil-signed, so a split would have booted the untrusted signer's initrd
# and command line. Then the same UKI signed with the db key boots.
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
scenario_build() {
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio" \
        --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/signed-uki.efi"
    openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kexec-uki untrusted test key" \
        -keyout "$RUN/untrusted.key" -out "$RUN/untrusted.pem" >/dev/null 2>&1 || kx_die "openssl req failed"
    sbsign --key "$RUN/untrusted.key" --cert "$RUN/untrusted.pem" --output "$PAYLOAD/untrusted-uki.efi" \
        "$RUN/uki.efi" >/dev/null 2>&1 || kx_die "sbsign with the untrusted key failed"
}
scenario_guest() {
    kx_guest_try_d untrusted /payload/untrusted-uki.efi
    cat <<'EOF2'
kexec -s -l -d /payload/signed-uki.efi 2>&1 | sed 's/^/KX-D: /'
kexec -e
EOF2
}
scenario_check() {
    kx_check_whole_uki_refused "$1" untrusted ENOKEY \
        "kexec_file_load of /payload/untrusted-uki.efi failed (ENOKEY): /payload/untrusted-uki.efi is signed, but by a key the kernel does not trust" ||
        return 1
    kx_check_whole_uki_taken "$1"
}
