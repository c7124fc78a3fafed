# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Negative control: the second kernel boots, but with a nonce that is not the
# one the harness expects. The judge must fail it (MUST_FAIL), proving that
# a boot alone does not pass a scenario.
FIRMWARE=bios
MUST_FAIL=1
MUST_FAIL_BECAUSE="not in the second kernel's /proc/cmdline"
scenario_build() {
    kx_payload "$KERNEL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    local saved=$NONCE
    NONCE=0000000000000000
    cat <<EOF
kexec-tools -s -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)"
kexec-tools -e
EOF
    NONCE=$saved
}
