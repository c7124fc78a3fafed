# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian 12 guest: a root made with debootstrap from Debian's
# packages (systemd, kdump-tools, makedumpfile, initramfs-tools, Debian's
# kernel) with our package installed in kexec-tools' place, booted from an
# ext4 disk image. Scenarios with GUEST=debian run their script
# (scenario_debian) at every boot, as a systemd service, after
# kdump-tools; it reaches the guest through QEMU's fw_cfg, with the nonce,
# and the payload comes on a second disk mounted at /payload. A boot with
# kx.stage=2 on its command line is the scenario's second kernel: it
# reports its command line (KX-STAGE2-CMDLINE) and powers off.

KX_DEBIAN_PACKAGES=systemd-sysv,udev,kmod,initramfs-tools,linux-image-amd64,kdump-tools,makedumpfile,procps,e2fsprogs

# Runs at every boot of the guest (kx-guest.service).
kx_debian_runner() {
    cat <<'SH'
#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
modprobe qemu_fw_cfg
cfg=/sys/firmware/qemu_fw_cfg/by_name/opt/kx
KX_NONCE=$(cat $cfg/nonce/raw)
export KX_NONCE
mkdir -p /payload
mount -o ro /dev/vdb /payload 2>/dev/null
echo "KX-DEBIAN-BOOT: $(cat /proc/cmdline)"
# The second kernel of a scenario (kx.stage=2) reports itself and stops.
if grep -q kx.stage=2 /proc/cmdline; then
    echo "KX-STAGE2-CMDLINE: $(cat /proc/cmdline)"
    echo "KX-STAGE2-MARKERS: debian-root"
    systemctl poweroff
    exit 0
fi
cat $cfg/scenario/raw >/run/kx-scenario
sh -x /run/kx-scenario 2>&1
SH
}

kx_debian_unit() {
    cat <<'UNIT'
[Unit]
Description=kexec-uki test scenario
After=basic.target kdump-tools.service kexec-load.service
# Before the serial console's getty, which would take the terminal over.
Before=getty.target serial-getty@ttyS0.service

[Service]
Type=oneshot
ExecStart=/usr/local/sbin/kx-guest
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=multi-user.target
UNIT
}

# In a crash kernel, kdump-tools boots only kdump-tools-dump.service, which
# saves the dump and reboots: report the crash kernel's command line first.
kx_debian_vmcore_unit() {
    cat <<'UNIT'
[Unit]
Description=kexec-uki test: report the crash kernel
ConditionPathExists=/proc/vmcore
Before=kdump-tools-dump.service

[Service]
Type=oneshot
ExecStart=/bin/sh -c 'echo "KX-STAGE2-CMDLINE: $(cat /proc/cmdline)"; echo "KX-STAGE2-MARKERS: vmcore"'
StandardOutput=tty
TTYPath=/dev/ttyS0

[Install]
WantedBy=kdump-tools-dump.service
UNIT
}

# kx_debian_root DEB: build (once per work directory and package) the root
# image $WORK/debian/root.img and its kernel and initrd beside it.
kx_debian_root() {
    local deb=$1 dir=$WORK/debian stamp root base mirror
    stamp="3 $(sha256sum <"$deb" | cut -c1-16) $KX_DEBIAN_PACKAGES"  # bump when the image's setup changes
    base=$dir/debootstrap-$(echo "$KX_DEBIAN_PACKAGES" | sha256sum | cut -c1-12).tar
    [ "$(cat "$dir/ready" 2>/dev/null)" = "$stamp" ] && return 0
    mkdir -p "$dir"
    root=$dir/root
    rm -rf "$root" && mkdir -p "$root"
    if [ -f "$base" ]; then  # the slow part: kept when only the package changes
        tar -C "$root" -xf "$base"
    else
        mirror=$("$KX_VM_DIR/../../scripts/debian-mirror") || kx_die "no Debian mirror in apt's configuration"
        debootstrap --variant=minbase --include="$KX_DEBIAN_PACKAGES" bookworm "$root" \
            "$mirror" >"$dir/debootstrap.log" 2>&1 ||
            kx_die "debootstrap failed (see $dir/debootstrap.log)"
        rm -f "$dir"/debootstrap-*.tar
        tar -C "$root" -cf "$base" .
    fi
    cp "$deb" "$root/tmp/kexec-uki.deb"
    cp /etc/resolv.conf "$root/etc/resolv.conf"
    chroot "$root" apt-get install -y -q /tmp/kexec-uki.deb >"$dir/install.log" 2>&1 ||
        kx_die "installing the package in the Debian root failed (see $dir/install.log)"
    rm -f "$root/tmp/kexec-uki.deb"
    # shellcheck disable=SC2016  # dpkg-query's format, not the shell's
    chroot "$root" dpkg-query -W -f='${Status}\n' kexec-uki | grep -q 'install ok installed' ||
        kx_die "kexec-uki is not installed in the Debian root"
    kx_debian_runner >"$root/usr/local/sbin/kx-guest"
    chmod 755 "$root/usr/local/sbin/kx-guest"
    kx_debian_unit >"$root/etc/systemd/system/kx-guest.service"
    ln -sf /etc/systemd/system/kx-guest.service "$root/etc/systemd/system/multi-user.target.wants/kx-guest.service"
    kx_debian_vmcore_unit >"$root/etc/systemd/system/kx-vmcore.service"
    mkdir -p "$root/etc/systemd/system/kdump-tools-dump.service.wants"
    ln -sf /etc/systemd/system/kx-vmcore.service "$root/etc/systemd/system/kdump-tools-dump.service.wants/"
    echo "/dev/vda / ext4 rw 0 1" >"$root/etc/fstab"
    cp "$root"/boot/vmlinuz-* "$dir/vmlinuz"
    cp "$root"/boot/initrd.img-* "$dir/initrd.img"
    rm -f "$dir/root.img"
    truncate -s 3G "$dir/root.img"
    mkfs.ext4 -q -F -d "$root" "$dir/root.img" || kx_die "mkfs.ext4 -d failed"
    rm -rf "$root"
    echo "$stamp" >"$dir/ready"
}

# kx_boot_debian LOG TIMEOUT MEM CMDLINE_EXTRA: boot $RUN/disk.img with the
# scenario ($RUN/scenario.sh) and payload ($RUN/payload.img).
kx_boot_debian() {
    local log=$1 timeout=$2 mem=$3 extra=$4 dir=$WORK/debian
    timeout --kill-after=10 "$timeout" qemu-system-x86_64 -cpu max -m "$mem" -smp "${QEMU_SMP:-1}" -machine q35 \
        -display none -serial stdio -monitor none -no-reboot -net none \
        -kernel "$dir/vmlinuz" -initrd "$dir/initrd.img" \
        -append "console=ttyS0 root=/dev/vda rw panic=-1 $extra" \
        -drive "file=$RUN/disk.img,if=virtio,format=raw" -drive "file=$RUN/payload.img,if=virtio,format=raw" \
        -fw_cfg "name=opt/kx/scenario,file=$RUN/scenario.sh" -fw_cfg "name=opt/kx/nonce,string=$NONCE" \
        </dev/null >"$log.raw" 2>&1
    local rc=$?
    tr -d '\r' <"$log.raw" | sed 's/\x1b\[[0-9;=?]*[a-zA-Z]//g' >"$log"
    rm -f "$log.raw"
    return $rc
}
