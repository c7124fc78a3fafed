# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 with kdump-tools: "kdump-config load" arms the crash
# kernel through our kexec (-p, Debian's kernel and the kdump initrd
# kdump-tools builds); a forced panic boots it (its command line carries the
# nonce through KDUMP_CMDLINE_APPEND); kdump-tools saves the dump to
# /var/crash and reboots, which ends QEMU (-no-reboot). The dump is then
# read from the disk image here with makedumpfile: kdump-compressed, with
# the first kernel's vmcoreinfo, and its dmesg ends in the forced panic.
GUEST=debian
TIMEOUT=900
MEM=1536
FIRST_CMDLINE_EXTRA=crashkernel=384M
EXPECT_MARKERS=vmcore
EXPECT_SCRIPT_OK=0
# KX_KDUMP_SETUP: guest lines run before kdump-config loads (a variant
# points KDUMP_KERNEL elsewhere).
KX_KDUMP_SETUP=${KX_KDUMP_SETUP:-}
scenario_debian() {
    echo '[ -e /proc/vmcore ] && exit 0  # the crash kernel: kx-vmcore.service reports it'
    printf '%s\n' "$KX_KDUMP_SETUP"
    cat <<'GUEST'
sed -i '/^KDUMP_CMDLINE_APPEND=/d' /etc/default/kdump-tools
echo "KDUMP_CMDLINE_APPEND=\"reset_devices systemd.unit=kdump-tools-dump.service nr_cpus=1 irqpoll usbcore.nousb kx.nonce=$KX_NONCE\"" >>/etc/default/kdump-tools
kdump-config unload
kdump-config load
kdump-config status
kdump-config show | sed 's/^/KX-KDUMP-SHOW: /'
echo "KX-KEXEC-OWNER: $(dpkg -S "$(readlink -f /sbin/kexec)")"
echo "KX-CRASH-LOADED=$(cat /sys/kernel/kexec_crash_loaded)"
sync
echo c >/proc/sysrq-trigger
GUEST
}
scenario_check() { kx_kdump_dump_check "$1"; }
# The armed crash kernel, and the dump it saved (read from the disk image).
kx_kdump_dump_check() {
    local log=$1 img=$RUN/disk.img dir dump
    grep -aq '^KX-CRASH-LOADED=1' "$log" || { echo "kdump-config load left no crash kernel loaded"; return 1; }
    grep -aq 'KX-KDUMP-SHOW: .*/sbin/kexec -p .*kx.nonce=' "$log" || { echo "kdump-config did not load with kexec -p"; return 1; }
    grep -aq '^KX-KEXEC-OWNER: kexec-uki: /usr/sbin/kexec' "$log" || { echo "/sbin/kexec is not our package's"; return 1; }
    dir=$(debugfs -R 'ls -p /var/crash' "$img" 2>/dev/null | awk -F/ '$6 ~ /^[0-9]+$/ { print $6 }' | tail -n 1)
    [ -n "$dir" ] || { echo "no dump directory in /var/crash"; return 1; }
    dump=$(debugfs -R "ls -p /var/crash/$dir" "$img" 2>/dev/null | awk -F/ '$6 ~ /^dump\./ { print $6 }')
    [ -n "$dump" ] || { echo "no dump file in /var/crash/$dir"; return 1; }
    debugfs -R "dump /var/crash/$dir/$dump $RUN/dump" "$img" >/dev/null 2>&1
    # kdump-tools writes makedumpfile's flattened stream (-F); makedumpfile
    # -R turns it into the kdump-compressed file crash reads.
    [ "$(head -c 12 "$RUN/dump")" = makedumpfile ] || { echo "/var/crash/$dir/$dump is not makedumpfile output"; return 1; }
    rm -f "$RUN/dump.kdump"
    makedumpfile -R "$RUN/dump.kdump" <"$RUN/dump" >/dev/null 2>&1 || { echo "makedumpfile -R cannot read the dump"; return 1; }
    [ "$(head -c 8 "$RUN/dump.kdump")" = "KDUMP   " ] || { echo "the dump is not kdump-compressed"; return 1; }
    grep -aqF "OSRELEASE=$(cat "$DEBIAN_DIR/kernel-release")" "$RUN/dump.kdump" ||
        { echo "the dump holds no vmcoreinfo of the first kernel ($(cat "$DEBIAN_DIR/kernel-release"))"; return 1; }
    rm -f "$RUN/dmesg"
    makedumpfile --dump-dmesg "$RUN/dump.kdump" "$RUN/dmesg" >/dev/null 2>&1 || { echo "no dmesg in the dump"; return 1; }
    grep -q 'sysrq triggered crash' "$RUN/dmesg" || { echo "the dump's dmesg is not the crashed kernel's"; return 1; }
    echo "dump: /var/crash/$dir/$dump, $(stat -c %s "$RUN/dump") bytes" >"$RUN/dump.info"
    rm -f "$RUN/dump.kdump"
    rm -f "$RUN/dump"
}
