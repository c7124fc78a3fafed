# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run's reporting part: the markdown tables of bench/RESULTS.md, from
# the files the measuring part (lib/measure.sh: CASES, the results) and the
# guest part (lib/guest.sh) write. Uses the driver's BENCH_DIR, W, RUNS,
# SIZES and GUEST_RUNS.

# The one median: numbers on stdin, one a line -> "median min max", each as
# written (an even count takes the lower of the middle two). median and
# spread are its two faces in the tables.
median_min_max() {
    sort -g | awk '{ v[NR] = $1 } END { printf "%s %s %s\n", v[int((NR + 1) / 2)], v[1], v[NR] }'
}
median() { median_min_max | cut -d' ' -f1; }
spread() {  # -> "median (min-max)"
    local m lo hi
    read -r m lo hi <<<"$(median_min_max)"
    printf '%s (%s-%s)' "$m" "$lo" "$hi"
}

# Field F of the rows of FILE whose first fields are KEY..., one a line.
field_of() {  # FILE F KEY...
    local file=$1 f=$2
    shift 2
    awk -v f="$f" -v keys="$*" 'BEGIN { n = split(keys, k, " ") }
        { for (i = 1; i <= n; i++) if ($i != k[i]) next; print $f }' "$file"
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }
in_units() { awk -v d="$1" '{ printf "%.1f\n", $1 / d }'; }  # UNIT: numbers on stdin / UNIT
mib() { in_units 1024 <<<"$1"; }  # KIB

# What each of our cases is compared with: kexec-tools' load through the
# same syscall, and the floor of the work it must do (none for ours-s: it
# hands the kernel and initrd files over as they are, no split to copy).
peer_of() { case $1 in ours-c*) echo peer-c ;; ours-s*) echo peer-s ;; esac; }
floor_of() { case $1 in ours-c*) echo sha256-pass ;; ours-s-uki*) echo memfd-copy ;; esac; }

vs() {  # RESULTS SIZE WALL_MEDIAN OTHER_CASE -> the ratio, or - without one
    [ -n "$4" ] || { echo -; return; }
    ratio "$3" "$(field_of "$1" 3 "$2" "$4" | median)"
}

# "| rss | anon | shmem | file | memfd" (MiB) of one case. The floors make
# no kexec call, so the shim records no memory at one: RSS alone.
memory_cells() {  # RESULTS SIZE CASE
    local f cells=''
    for f in 4 5 7 6 8; do  # the results' fields, in the table's order
        case $3:$f in
        sha256-pass:[5-8] | memfd-copy:[5-8]) cells="$cells| - " ;;
        *) cells="$cells| $(mib "$(field_of "$1" "$f" "$2" "$3" | median)") " ;;
        esac
    done
    echo "${cells% }"
}

host_row() {  # RESULTS SIZE CASE
    local m
    m=$(field_of "$1" 3 "$2" "$3" | median)
    echo "| $3 | $(field_of "$1" 3 "$2" "$3" | spread) $(memory_cells "$@")" \
        "| $(vs "$1" "$2" "$m" "$(peer_of "$3")") | $(vs "$1" "$2" "$m" "$(floor_of "$3")") |"
}

host_table() {  # RESULTS SIZE
    local c
    echo
    echo "### ${2} MiB initrd (UKI: $(( $(stat -c %s "$W/uki-$2.efi") >> 20 )) MiB)"
    echo
    echo "| case | wall s (min-max) | peak RSS | anon | shmem | file | memfd | vs peer | vs floor |"
    echo "|---|---|---|---|---|---|---|---|---|"
    for c in $CASES; do
        host_row "$1" "$2" "$c"
    done
}

machine() {
    local cpu shani
    cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')
    shani=$(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)
    echo "$cpu, $(nproc) usable CPUs, SHA-NI $shani, $(awk '/MemTotal/ { printf "%d GiB", $2 / 1048576 }' /proc/meminfo) RAM, Linux $(uname -r)"
}

