# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# An ELF vmlinux (Debian's kernel, extracted from its bzImage) loaded with
# kexec_load: its PT_LOAD segments at their physical addresses, a zero page
# (--args-linux, as Debian's kdump-config passes for a vmlinux), our
# purgatory entering startup_64.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    cp "$VMLINUX" "$PAYLOAD/vmlinux"
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
kexec -c -l -d --args-linux --console-serial --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)" /payload/vmlinux
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec-uki purgatory: digests match' "$1" || { echo "the purgatory did not check the digests"; return 1; }
}
