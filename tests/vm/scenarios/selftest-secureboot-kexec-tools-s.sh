# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Harness self-test under OVMF Secure Boot: kexec_file_load (-s) of the
# snakeoil-signed kernel is verified against the platform keyring and boots.
FIRMWARE=secureboot
scenario_build() {
    kx_payload "$KERNEL_SNAKEOIL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
kexec-tools -s -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)"
kexec-tools -e
EOF
}
