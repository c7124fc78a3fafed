# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Shared by the kdump scenarios: the first kernel leaves a marker in RAM,
# loads a crash kernel, and crashes itself (inside the guest only).

# The guest commands that plant the marker. It is derived from the nonce at
# run time, so the literal string exists only in the first kernel's memory.
kx_plant_marker() {
    cat <<'EOF2'
echo "KXMARK$(rev < /payload/nonce)" > /tmp/marker
EOF2
}

kx_crash_now() {
    cat <<'EOF2'
echo "KX-CRASH-LOADED=$(cat /sys/kernel/kexec_crash_loaded)"
echo "KX-CRASH-HOTPLUG=$(cat /sys/devices/system/cpu/crash_hotplug 2>/dev/null || echo absent)"
echo c > /proc/sysrq-trigger
EOF2
}

# The crash kernel must see an ELF64 /proc/vmcore with a VMCOREINFO note and
# the first kernel's marker.
kx_check_vmcore() {
    local line
    line=$(grep -ao 'KX-VMCORE: .*' "$1")
    [ -n "$line" ] || { echo "the crash kernel has no /proc/vmcore"; return 1; }
    case $line in *"header=7f454c4602 "*) ;; *) echo "/proc/vmcore is not ELF64: $line"; return 1 ;; esac
    case $line in *" vmcoreinfo_notes="[1-9]*) ;; *) echo "no VMCOREINFO note in /proc/vmcore: $line"; return 1 ;; esac
    case $line in *" marker_hits="[1-9]*) ;; *) echo "the first kernel's marker is not in /proc/vmcore: $line"; return 1 ;; esac
    grep -aq '^KX-CRASH-LOADED=1' "$1" || { echo "the crash kernel was not loaded"; return 1; }
}
