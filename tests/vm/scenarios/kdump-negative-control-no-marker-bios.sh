# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Negative control for the kdump scenarios: the same crash, but the first
# kernel plants no marker. The judge must fail it, proving the marker check
# can fail (it once could not: grep died on /proc/vmcore and printed nothing).
FIRMWARE=bios
MEM=1024
FIRST_CMDLINE_EXTRA=crashkernel=256M
MUST_FAIL=1
MUST_FAIL_BECAUSE="the first kernel's marker is not in /proc/vmcore"
scenario_build() {
    kx_stage2_uki uki.efi --cmdline-extra "irqpoll nr_cpus=1 reset_devices"
}
scenario_guest() {
    echo "kexec -s -p /payload/uki.efi"
    kx_crash_now
}
scenario_check() { kx_check_vmcore "$1"; }
