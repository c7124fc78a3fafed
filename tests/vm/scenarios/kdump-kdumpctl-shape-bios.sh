# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump the way kdumpctl drives it: kexec -s -p --command-line=...
# --initrd=kdump.img foo.efi. The crash kernel must boot the small kdump
# initramfs (its marker present, the UKI's initrd absent) with the given
# command line, and find the first kernel's memory in /proc/vmcore.
FIRMWARE=bios
MEM=1024
FIRST_CMDLINE_EXTRA=crashkernel=256M
EXPECT_MARKERS="stage2-initrd kdump-initrd"
UNEXPECTED_MARKERS="uki-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/uki-initrd.cpio" uki-initrd
    kx_stage2_initrd "$PAYLOAD/kdump.img" kdump-initrd
    kx_build_uki "$PAYLOAD/uki.efi" --linux "$KERNEL" --initrd "$RUN/uki-initrd.cpio" \
        --cmdline "console=ttyS0 kx.stage=2 kx.nonce=not-this-one"
}
scenario_guest() {
    kx_plant_marker
    echo "kexec -s -p --command-line=\"$(kx_stage2_cmdline "irqpoll nr_cpus=1 reset_devices")\" --initrd=/payload/kdump.img /payload/uki.efi"
    kx_crash_now
}
scenario_check() { kx_check_vmcore "$1"; }
