# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: kexec -s -l uki.efi, then kexec -e. The second kernel must have the
# UKI's .cmdline (with the nonce) and the UKI's .initrd (its marker).
# -d asks for KEXEC_FILE_DEBUG only where the kernel has it (6.8+): 6.12
# then logs its bzImage64 loader's steps, 6.1 gets the flag left out.
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
echo "KX-KERNEL-DEBUG-LINES=\$(dmesg | grep -c 'kexec-bzImage64: Loaded boot_param')"
kexec -e
EOF
}
scenario_check() {
    case $KERNEL_SERIES in
    6.1)
        grep -aq '^KX-KERNEL-DEBUG-LINES=0' "$1" || { echo "6.1 logged kexec_file debug lines"; return 1; }
        grep -aq 'KEXEC_FILE_DEBUG left out' "$1" || { echo "-d on 6.1 did not say KEXEC_FILE_DEBUG was left out"; return 1; } ;;
    *)
        grep -aq '^KX-KERNEL-DEBUG-LINES=[1-9]' "$1" ||
            { echo "-d on $KERNEL_SERIES: the kernel logged no kexec_file debug lines"; return 1; } ;;
    esac
}
