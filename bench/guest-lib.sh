# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builders for the benchmark's guest scenarios (bench/scenarios/*.sh, run by
# tests/vm/run --scenarios from bench/run). Not under scenarios/: every .sh
# there is a scenario.

# The reboot path: Debian's kernel and a 256 MiB stage-2 initrd (busybox,
# /init, an incompressible filler), with a command line that makes the
# second kernel print from its start on (earlyprintk: the decompressor's
# "Memory KASLR using ..." is its first console line).
kx_bench_reboot_build() {
    local d=$RUN/stage2
    kx_base_tree "$d" stage2-initrd
    dd if=/dev/urandom of="$d/filler" bs=4M count=64 iflag=fullblock status=none
    kx_cpio "$d" "$PAYLOAD/initrd.img"
    rm -rf "$d"
    cp "$KERNEL" "$PAYLOAD/vmlinuz"
    kx_stage2_cmdline "earlyprintk=ttyS0" > "$PAYLOAD/cmdline"
}

# Guest lines: load with LOADER (kexec or kexec-tools) through kexec_load,
# timing the load, then mark the moment of kexec -e on the console.
kx_bench_reboot_guest() {
    cat <<EOF
read -r up _ < /proc/uptime; echo "KX-BENCH-LOAD-START \$up"
$1 -c -l --console-serial /payload/vmlinuz --initrd=/payload/initrd.img --append="\$(cat /payload/cmdline)"
read -r up _ < /proc/uptime; echo "KX-BENCH-LOAD-END \$up"
echo KX-BENCH-EXEC
$1 -e
EOF
}

# What both reboot-path scenarios set: LOADER loads, the rest is the same.
# shellcheck disable=SC2034,SC2317  # variables and functions tests/vm/run reads and calls
kx_bench_reboot_scenario() {
    FIRMWARE=bios
    MEM=2048
    TIMEOUT=1200
    STAMP_SERIAL=1
    KX_BENCH_LOADER=$1
    scenario_build() { kx_bench_reboot_build; }
    scenario_guest() { kx_bench_reboot_guest "$KX_BENCH_LOADER"; }
}
