# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian 13: "systemctl kexec" (systemd 257) of a Type #2 boot entry that
# the guest's own kernel-install made (layout=uki, /etc/kernel/cmdline with
# the nonce). systemd picks the entry and runs our kexec with it; the
# machine comes back in the UKI's kernel with the UKI's .cmdline and
# .initrd (Debian's own, which it needs to find its root).
GUEST=debian
DEBIAN_SUITE=trixie
TIMEOUT=900
EXPECT_MARKERS=debian-root
scenario_build() { kx_debian_make_uki_script >"$PAYLOAD/make-uki.sh"; }
scenario_debian() {
    cat <<'GUEST'
. /payload/make-uki.sh
make_uki "console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$KX_NONCE"
export SYSTEMD_RELAX_ESP_CHECKS=1
systemctl kexec
echo "KX-SYSTEMCTL-KEXEC-RC: $?"
GUEST
}
scenario_check() {
    grep -aq '^KX-UKI: /efi/EFI/Linux/.*\.efi made by kernel-install' "$1" || { echo "kernel-install made no UKI"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    grep -aq 'kexec-bzImage64: Not a bzImage' "$1" || { echo "the whole UKI was not offered first"; return 1; }
}
