# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (bench/run): what the whole-UKI-first kexec_file_load costs on
# a kernel without a UKI loader (Debian's 6.1), which reads the whole file
# into vmalloc'd memory before it answers ENOEXEC: the failing call's time
# and how far vmalloc use rose (kexec-file-raw --cost, on 2 CPUs so its
# sampler runs during the call), for a 100 MiB and a 276 MiB UKI, three
# times each; then our whole kexec -s -l of each (attempt + split), timed.
# The run ends by booting a small UKI (the nonce check).
FIRMWARE=bios
MEM=3072
TIMEOUT=1200
QEMU_SMP=2
NEEDS_RAW_LOAD=1
EXPECT_MARKERS="stage2-initrd"
# The UKIs' sizes (MiB). Each size's calls follow a KX-BENCH-UKI-SIZE line
# in the log: bench/run reads the size from there.
KX_BENCH_UKI_SIZES="100 276"
scenario_build() {
    local size kernel_mib
    kernel_mib=$(( ($(stat -c %s "$KERNEL") >> 20) + 1 ))
    for size in $KX_BENCH_UKI_SIZES; do
        dd if=/dev/urandom of="$RUN/initrd-$size" bs=1M count=$((size - kernel_mib)) iflag=fullblock status=none
        kx_build_uki "$PAYLOAD/uki-$size.efi" --style ukify-254 --linux "$KERNEL" --initrd "$RUN/initrd-$size" \
            --cmdline "console=ttyS0"
        rm -f "$RUN/initrd-$size"
    done
    kx_stage2_uki stage2.efi
}
scenario_guest() {
    local size
    for size in $KX_BENCH_UKI_SIZES; do
        cat <<EOF
echo "KX-BENCH-UKI-SIZE $size"
for i in 1 2 3; do kexec-file-raw --cost /payload/uki-$size.efi || true; done
read -r up _ < /proc/uptime; echo "KX-BENCH-S-START $size \$up"
kexec -s -l /payload/uki-$size.efi
read -r up _ < /proc/uptime; echo "KX-BENCH-S-END $size \$up"
kexec -s -u
EOF
    done
    cat <<EOF
kexec -s -l /payload/stage2.efi
kexec -e
EOF
}
scenario_check() {
    [ "$(grep -ac 'KX-RAW: ENOEXEC' "$1")" = 6 ] || { echo "not six ENOEXEC answers to the whole UKI"; return 1; }
    [ "$(grep -ac 'KX-RAW-COST: ' "$1")" = 6 ] || { echo "not six KX-RAW-COST lines"; return 1; }
}