report_host() {  # RESULTS
    local s
    echo
    echo "## kexec-uki $(git -C "$BENCH_DIR" describe --always --dirty 2>/dev/null || echo '(no git)') vs kexec-tools 2.0.25"
    echo
    echo "Machine: $(machine)."
    echo "Median of $RUNS alternating runs, spread min-max; memory at the kexec call, from /proc/self/status (MiB):"
    echo "anon = RssAnon, shmem = RssShmem, file = RssFile, memfd = bytes held in memfds, mapped or not."
    for s in $SIZES; do
        host_table "$1" "$s"
    done
    echo
    echo "vs peer: wall time / kexec-tools' for the same syscall (-c: kexec_load, -s: kexec_file_load; the peer"
    echo "cannot load a UKI, so UKI rows compare with its bzImage + initrd load). vs floor: -c / one sha256"
    echo "pass over the initrd, -s UKI / one memfd copy of the UKI read back once."
}

reboot_row() {  # REBOOT WHO
    local f row="| $2"
    for f in 2 3 4 5; do
        row="$row | $(field_of "$1" "$f" "$2" | spread)"
    done
    echo "$row |"
}

report_reboot() {  # REBOOT (lib/guest.sh's reboot file)
    local who sha_ni ours peer
    echo
    echo "### Reboot path, 256 MiB initrd, kexec_load (-c), in a QEMU $(qemu-system-x86_64 --version | head -n1 | awk '{ print $4 }') TCG guest"
    echo
    echo "Host clock stamped on each serial line; median of $GUEST_RUNS boots each, alternating, spread min-max (s)."
    sha_ni=$(timeout 5 qemu-system-x86_64 -cpu max,sha-ni=on -machine q35 -display none -monitor none -serial none -S 2>&1 |
             grep -o "TCG doesn't support requested feature: [^ ]*sha-ni" || true)
    echo "CPU: -cpu max.${sha_ni:+ No SHA-NI model: QEMU says \"$sha_ni\".}"
    echo
    echo "| loader | load (guest uptime) | kexec -e to purgatory | to the second kernel's first line | to its /init |"
    echo "|---|---|---|---|---|"
    for who in ours kexec-tools; do
        reboot_row "$1" "$who"
    done
    echo
    ours=$(field_of "$1" 4 ours | median)
    peer=$(field_of "$1" 4 kexec-tools | median)
    echo "kexec -e to the second kernel: ours / kexec-tools = $(ratio "$ours" "$peer")."
}

uki_row() {  # COSTS SIZE
    local bytes s_load
    read -r _ bytes _ _ _ s_load <<<"$(awk -v s="$2" '$1 == s { print; exit }' "$1")"
    echo "| ${2} MiB ($bytes bytes) | $(field_of "$1" 3 "$2" | in_units 1 | spread)" \
        "| $(field_of "$1" 4 "$2" | in_units 1024 | spread) | $(field_of "$1" 5 "$2" | in_units 1024 | spread) | $s_load |"
}

report_uki_cost() {  # COSTS (lib/guest.sh's uki-cost file)
    local size
    echo
    echo "### Whole-UKI-first kexec_file_load on Linux 6.1 (no UKI loader): ENOEXEC, at what cost"
    echo
    echo "kexec-file-raw --cost in the guest (2 vCPUs, 3 calls each; median, spread): the failing call's time, how"
    echo "far VmallocUsed rose and MemAvailable fell during it; then our whole \`kexec -s -l\` (attempt + split)."
    echo
    echo "| UKI | failing call ms | vmalloc rise MiB | MemAvailable drop MiB | kexec -s -l s |"
    echo "|---|---|---|---|---|"
    while read -r size; do
        uki_row "$1" "$size"
    done < <(awk '!seen[$1]++ { print $1 }' "$1")  # the sizes, in the scenario's order
}

report_guest() {  # G
    report_reboot "$1/reboot"
    report_uki_cost "$1/uki-cost"
}
