# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# OVMF Secure Boot: kexec -c must be refused up front with a message that
# points to -s, and nothing may be loaded.
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_stage2_uki uki.efi --linux "$KERNEL_SNAKEOIL"
}
scenario_guest() {
    kx_guest_try kexec -c -l /payload/uki.efi
    echo "echo KX-SCENARIO-OK"
}
scenario_check() {
    kx_check_refused "$1" "kexec: the kernel is locked down (integrity) and refuses kexec_load (-c): use kexec -s"
}
