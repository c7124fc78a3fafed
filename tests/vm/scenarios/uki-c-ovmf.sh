# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# OVMF (no Secure Boot): kexec -c -l uki.efi. Our boot parameters hand over
# EFI: the second kernel still has EFI runtime services (its efivarfs lists
# variables, which needs them; the runtime table now reads as the virtual
# address the first kernel mapped it at) and the same ACPI RSDP.
FIRMWARE=uefi
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
    local one two
    one=$(grep -ao 'KX-STAGE1-EFI: .*' "$1" | grep -o 'acpi20=[^ ]*')
    two=$(grep -ao 'KX-STAGE2-EFI: .*' "$1" | grep -o 'acpi20=[^ ]*')
    case $one in acpi20=0x*) ;; *) echo "the first kernel did not report its RSDP ($one)"; return 1 ;; esac
    [ "$one" = "$two" ] || { echo "the RSDP differs: first '$one', second '$two'"; return 1; }
    grep -ao 'KX-STAGE2-EFI: .*' "$1" | grep -q 'runtime=0x' || { echo "the second kernel has no EFI runtime table"; return 1; }
    grep -ao 'KX-STAGE2-EFI: .*' "$1" | grep -q 'efivars=[1-9]' || { echo "no EFI runtime services in the second kernel"; return 1; }
    grep -aq 'kexec-uki purgatory: digests match' "$1" || { echo "the purgatory did not check the digests"; return 1; }
}
