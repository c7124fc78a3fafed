# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: kexec -c -l uki.efi: our own image builder (boot parameters,
# purgatory with digest checks) loads the UKI with kexec_load; the second
# kernel has the UKI's command line and initrd.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
kexec -c -l -d --console-serial /payload/uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec-uki purgatory: digests match' "$1" || { echo "the purgatory did not check the digests"; return 1; }
}
