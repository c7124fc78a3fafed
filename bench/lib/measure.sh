# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# bench/run's measuring part: the host cases, RUNS times each per size,
# alternating, into one results file for lib/report.sh. Uses the driver's
# TOOLS, MEASURE, COPY, WORK, W (the inputs' directory), KERNEL, OURS,
# PEER, RUNS and SIZES.

# The cases, in the order they run and the tables list them.
# ours-s-uki-split: the same load as ours-s-uki on a machine whose
# kexec_load_limit_reboot is 1 (through the shim's overlay), where the plan
# makes the split call only: the difference to ours-s-uki is what the
# whole-UKI attempt costs (the shim, like today's kernels, reads the whole
# UKI before it answers ENOEXEC).
CASES="sha256-pass memfd-copy peer-c ours-c ours-c-uki peer-s ours-s ours-s-uki ours-s-uki-split"

# What the shim shows the cases in place of this machine's own files.
# -c plans against this machine's own memory map (kexec honours a fixture
# sysroot only in dry runs, and these are loads, faked by the shim): it
# needs room for the largest initrd, which the 24 GiB this was measured on
# has. The loads read /sys/firmware/memmap and /proc/iomem: run as root.
# What the machine says about lockdown is replaced through the shim's
# overlay (KX_SHIM_OVERLAY): a locked-down host refuses kexec_load, and
# -c's work is what is measured.
make_overlays() {
    UNLOCKED=$W/overlay-unlocked
    mkdir -p "$UNLOCKED/sys/kernel/security"
    echo "[none] integrity confidentiality" >"$UNLOCKED/sys/kernel/security/lockdown"
    LIMITED=$W/overlay-load-limit-1
    mkdir -p "$LIMITED/proc/sys/kernel"
    echo 1 >"$LIMITED/proc/sys/kernel/kexec_load_limit_reboot"
}

make_inputs() {  # SIZE_MIB
    local s=$1
    # Written in 4 MiB blocks, as mkuki writes the UKI.
    [ -f "$W/initrd-$s.img" ] ||
        dd if=/dev/urandom of="$W/initrd-$s.img" bs=4M count=$((s / 4)) iflag=fullblock status=none
    if [ ! -f "$W/ucode.cpio" ]; then
        mkdir -p "$W/ucode/kernel/x86/microcode"
        head -c $((4 << 20)) /dev/urandom > "$W/ucode/kernel/x86/microcode/GenuineIntel.bin"
        (cd "$W/ucode" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$W/ucode.cpio"
    fi
    [ -f "$W/uki-$s.efi" ] ||
        "$TOOLS/mkuki" --style ukify-257 --out "$W/uki-$s.efi" --linux "$KERNEL" --initrd "$W/initrd-$s.img" \
            --ucode "$W/ucode.cpio" --osrel /etc/os-release --cmdline "console=ttyS0 quiet"
}

case_command() {  # CASE SIZE: the command line
    local k=$KERNEL i=$W/initrd-$2.img u=$W/uki-$2.efi
    case $1 in
    sha256-pass) echo openssl dgst -sha256 "$i" ;;
    memfd-copy) echo "$COPY" "$u" ;;
    peer-c) echo "$PEER" -c -l "$k" --initrd="$i" --append=quiet ;;
    ours-c) echo env KX_SHIM_OVERLAY="$UNLOCKED" "$OURS" -c -l "$k" --initrd="$i" --append=quiet ;;
    ours-c-uki) echo env KX_SHIM_OVERLAY="$UNLOCKED" "$OURS" -c -l "$u" ;;
    peer-s) echo "$PEER" -s -l "$k" --initrd="$i" --append=quiet ;;
    ours-s) echo "$OURS" -s -l "$k" --initrd="$i" --append=quiet ;;
    ours-s-uki) echo "$OURS" -s -l "$u" ;;
    ours-s-uki-split) echo env KX_SHIM_OVERLAY="$LIMITED" "$OURS" -s -l "$u" ;;
    esac
}

# One run of one case: "wall peak_rss anon file shmem memfd" (KiB) on stdout.
run_case() {  # LABEL TOOL ARGS...
    local label=$1 mem=$WORK/memory out wall rss status
    shift
    : > "$mem"
    # No KEXEC_UKI_NO_REAL_SYSCALLS here: it would stop our kexec before
    # the shim can fake the call. bench/measure's seccomp filter is the guard.
    out=$(env -u KEXEC_UKI_NO_REAL_SYSCALLS KX_SHIM=fake KX_SHIM_MEMORY="$mem" \
          LD_PRELOAD="$TOOLS/libkexec-shim.so" LD_LIBRARY_PATH="${KEXEC_TOOLS_LIBDIR:-}" \
          "$MEASURE" "$label" -- "$@" 2>"$WORK/$label.err" | tail -n 1)  # after what the command prints
    read -r _ wall rss status <<<"$out"
    if [ "$status" != 0 ]; then
        echo "bench/run: $label failed (exit $status): $(cat "$WORK/$label.err")" >&2
        touch "$WORK/failed"  # this runs in $(...): the caller must stop
        return 1
    fi
    # The largest of each figure over the calls (-s makes two: whole UKI, split).
    awk -v w="$wall" -v r="$rss" '
        { for (i = 2; i <= 5; i++) if ($i > m[i]) m[i] = $i }
        END { printf "%s %s %d %d %d %d\n", w, r, m[2], m[3], m[4], m[5] }' "$mem"
}

# The same page-cache state for every case of this size: drop the inputs
# from the cache and read them back once. (How they sit there matters: a
# kernel copying from our mapping of a file in 4 KiB folios takes a TLB
# miss per page, in large folios one per 2 MiB; under this VM's paging that
# doubled -c's time for the same bytes.)
settle_cache() {  # SIZE
    local f
    for f in "$KERNEL" "$W/initrd-$1.img" "$W/uki-$1.efi"; do
        dd if="$f" iflag=nocache count=0 status=none
        cat "$f" > /dev/null
    done
}

measure_size() {  # SIZE RESULTS
    local s=$1 c line
    make_inputs "$s"
    settle_cache "$s"
    for _ in $(seq "$RUNS"); do
        for c in $CASES; do
            # Warm caches: measure the tools, not the disk.
            cat "$KERNEL" "$W/initrd-$s.img" "$W/uki-$s.efi" > /dev/null
            # shellcheck disable=SC2046  # the command's words
            line=$(run_case "$c-$s" $(case_command "$c" "$s"))
            [ ! -e "$WORK/failed" ] || exit 1
            echo "$s $c $line" >> "$2"
        done
    done
}

# Every case of every size into RESULTS, a line a run:
# "SIZE CASE WALL RSS ANON FILE SHMEM MEMFD" (seconds, then KiB).
measure_host() {  # RESULTS
    local s
    make_overlays
    : > "$1"
    rm -f "$WORK/failed"
    for s in $SIZES; do
        measure_size "$s" "$1"
    done
}
