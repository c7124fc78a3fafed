# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# debian-kdump-config-panic with the crash kernel given as a UKI: kdump-tools'
# KDUMP_KERNEL points at a ukify-254 UKI of the guest's kernel, and
# kdump-config runs our kexec -p with it (with kdump-tools' own initrd and
# command line, which replace the UKI's, as -p with a UKI does). The whole
# UKI is offered to the kernel first; the dump must be as good.
GUEST=debian
KX_KDUMP_SETUP='cp /payload/kdump.efi /boot/kdump.efi
sed -i "/^KDUMP_KERNEL=/d" /etc/default/kdump-tools
echo KDUMP_KERNEL=/boot/kdump.efi >>/etc/default/kdump-tools'
# shellcheck source=debian-kdump-config-panic.sh
. "$KX_VM_DIR/scenarios/debian-kdump-config-panic.sh"
scenario_build() {
    kx_build_uki "$PAYLOAD/kdump.efi" --style ukify-254 --linux "$DEBIAN_DIR/vmlinuz" \
        --initrd "$DEBIAN_DIR/initrd.img" --cmdline "console=ttyS0 root=/dev/vda rw"
}
scenario_check() {
    grep -aq 'KX-KDUMP-SHOW: .*/sbin/kexec -p .* /boot/kdump.efi' "$1" || { echo "kdump-config did not load the UKI"; return 1; }
    grep -aq 'kexec-bzImage64: Not a bzImage' "$1" || { echo "the whole UKI was not offered first"; return 1; }
    kx_kdump_dump_check "$1"
}
