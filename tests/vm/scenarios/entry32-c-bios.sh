# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# --entry-32bit: our purgatory leaves long mode and starts the kernel at its
# 32-bit entry (startup_32, protected mode, paging off, esi = boot params).
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
kexec -c -l --entry-32bit --console-serial /payload/uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec-uki purgatory: starting the kernel at 0x[0-9a-f]* (32-bit)' "$1" ||
        { echo "the purgatory did not take the 32-bit entry"; return 1; }
}
