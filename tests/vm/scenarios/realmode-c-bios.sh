# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# --real-mode: our purgatory leaves long mode and protected mode and jumps
# to the kernel's real-mode setup code (below 640 KiB, cs = its segment +
# 0x20), which it announces from real mode. What the setup code does next
# depends on the BIOS still serving it after Linux ran: on this guest it
# never comes back, and Debian's kexec-tools 2.0.25 --real-mode stops the
# same way (seen here), so the scenario proves the hand-over, not a boot.
FIRMWARE=bios
EXPECT_STAGE2=0
EXPECT_SCRIPT_OK=0
STOP_ON='in real mode, starting the setup code'
scenario_build() {
    cp "$KERNEL" "$PAYLOAD/vmlinuz"
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
kexec -c -l --real-mode --console-serial --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)" /payload/vmlinuz
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec-uki purgatory: starting the kernel at 0x[0-9a-f]* (real mode)' "$1" ||
        { echo "the purgatory did not take the real-mode entry"; return 1; }
    grep -aq 'kexec-uki purgatory: in real mode, starting the setup code' "$1" ||
        { echo "the purgatory did not reach real mode"; return 1; }
}
