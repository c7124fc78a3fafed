# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian 13 with the crash kernel given as a UKI that the guest's own
# kernel-install made (layout=uki: its ukify 257 on its own stub, from the
# installed kernel and initrd): KDUMP_KERNEL points at it and kdump-config
# runs our kexec -p with it, kdump-tools' initrd and command line replacing
# the UKI's. The whole UKI is offered to the kernel first.
GUEST=debian
DEBIAN_SUITE=trixie
# shellcheck disable=SC2016  # guest lines: $UKI is the guest's
KX_KDUMP_SETUP='. /payload/make-uki.sh
make_uki "console=ttyS0 root=/dev/vda rw"
sed -i "/^KDUMP_KERNEL=/d" /etc/default/kdump-tools
echo "KDUMP_KERNEL=$UKI" >>/etc/default/kdump-tools'
# shellcheck source=../scenarios/debian-kdump-config-panic.sh
. "$KX_VM_DIR/scenarios/debian-kdump-config-panic.sh"
scenario_build() { kx_debian_make_uki_script >"$PAYLOAD/make-uki.sh"; }
scenario_check() {
    grep -aq '^KX-UKI: /efi/EFI/Linux/.*\.efi made by kernel-install' "$1" || { echo "kernel-install made no UKI"; return 1; }
    grep -aq 'KX-KDUMP-SHOW: .*/sbin/kexec -p .* /efi/EFI/Linux/.*\.efi' "$1" || { echo "kdump-config did not load the UKI"; return 1; }
    grep -aq 'kexec-bzImage64: Not a bzImage' "$1" || { echo "the whole UKI was not offered first"; return 1; }
    kx_kdump_dump_check "$1"
}
