# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump with a UKI as the crash kernel, kexec -c -p uki.efi (the UKI's own
# command line and initrd). The first kernel (crashkernel=256M) leaves a
# marker in tmpfs and panics; the crash kernel must have the nonce, an ELF64
# /proc/vmcore with a VMCOREINFO note, and the marker inside it.
FIRMWARE=bios
MEM=1024
FIRST_CMDLINE_EXTRA=crashkernel=256M
EXPECT_MARKERS="stage2-initrd uki-initrd"
KX_SYSCALL=-c
scenario_build() {
    kx_stage2_uki uki.efi --cmdline-extra "irqpoll nr_cpus=1 reset_devices" uki-initrd
}
scenario_guest() {
    kx_plant_marker
    echo "kexec $KX_SYSCALL -p -d /payload/uki.efi"
    kx_crash_now
}
# Without --hotplug the kernel leaves a kexec_load crash image alone on
# hotplug (6.12: crash_hotplug 0; 6.1 has no CONFIG_CRASH_HOTPLUG).
scenario_check() {
    local want=0
    [ "$KERNEL_SERIES" = 6.1 ] && want=absent
    grep -aq "^KX-CRASH-HOTPLUG=$want\$" "$1" || { echo "expected KX-CRASH-HOTPLUG=$want"; return 1; }
    kx_check_vmcore "$1"
}
