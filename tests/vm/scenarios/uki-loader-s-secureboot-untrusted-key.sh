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
    kx_signed_stage2_uki
    kx_sign_untrusted "$RUN/uki.efi" "$PAYLOAD/untrusted-uki.efi"
}
scenario_guest() {
    kx_guest_try_d untrusted /payload/untrusted-uki.efi
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    kx_check_whole_uki_refused "$1" untrusted ENOKEY \
        "kexec_file_load of /payload/untrusted-uki.efi failed (ENOKEY): /payload/untrusted-uki.efi is signed, but by a key the kernel does not trust" ||
        return 1
    kx_check_whole_uki_taken "$1"
}
