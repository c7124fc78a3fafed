# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The errnos a locked-down kernel (OVMF Secure Boot) answers, measured, and
# the advice kexec gives for each (kexec/sys/security.cpp): an unsigned kernel
# (ENODATA), one signed by a key no keyring holds (ENOKEY), one changed after
# signing (EKEYREJECTED), and kexec_load itself, seen by Debian's kexec-tools
# (ours refuses -c before the call): EACCES, not lockdown's EPERM, as IMA's
# Secure Boot arch policy refuses it first ("cannot appraise a kernel without
# a file"). The -6.12 variant holds the same table against 6.12
# (doc/kernel-versions.md).
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_payload "$KERNEL_UNSIGNED" unsigned
    kx_sign_untrusted "$KERNEL_UNSIGNED" "$PAYLOAD/untrusted"
    # One byte of the kernel's code changed after signing: the signature
    # still parses, the digest it signs is no longer the file's.
    cp "$KERNEL_SNAKEOIL" "$PAYLOAD/tampered"
    printf '\x5a' | dd of="$PAYLOAD/tampered" bs=1 seek=$((0x100000)) conv=notrunc 2>/dev/null
    cmp -s "$KERNEL_SNAKEOIL" "$PAYLOAD/tampered" && kx_die "the tampered kernel is unchanged"
    kx_payload "$KERNEL_SNAKEOIL" vmlinuz
}
scenario_guest() {
    local k
    for k in unsigned untrusted tampered; do
        echo "kexec -s -l /payload/$k 2>&1 | sed 's/^/KX-PROBE-$k: /' || true"
    done
    cat <<'EOF'
kexec-tools -c -l /payload/vmlinuz 2>&1 | sed 's/^/KX-PROBE-kexec_load: /' || true
echo "KX-LOADED=$(cat /sys/kernel/kexec_loaded)"
echo KX-SCENARIO-OK
EOF
}
scenario_check() {
    local want
    for want in \
        'KX-PROBE-unsigned: kexec: kexec_file_load of /payload/unsigned failed (ENODATA): /payload/unsigned is not signed' \
        'KX-PROBE-untrusted: kexec: kexec_file_load of /payload/untrusted failed (ENOKEY): /payload/untrusted is signed, but by a key the kernel does not trust' \
        'KX-PROBE-tampered: kexec: kexec_file_load of /payload/tampered failed (EKEYREJECTED): the signature of /payload/tampered was rejected' \
        'KX-PROBE-kexec_load: kexec_load failed: Permission denied'; do
        grep -aqF "$want" "$1" || { echo "$KERNEL_SERIES answered otherwise; expected: $want"; return 1; }
    done
    grep -aq '^KX-LOADED=0' "$1" || { echo "something was loaded"; return 1; }
    grep -aq 'lockdown=none \[integrity\]' "$1" || { echo "the guest was not locked down (integrity)"; return 1; }
}
