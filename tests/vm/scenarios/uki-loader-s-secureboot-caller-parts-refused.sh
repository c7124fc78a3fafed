# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: with signatures enforced, the kernel's
# UKI loader refuses an initrd, or a command line replacing the signed
# .cmdline, from the caller (EPERM, doc/kernel-uki-loader.md); kexec explains
# it, nothing is loaded, no split follows. A command line that only selects
# a profile ("@0") is not a replacement: that load goes through and boots.
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
scenario_build() {
    kx_signed_stage2_uki
    kx_marker_cpio "$PAYLOAD/extra.cpio" caller-initrd
}
scenario_guest() {
    kx_guest_try_d initrd /payload/signed-uki.efi --initrd=/payload/extra.cpio
    kx_guest_try_d cmdline /payload/signed-uki.efi --command-line=kx.caller=1
    # shellcheck disable=SC2016  # expanded in the guest
    echo 'echo "KX-KERNEL-REFUSALS=$(dmesg | grep -c "kexec-uki: signatures are enforced")"'
    kx_guest_load_d_and_exec /payload/signed-uki.efi --command-line=@0
}
scenario_check() {
    local tag advice="the kernel's UKI loader enforces signatures and so refuses an initrd, or a command line replacing the UKI's, from the caller"
    for tag in initrd cmdline; do
        kx_check_whole_uki_refused "$1" "$tag" EPERM \
            "kexec_file_load of /payload/signed-uki.efi failed (EPERM): $advice" || return 1
    done
    grep -aq '^KX-KERNEL-REFUSALS=2' "$1" || { echo "the kernel did not log both refusals"; return 1; }
    kx_check_whole_uki_taken "$1"
}
