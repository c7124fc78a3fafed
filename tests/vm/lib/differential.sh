# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The differential test against Debian's kexec-tools, for any firmware:
# both load the same bzImage + initrd + command line with -c; the LD_PRELOAD
# shim dumps the segments instead of loading, the guest sends back the small
# ones (not kernel or initrd), and zeropage-diff compares the boot
# parameters field by field.

kx_differential_build() {
    kx_payload "$KERNEL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}

kx_differential_guest() {
    local args='-c -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="console=ttyS0 root=/dev/ram0 kx.diff=1"'
    cat <<EOF
KX_SHIM=dump:/tmp/kt LD_PRELOAD=/opt/kexec-shim.so kexec-tools $args
KX_SHIM=dump:/tmp/ku LD_PRELOAD=/opt/kexec-shim.so kexec-dynamic $args
for d in /tmp/kt /tmp/ku; do for f in \$d/seg*.bin; do [ \$(wc -c < \$f) -gt 1048576 ] && rm \$f; done; done
set +x
echo KX-DUMP-BEGIN
tar -C /tmp -cz kt ku | base64
echo KX-DUMP-END
echo KX-SCENARIO-OK
EOF
}

kx_differential_check() {
    [ -x "$ZEROPAGE_DIFF" ] || { echo "needs --tools (zeropage-diff)"; return 1; }
    mkdir -p "$RUN/dumps"
    sed -n '/^KX-DUMP-BEGIN/,/^KX-DUMP-END/p' "$1" | grep -E '^[A-Za-z0-9+/=]+$' | base64 -d | tar -xz -C "$RUN/dumps" ||
        { echo "no segment dumps came back"; return 1; }
    "$ZEROPAGE_DIFF" "$RUN/dumps/kt" "$RUN/dumps/ku" > "$RUN/zeropage-diff.txt" 2>&1 ||
        { echo "unexpected differences from kexec-tools: $(grep -B2 UNEXPECTED "$RUN/zeropage-diff.txt" | tr '\n' ' ')"; return 1; }
}

# kexec-tools 2.0.32 (sid) leaves the pad word of every EFI memory
# descriptor it passes in efi_memmap non-zero (0x5555 in the runs so far,
# ours writes 0; the kernel reads no pad); the descriptors are otherwise the
# same set. For its scenarios: pass when that is the only difference
# zeropage-diff reports, and the descriptors match with the pad masked.
kx_differential_check_efi_pad() {
    kx_differential_check "$1" >/dev/null && return 0
    local unexpected
    unexpected=$(grep -B2 UNEXPECTED "$RUN/zeropage-diff.txt" | grep -o '^DIFF *[a-z_0-9]*' | awk '{print $2}' | sort -u)
    [ "$unexpected" = efi_memmap ] || { echo "unexpected differences from kexec-tools: $unexpected"; return 1; }
    /usr/bin/python3 - "$RUN/dumps" >"$RUN/efi-pad.txt" 2>&1 <<'PY' || { cat "$RUN/efi-pad.txt"; return 1; }
import struct, sys
def descriptors(d):
    segs = {}
    for line in open(f'{d}/segments'):
        p = line.split()
        if p[0].startswith('seg'):
            try:
                segs[int(p[2], 16)] = open(f'{d}/{p[0]}.bin', 'rb').read()
            except FileNotFoundError:
                pass  # the kernel and initrd are not sent back
    bp = [v for v in segs.values() if v[0x202:0x206] == b'HdrS'][0]
    _, _, size, _, mm, mmsize, _, mmhi = struct.unpack('<8I', bp[0x1c0:0x1e0])
    addr = mm | mmhi << 32
    for base, data in segs.items():
        if base <= addr < base + len(data):
            data = data[addr - base:addr - base + mmsize]
            return [data[i:i + size] for i in range(0, mmsize, size)]
    sys.exit(f'{d}: efi_memmap not in a segment')
kt, ku = descriptors(f'{sys.argv[1]}/kt'), descriptors(f'{sys.argv[1]}/ku')
masked = lambda ds: sorted(x[:4] + x[8:] for x in ds)
if masked(kt) != masked(ku):
    sys.exit('efi_memmap: the descriptors differ beyond their pad word')
print('efi_memmap: same descriptors; pad words: kexec-tools %s, ours %s' %
      (sorted({x[4:8].hex() for x in kt}), sorted({x[4:8].hex() for x in ku})))
PY
}
