# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# A real Debian guest (Debian 12 by default; a scenario sets DEBIAN_SUITE=
# trixie for Debian 13): a root made with debootstrap from Debian's
# packages (systemd, kdump-tools, makedumpfile, initramfs-tools, Debian's
# kernel) with our package installed in kexec-tools' place, booted from an
# ext4 disk image. Scenarios with GUEST=debian run their script
# (scenario_debian) at every boot, as a systemd service, after
# kdump-tools; it reaches the guest through QEMU's fw_cfg, with the nonce,
# and the payload comes on a second disk mounted at /payload. A boot with
# kx.stage=2 on its command line is the scenario's second kernel: it
# reports its command line (KX-STAGE2-CMDLINE) and powers off.

KX_DEBIAN_PACKAGES=systemd-sysv,udev,kmod,initramfs-tools,linux-image-amd64,kdump-tools,makedumpfile,procps,e2fsprogs

# What a suite's root holds: Debian 13 also has ukify packaged, so its own
# kernel-install makes the UKIs there (layout=uki), on its own stub.
kx_debian_packages() {
    case $1 in
    bookworm) echo "$KX_DEBIAN_PACKAGES" ;;
    # python3-cffi-backend: ukify needs python3-zstandard, which needs a
    # virtual package it provides, and debootstrap does not resolve those.
    *) echo "$KX_DEBIAN_PACKAGES,systemd-ukify,systemd-boot-efi,busybox,python3-cffi-backend" ;;
    esac
}

# Where a suite's root image, kernel and initrd are kept.
kx_debian_dir() {
    case $1 in
    bookworm) echo "$WORK/debian" ;;
    *) echo "$WORK/debian-$1" ;;
    esac
}

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

# kx_debian_root DEB SUITE: build (once per work directory, package and
# suite) the root image root.img in kx_debian_dir SUITE, and its kernel and
# initrd beside it.
kx_debian_root() {
    local deb=$1 suite=$2 dir stamp root base mirror packages
    dir=$(kx_debian_dir "$suite")
    packages=$(kx_debian_packages "$suite")
    stamp="4 $(sha256sum <"$deb" | cut -c1-16) $packages"  # bump when the image's setup changes
    base=$dir/debootstrap-$(echo "$packages" | sha256sum | cut -c1-12).tar
    [ "$(cat "$dir/ready" 2>/dev/null)" = "$stamp" ] && return 0
    mkdir -p "$dir"
    root=$dir/root
    rm -rf "$root" && mkdir -p "$root"
    if [ -f "$base" ]; then  # the slow part: kept when only the package changes
        tar -C "$root" -xf "$base"
    else
        mirror=$("$KX_VM_DIR/../../scripts/debian-mirror") || kx_die "no Debian mirror in apt's configuration"
        debootstrap --variant=minbase --include="$packages" "$suite" "$root" \
            "$mirror" >"$dir/debootstrap.log" 2>&1 ||
            kx_die "debootstrap failed (see $dir/debootstrap.log)"
        rm -f "$dir"/debootstrap-*.tar
        tar -C "$root" -cf "$base" .
    fi
    # kdump-tools brought Debian's kexec-tools in: ours replaces it.
    # shellcheck disable=SC2016  # dpkg-query's format, not the shell's
    chroot "$root" dpkg-query -W -f='${Package} ${Version}\n' kexec-tools >"$dir/replaced" 2>&1 || true
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
    ls "$root/lib/modules" >"$dir/kernel-release"  # uname -r of the guest
    rm -f "$dir/root.img"
    truncate -s 3G "$dir/root.img"
    mkfs.ext4 -q -F -d "$root" "$dir/root.img" || kx_die "mkfs.ext4 -d failed"
    rm -rf "$root"
    echo "$stamp" >"$dir/ready"
}

# kx_boot_debian LOG TIMEOUT MEM CMDLINE_EXTRA: boot $RUN/disk.img with the
# scenario ($RUN/scenario.sh) and payload ($RUN/payload.img), on the kernel
# and initrd of $DEBIAN_DIR.
kx_boot_debian() {
    local log=$1 timeout=$2 mem=$3 extra=$4 dir=$DEBIAN_DIR
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

# A guest script (put on the payload disk) defining make_uki CMDLINE: the
# guest's own kernel-install (layout=uki, so its ukify on its own stub)
# makes a UKI of the running kernel and its initrd, with CMDLINE as the
# UKI's .cmdline (/etc/kernel/cmdline), in an ESP at /efi, where systemd
# looks for Type #2 entries. Sets UKI to its path and reports it (KX-UKI).
kx_debian_make_uki_script() {
    cat <<'SH'
make_uki() {
    # vfat, mounted where systemd looks (it checks the partition type too,
    # which a loop device has not: SYSTEMD_RELAX_ESP_CHECKS).
    truncate -s 200M /var/tmp/esp.img
    busybox mkdosfs /var/tmp/esp.img
    mkdir -p /efi
    mount -o loop /var/tmp/esp.img /efi
    printf '%s\n' "$1" >/etc/kernel/cmdline
    printf 'layout=uki\nuki_generator=ukify\n' >/etc/kernel/install.conf
    kver=$(uname -r)
    SYSTEMD_RELAX_ESP_CHECKS=1 kernel-install --verbose --entry-token=os-id --esp-path=/efi \
        add "$kver" "/boot/vmlinuz-$kver" "/boot/initrd.img-$kver"
    UKI=$(ls /efi/EFI/Linux/*.efi | head -n 1)
    echo "KX-UKI: $UKI made by kernel-install (systemd $(kernel-install --version | sed -n 's/^systemd \([0-9]*\).*/\1/p'))"
    kexec --uki-info "$UKI" | sed 's/^/KX-UKI-INFO: /'
}
SH
}
