# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run's guest part: bench/scenarios booted by tests/vm/run, and what
# their serial logs say, as rows for lib/report.sh. (bench/guest-lib.sh is
# another thing: the scenarios' own helpers, sourced inside tests/vm/run.)
# Uses the driver's BENCH_DIR, KX_VM_DIR, KEXEC, TOOLS, WORK and GUEST_RUNS.

# Each tests/vm/run call boots its scenarios one at a time (--jobs 1: a
# second guest would share the cores being timed).
vm() {  # G SCENARIO...
    local g=$1
    shift
    "$KX_VM_DIR/run" --kexec "$KEXEC" --tools "$TOOLS" --work "$WORK/vm" --jobs 1 \
        --scenarios "$BENCH_DIR/scenarios" "$@" > "$g/vm.log" 2>&1 ||
        { tail -n 30 "$g/vm.log" >&2; echo "bench/run: guest scenario failed: $*" >&2; exit 1; }
}

# The serial logs into G: reboot-WHO-I.log for each boot of the reboot
# path (ours and kexec-tools alternating), whole-uki.log.
guest_run() {  # G
    local i who
    for i in $(seq "$GUEST_RUNS"); do
        for who in ours kexec-tools; do
            vm "$1" "reboot-path-$who-bios"
            cp "$WORK/vm/runs/reboot-path-$who-bios/serial.log" "$1/reboot-$who-$i.log"
        done
    done
    vm "$1" whole-uki-cost-bios
    cp "$WORK/vm/runs/whole-uki-cost-bios/serial.log" "$1/whole-uki.log"
}

# From the stamped KX-BENCH-EXEC line: to the purgatory's first line, to
# the second kernel's first line (the first after the purgatory's that is
# not the purgatory's: its decompressor, with earlyprintk), and to stage 2's
# /init. The load's own time from the guest's uptime.
reboot_times() {  # LOG -> "load exec_to_purgatory exec_to_kernel exec_to_init" (s)
    awk '
        /KX-BENCH-LOAD-START / { ls = $NF }
        /KX-BENCH-LOAD-END / { le = $NF }
        /^@[0-9.]+ KX-BENCH-EXEC$/ { t0 = substr($1, 2); next }
        t0 && !tp && /purgatory/ { tp = substr($1, 2) }
        tp && !tk && !/purgatory/ { tk = substr($1, 2) }
        t0 && !ti && /KX-STAGE2-CMDLINE/ { ti = substr($1, 2) }
        END { printf "%.2f %.2f %.2f %.2f\n", le - ls, tp - t0, tk - t0, ti - t0 }' "$1"
}

# The whole-UKI scenario's calls, a line each: "SIZE BYTES MS VMALLOC_KIB
# MEMAVAIL_KIB KEXEC_S" (SIZE in MiB: from the KX-BENCH-UKI-SIZE line the
# scenario prints before that size's calls; KEXEC_S: that size's whole
# kexec -s -l, from the KX-BENCH-S-START and -END lines). Under the
# guest's set -x each marker comes twice, traced and printed, alike.
uki_costs() {  # LOG
    awk '
        match($0, /KX-BENCH-UKI-SIZE [0-9]+/) { split(substr($0, RSTART, RLENGTH), w, " "); size = w[2] }
        match($0, /KX-BENCH-S-(START|END) [0-9]+ [0-9.]+/) { split(substr($0, RSTART, RLENGTH), w, " "); t[w[1] " " w[2]] = w[3] }
        match($0, /KX-RAW-COST: .*/) {
            n = split(substr($0, RSTART + length("KX-RAW-COST: ")), w, " ")
            for (i = 1; i <= n; i++) { split(w[i], kv, "="); c[kv[1]] = kv[2] }
            calls++
            of[calls] = size
            call[calls] = size " " c["bytes"] " " c["ms"] " " c["vmalloc_peak_kib"] " " c["memavail_drop_kib"]
        }
        END {
            for (i = 1; i <= calls; i++)
                printf "%s %.2f\n", call[i], t["KX-BENCH-S-END " of[i]] - t["KX-BENCH-S-START " of[i]]
        }' "$1"
}

# G/reboot ("WHO" and reboot_times, a line a boot) and G/uki-cost
# (uki_costs) for lib/report.sh.
guest_parse() {  # G
    local who i
    for who in ours kexec-tools; do
        for i in $(seq "$GUEST_RUNS"); do echo "$who $(reboot_times "$1/reboot-$who-$i.log")"; done
    done > "$1/reboot"
    uki_costs "$1/whole-uki.log" > "$1/uki-cost"
}
