# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Negative control for uki-c-ovmf: with --noefi the same load gives the
# second kernel no EFI at all, so the EFI checks there can fail.
FIRMWARE=uefi
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    kx_stage2_uki uki.efi
}
scenario_guest() {
    cat <<EOF
kexec -c -l --noefi /payload/uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'KX-STAGE1-EFI: runtime=0x' "$1" || { echo "the first kernel had no EFI"; return 1; }
    grep -aq 'KX-STAGE2-EFI: none' "$1" || { echo "--noefi still passed EFI on"; return 1; }
}
