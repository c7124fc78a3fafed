# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-c-uki-bios with --hotplug on Debian's 6.12 kernel (CONFIG_CRASH_HOTPLUG;
# 6.1 has none and kexec refuses the option): the ELF core headers segment is
# sized by /sys/kernel/crash_elfcorehdr_size and loaded with
# KEXEC_UPDATE_ELFCOREHDR, so the kernel reports that it will keep them up to
# date (crash_hotplug 1), and the dump still works. Without --hotplug a
# kexec_load crash image is one the kernel leaves alone (crash_hotplug 0).
# shellcheck source=kdump-c-uki-bios.sh
. "$KX_VM_DIR/scenarios/kdump-c-uki-bios.sh"
KERNEL_SERIES=6.12
KX_SYSCALL="-c --hotplug"
scenario_check() {
    grep -aq 'flags ARCH_X86_64|ON_CRASH|UPDATE_ELFCOREHDR)' "$1" || { echo "kexec_load without UPDATE_ELFCOREHDR"; return 1; }
    grep -aq '^KX-CRASH-HOTPLUG=1$' "$1" || { echo "the kernel does not update the loaded crash image on hotplug"; return 1; }
    kx_check_vmcore "$1"
}
