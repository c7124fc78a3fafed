# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The default mode (-a) with an ELF vmlinux: the kernel's kexec_file_load
# takes bzImages only and says ENOEXEC, so kexec falls back to kexec_load
# (as kexec-tools does), which loads the ELF.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    cp "$VMLINUX" "$PAYLOAD/vmlinux"
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
kexec -l -d --args-linux --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)" /payload/vmlinux
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec: kexec_file_load: ENOEXEC: falling back to kexec_load' "$1" ||
        { echo "kexec did not fall back to kexec_load after ENOEXEC"; return 1; }
}
