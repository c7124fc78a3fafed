# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Harness self-test under OVMF Secure Boot: the kernel is locked down, so
# kexec_load (-c) must be refused and nothing may be loaded.
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_payload "$KERNEL_SNAKEOIL" vmlinuz
    kx_stage2_initrd "$PAYLOAD/initrd.cpio"
}
scenario_guest() {
    cat <<EOF
if kexec-tools -c -l /payload/vmlinuz --initrd=/payload/initrd.cpio --append="$(kx_stage2_cmdline)"; then
    echo "KX-UNEXPECTED: kexec_load was accepted"
else
    echo "KX-REFUSED"
fi
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
kexec-tools -e || true
echo KX-SCENARIO-OK
EOF
}
scenario_check() {
    grep -aq 'KX-REFUSED' "$1" || { echo "kexec -c was not refused"; return 1; }
    grep -aq 'KX-LOADED=0' "$1" || { echo "something was loaded"; return 1; }
    grep -aq 'lockdown=none \[integrity\]' "$1" || { echo "the guest was not locked down (integrity)"; return 1; }
}
