# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump with a UKI as the crash kernel, kexec -s -p uki.efi (the UKI's own
# command line and initrd). The first kernel (crashkernel=256M) leaves a
# marker in tmpfs and panics; the crash kernel must have the nonce, an ELF64
# /proc/vmcore with a VMCOREINFO note, and the marker inside it. On 6.12 the
# kernel keeps a file-loaded crash image up to date on hotplug; 6.1 cannot.
FIRMWARE=bios
MEM=1024
FIRST_CMDLINE_EXTRA=crashkernel=256M
EXPECT_MARKERS="stage2-initrd uki-initrd"
KX_SYSCALL=-s
scenario_build() {
    kx_stage2_uki uki.efi --cmdline-extra "irqpoll nr_cpus=1 reset_devices" uki-initrd
}
scenario_guest() {
    kx_plant_marker
    cat <<'GUEST'
st=0; kexec -S -p || st=$?; echo "KX-STATUS-EMPTY=$st"
kexec -s -p /payload/uki.efi
st=0; kexec -S -p || st=$?; echo "KX-STATUS-LOADED=$st"
kexec -p -u
echo "KX-AFTER-UNLOAD=$(cat /sys/kernel/kexec_crash_loaded)"
GUEST
    echo "kexec $KX_SYSCALL -p -d /payload/uki.efi"
    kx_crash_now
}
scenario_check() {
    local want
    for want in KX-STATUS-EMPTY=0 KX-STATUS-LOADED=1 KX-AFTER-UNLOAD=0; do
        grep -aq "^$want\$" "$1" || { echo "expected $want (-S -p, -p -u)"; return 1; }
    done
    # CONFIG_CRASH_HOTPLUG (6.12, not 6.1): a kexec_file_load crash image
    # is one the kernel keeps up to date when CPUs or memory change.
    case $KERNEL_SERIES in
    6.1) want=absent ;;
    *) want=1 ;;
    esac
    grep -aq "^KX-CRASH-HOTPLUG=$want\$" "$1" || { echo "expected KX-CRASH-HOTPLUG=$want"; return 1; }
    kx_check_vmcore "$1"
}
