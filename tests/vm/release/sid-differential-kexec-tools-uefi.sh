# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# differential-kexec-tools-uefi against sid's kexec-tools 2.0.32 instead of
# Debian 12's 2.0.25 (OVMF, the busybox guest on Debian 12's kernel):
# the boot parameters both build with -c must not differ
# (lib/differential.sh; zeropage-diff.txt in the run directory), except
# the pad word of the EFI memory descriptors, which 2.0.32 leaves non-zero
# (kx_differential_check_efi_pad).
KEXEC_TOOLS_SUITE=sid
# shellcheck source=../scenarios/differential-kexec-tools-uefi.sh
. "$KX_VM_DIR/scenarios/differential-kexec-tools-uefi.sh"
scenario_guest() { echo "kexec-tools --version"; kx_differential_guest; }
scenario_check() {
    grep -aq '^kexec-tools 2\.0\.32' "$1" || { echo "the guest's kexec-tools is not 2.0.32"; return 1; }
    kx_differential_check_efi_pad "$1"
}
