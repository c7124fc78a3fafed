# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Nothing is written outside the process: with the root file system (and
# /tmp) read-only, kexec -s -l of a UKI still works (the split lives in
# sealed memfds) and the second kernel boots it.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
umount /tmp
mount -o remount,ro /
if touch /probe 2>/dev/null; then echo KX-ROOT-WRITABLE; else echo KX-ROOT-READONLY; fi
grep ' / ' /proc/mounts
kexec -s -l /payload/uki.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq '^KX-ROOT-READONLY' "$1" || { echo "the root file system was not read-only"; return 1; }
}
