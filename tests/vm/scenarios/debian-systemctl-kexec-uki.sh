# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12: "systemctl kexec" with a UKI installed as a Type #2 boot
# entry (ESP/EFI/Linux/*.efi, as systemd 252 finds it). systemd picks the
# entry and runs our kexec --load with it; the machine comes back in the
# UKI's kernel with the UKI's .cmdline (the nonce) and .initrd (Debian's
# own, which it needs to find its root).
GUEST=debian
TIMEOUT=600
EXPECT_MARKERS=debian-root
scenario_build() {
    kx_build_uki "$PAYLOAD/debian.efi" --style ukify-254 --linux "$DEBIAN_DIR/vmlinuz" \
        --initrd "$DEBIAN_DIR/initrd.img" --cmdline "console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$NONCE"
}
scenario_debian() {
    cat <<'GUEST'
# An ESP: vfat, mounted where systemd looks (it checks the partition type
# too, which a loop device has not: SYSTEMD_RELAX_ESP_CHECKS).
truncate -s 200M /var/tmp/esp.img
busybox mkdosfs /var/tmp/esp.img  # busybox comes with kdump-tools
mkdir -p /efi
mount -o loop /var/tmp/esp.img /efi
mkdir -p /efi/EFI/Linux
cp /payload/debian.efi /efi/EFI/Linux/debian.efi
export SYSTEMD_RELAX_ESP_CHECKS=1
systemctl kexec
echo "KX-SYSTEMCTL-KEXEC-RC: $?"
GUEST
}
scenario_check() {
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    # Our kexec offers the whole UKI first (the kernel's bzImage loader says
    # no), then its parts: kexec-tools 2.0.25 cannot load a UKI at all.
    grep -aq 'kexec-bzImage64: Not a bzImage' "$1" || { echo "the whole UKI was not offered first"; return 1; }
}
