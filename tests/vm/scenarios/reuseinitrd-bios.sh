# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# --reuseinitrd: the first kernel boots with retain_initrd, which keeps its
# initrd in RAM; the second kernel is given that same initrd where it lies
# (its /markers/first-boot-initrd shows it). The default mode goes straight
# to kexec_load: Linux 6.1 has no /sys/firmware/initrd for kexec_file_load.
FIRMWARE=bios
FIRST_CMDLINE_EXTRA=retain_initrd
STAGE1_MARKERS=first-boot-initrd
EXPECT_MARKERS=first-boot-initrd
scenario_build() {
    cp "$KERNEL" "$PAYLOAD/vmlinuz"
}
scenario_guest() {
    cat <<EOF
kexec -l -d --reuseinitrd --console-serial --append="$(kx_stage2_cmdline)" /payload/vmlinuz
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec: note: --reuseinitrd: no /sys/firmware/initrd' "$1" || { echo "-d did not say why kexec_load"; return 1; }
    grep -aq 'is passed on where it is' "$1" || { echo "the initrd was not reused in place"; return 1; }
}
