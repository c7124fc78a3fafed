# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 (systemd, kdump-tools) with our package in kexec-tools'
# place: Debian's kexec-load integration. /etc/default/kexec says
# LOAD_KEXEC=true with Debian's /vmlinuz and /initrd.img; a plain
# "systemctl reboot" must come back through kexec (our kexec-load init
# script loads, our kexec script executes), not through the firmware: with
# -no-reboot a firmware reboot would end QEMU before a second kernel.
GUEST=debian
TIMEOUT=600
EXPECT_MARKERS=debian-root
scenario_debian() {
    cat <<'GUEST'
dpkg-query -W -f='KX-PACKAGE: ${Package} ${Version} ${Provides}\n' kexec-uki
cat >/etc/default/kexec <<EOT
LOAD_KEXEC=true
KERNEL_IMAGE=/vmlinuz
INITRD=/initrd.img
APPEND="console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$KX_NONCE"
EOT
echo KX-SCENARIO-OK
systemctl reboot
GUEST
}
scenario_check() {
    grep -aq '^KX-PACKAGE: kexec-uki 0.1.0 kexec-tools' "$1" || { echo "our package is not what provides kexec-tools"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the reboot did not go through kexec"; return 1; }
    # Debian's kernel finds its root only through the initrd (virtio_blk and
    # ext4 are modules): both kernels must have had one.
    [ "$(grep -ac 'Freeing initrd memory' "$1")" -ge 2 ] || { echo "the second kernel had no initrd"; return 1; }
}
