# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: kexec -s -l uki.efi, then kexec -e. The second kernel must have the
# UKI's .cmdline (with the nonce) and the UKI's .initrd (its marker).
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd uki-initrd"
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
kexec --uki-info /payload/uki.efi
kexec -s -l -d /payload/uki.efi
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
kexec -e
EOF
}
