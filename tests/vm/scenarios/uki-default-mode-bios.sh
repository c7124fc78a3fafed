# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: the default syscall mode (-a, no -s/-c): kexec -l uki.efi loads
# it with kexec_file_load, splitting it after the kernel's ENOEXEC.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
kexec -l /payload/uki.efi
kexec -e
EOF
}
