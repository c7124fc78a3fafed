# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: plain kexec-tools usage with our kexec:
# kexec -s -l bzImage --initrd=X --append=...
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd plain-initrd"
scenario_build() {
    kx_payload "$KERNEL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio" plain-initrd
}
scenario_guest() {
    cat <<EOF
kexec -s -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)"
kexec -e
EOF
}
