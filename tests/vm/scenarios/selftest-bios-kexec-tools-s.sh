# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Harness self-test: Debian's kexec-tools with kexec_file_load (-s).
FIRMWARE=bios
scenario_build() {
    kx_payload "$KERNEL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
kexec-tools -s -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)"
kexec-tools -e
EOF
}
