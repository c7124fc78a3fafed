# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, kdump: kexec -s -p uki.efi on the first kernel with our
# UKI loader (crashkernel=256M) takes the whole UKI on the first call; the
# first kernel leaves a marker in tmpfs and panics. The crash kernel has the
# UKI's .cmdline (the nonce, plus elfcorehdr= from the bzImage64 loader),
# its .initrd, and the marker in /proc/vmcore.
FIRMWARE=bios
MEM=1024
NEEDS_UKI_LOADER=1
FIRST_CMDLINE_EXTRA=crashkernel=256M
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi --cmdline-extra "irqpoll nr_cpus=1 reset_devices" uki-initrd
}
scenario_guest() {
    kx_plant_marker
    cat <<'EOF2'
kexec -s -p -d /payload/uki.efi 2>&1 | sed 's/^/KX-D: /'
EOF2
    kx_crash_now
}
scenario_check() {
    kx_check_whole_uki_taken "$1" || return 1
    grep -aq 'KX-STAGE2-CMDLINE: elfcorehdr=' "$1" || { echo "the crash kernel's command line has no elfcorehdr="; return 1; }
    kx_check_vmcore "$1"
}
