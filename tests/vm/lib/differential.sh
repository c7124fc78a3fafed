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
