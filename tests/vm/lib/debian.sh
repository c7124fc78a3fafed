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
    # sid: its kernel depends on "dracut | initramfs-tools", and
    # debootstrap takes the first alternative (dracut, which conflicts with
    # initramfs-tools), as it takes busybox-static for kdump-tools (which
    # conflicts with busybox). So the kernel and kdump-tools come afterwards
    # from apt in the root (kx_debian_apt_packages), which sees that
    # initramfs-tools and busybox already satisfy those dependencies.
    sid) echo "systemd-sysv,udev,kmod,initramfs-tools,procps,e2fsprogs,systemd-ukify,systemd-boot-efi,busybox,python3-cffi-backend" ;;
    *) echo "$KX_DEBIAN_PACKAGES,systemd-ukify,systemd-boot-efi,busybox,python3-cffi-backend" ;;
    esac
}

# What apt installs in the root after debootstrap (see kx_debian_packages).
kx_debian_apt_packages() {
    case $1 in
    sid) echo "linux-image-amd64 kdump-tools makedumpfile" ;;
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
    # What a scenario's probe (an initramfs-tools conf.d script it added
    # to the initrd) saw in the initramfs before switch_root deleted it.
    [ -f /run/kx-probe ] && sed 's/^/KX-STAGE2-PROBE: /' /run/kx-probe
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
    [ -z "$(kx_debian_apt_packages "$suite")" ] || packages="$packages $(kx_debian_apt_packages "$suite")"
    stamp="5 $(sha256sum <"$deb" | cut -c1-16) $packages"  # bump when the image's setup changes
    base=$dir/debootstrap-$(echo "$packages" | sha256sum | cut -c1-12).tar
    [ "$(cat "$dir/ready" 2>/dev/null)" = "$stamp" ] && return 0
    mkdir -p "$dir"
    root=$dir/root
    rm -rf "$root" && mkdir -p "$root"
    if [ -f "$base" ]; then  # the slow part: kept when only the package changes
        tar -C "$root" -xf "$base"
    else
        mirror=$("$KX_VM_DIR/../../scripts/debian-mirror") || kx_die "no Debian mirror in apt's configuration"
        debootstrap --variant=minbase --include="$(kx_debian_packages "$suite")" "$suite" "$root" \
            "$mirror" >"$dir/debootstrap.log" 2>&1 ||
            kx_die "debootstrap failed (see $dir/debootstrap.log)"
        if [ -n "$(kx_debian_apt_packages "$suite")" ]; then
            cp /etc/resolv.conf "$root/etc/resolv.conf"
            # shellcheck disable=SC2046  # a list of package names
            chroot "$root" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
                $(kx_debian_apt_packages "$suite") >>"$dir/debootstrap.log" 2>&1 ||
                kx_die "apt-get install in the root failed (see $dir/debootstrap.log)"
            chroot "$root" apt-get clean
        fi
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

# The guest's kernel as the scenario's $FIRMWARE boots it: under Secure
# Boot re-signed with the snakeoil key OVMF's db trusts (the kernel then
# also trusts it for kexec_file_load, through its platform keyring, as a
# machine booted by shim trusts Debian's key through MokListRT; Debian's own
# signature is trusted by neither here). Prints its path.
kx_debian_kernel() {
    if [ "$FIRMWARE" != secureboot ]; then
        echo "$DEBIAN_DIR/vmlinuz"
        return
    fi
    [ -f "$RUN/vmlinuz.snakeoil" ] ||
        kx_resign_snakeoil "$DEBIAN_DIR/vmlinuz" "$RUN/vmlinuz.unsigned" "$RUN/vmlinuz.snakeoil"
    echo "$RUN/vmlinuz.snakeoil"
}

# kx_boot_debian LOG TIMEOUT MEM CMDLINE_EXTRA: boot $RUN/disk.img with the
# scenario ($RUN/scenario.sh) and payload ($RUN/payload.img), on the kernel
# and initrd of $DEBIAN_DIR, under the scenario's $FIRMWARE. Secure Boot:
# OVMF's snakeoil db and the kernel re-signed for it (kx_debian_kernel);
# the Debian kernel then locks itself down, as on a machine booted by shim.
kx_boot_debian() {
    local log=$1 timeout=$2 mem=$3 extra=$4 dir=$DEBIAN_DIR kernel
    kernel=$(kx_debian_kernel) || return 1
    kx_firmware_args "$FIRMWARE"
    timeout --kill-after=10 "$timeout" qemu-system-x86_64 -cpu max -m "$mem" -smp "${QEMU_SMP:-1}" \
        "${KX_FIRMWARE_ARGS[@]}" -display none -serial stdio -monitor none -no-reboot -net none \
        -kernel "$kernel" -initrd "$dir/initrd.img" \
        -append "console=ttyS0 root=/dev/vda rw panic=-1 $extra" \
        -drive "file=$RUN/disk.img,if=virtio,format=raw" -drive "file=$RUN/payload.img,if=virtio,format=raw" \
        -fw_cfg "name=opt/kx/scenario,file=$RUN/scenario.sh" -fw_cfg "name=opt/kx/nonce,string=$NONCE" \
        </dev/null >"$log.raw" 2>&1
    local rc=$?
    tr -d '\r' <"$log.raw" | sed 's/\x1b\[[0-9;=?]*[a-zA-Z]//g' >"$log"
    rm -f "$log.raw"
    return $rc
}

# Guest shell defining esp_mount: an empty ESP, vfat on a loop device,
# mounted at /efi, where systemd looks (it checks the partition type too,
# which a loop device has not: SYSTEMD_RELAX_ESP_CHECKS). Part of the
# scripts below.
kx_debian_esp_mount_script() {
    cat <<'SH'
esp_mount() {
    truncate -s 200M /var/tmp/esp.img
    busybox mkdosfs /var/tmp/esp.img
    mkdir -p /efi
    mount -o loop /var/tmp/esp.img /efi
}
SH
}

# A guest script (put on the payload disk) defining make_uki CMDLINE: the
# guest's own kernel-install (layout=uki, so its ukify on its own stub)
# makes a UKI of the running kernel and its initrd, with CMDLINE as the
# UKI's .cmdline (/etc/kernel/cmdline), in an ESP at /efi, where systemd
# looks for Type #2 entries. Sets UKI to its path and reports it (KX-UKI).
kx_debian_make_uki_script() {
    kx_debian_esp_mount_script
    cat <<'SH'
make_uki() {
    esp_mount
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

# The Debian sid scenarios (tests/vm/release/sid-*): one UKI, built on this
# machine by systemd 262's own ukify on its own stub (extracted from sid's
# packages by scripts/install-deps, run by the system's python3) from the
# guest's kernel and initrd, so that every loader gets the same file.
#   kx.efi: two profiles: @0 (ID=main) with "kx.profile=0" on its command
#   line, @1 (ID=alt) with "kx.profile=1", both with the nonce; a .ucode
#   cpio whose microcode files (GenuineIntel.bin, AuthenticAMD.bin) hold
#   "kx-ucode-NONCE", which no CPU takes for microcode; its .initrd is the
#   guest's initrd followed by the probe (kx_debian_probe).
#   kx.efi.extra.d/kx.addon.efi: an addon with "kx.addon=yes", where
#   systemd-stub looks for the UKI's own addons.
# They go to $PAYLOAD/esp/EFI/Linux/; kx_debian_esp_script puts them in
# the guest's ESP.
KX_UKIFY_262=${KX_TEST_INPUTS:-/var/cache/kexec-uki-test}/systemd-ukify-262/usr/bin/ukify
KX_STUBS_262=${KX_TEST_INPUTS:-/var/cache/kexec-uki-test}/systemd-boot-efi-262/usr/lib/systemd/boot/efi
kx_debian_probe_uki() {
    local t=$RUN/uki out=$PAYLOAD/esp/EFI/Linux v kernel
    kernel=$(kx_debian_kernel) || return 1
    local base="console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$NONCE"
    if [ ! -f "$KX_UKIFY_262" ] || [ ! -f "$KX_STUBS_262/linuxx64.efi.stub" ]; then
        echo "missing systemd 262's ukify or stub (scripts/install-deps extracts them)"
        return 1
    fi
    rm -rf "$t" && mkdir -p "$t/ucode/kernel/x86/microcode" "$t/probe/conf/conf.d" "$out/kx.efi.extra.d"
    for v in GenuineIntel AuthenticAMD; do
        echo "kx-ucode-$NONCE" >"$t/ucode/kernel/x86/microcode/$v.bin"
    done
    (cd "$t/ucode" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$t/ucode.cpio" || return 1
    kx_debian_probe >"$t/probe/conf/conf.d/kx-probe"
    (cd "$t/probe" && find . | LC_ALL=C sort | cpio -o -H newc -R 0:0 --quiet) >"$t/probe.cpio" || return 1
    printf 'ID=debian\nVERSION_ID=kx\nPRETTY_NAME="kexec-uki sid test"\n' >"$t/os-release"
    # A profile PE is made on the addon stub (ukify takes the linux stub's
    # .sbat first otherwise, and --join-profile wants .profile first).
    /usr/bin/python3 "$KX_UKIFY_262" build --stub "$KX_STUBS_262/addonx64.efi.stub" \
        --profile "$(printf 'ID=alt\nTITLE=Alternative')" --cmdline "$base kx.profile=1" --output "$t/alt.pe" &&
    /usr/bin/python3 "$KX_UKIFY_262" build --stub "$KX_STUBS_262/linuxx64.efi.stub" \
        --linux "$kernel" --initrd "$DEBIAN_DIR/initrd.img" --initrd "$t/probe.cpio" \
        --microcode "$t/ucode.cpio" --os-release "@$t/os-release" --cmdline "$base kx.profile=0" \
        --profile "$(printf 'ID=main\nTITLE=Main')" --join-profile "$t/alt.pe" --output "$out/kx.efi" &&
    /usr/bin/python3 "$KX_UKIFY_262" build --stub "$KX_STUBS_262/addonx64.efi.stub" \
        --cmdline kx.addon=yes --output "$out/kx.efi.extra.d/kx.addon.efi" || return 1
    if [ "$FIRMWARE" = secureboot ]; then
        # Signed as a distribution signs them, by a key in db (snakeoil):
        # the UKI, and a second addon, kx-signed.addon.efi with
        # "kx.addon.signed=yes"; kx.addon.efi stays unsigned, which
        # systemd-stub refuses under Secure Boot.
        mv "$out/kx.efi" "$t/kx.unsigned.efi"
        kx_sign "$t/kx.unsigned.efi" "$out/kx.efi"
        /usr/bin/python3 "$KX_UKIFY_262" build --stub "$KX_STUBS_262/addonx64.efi.stub" \
            --cmdline kx.addon.signed=yes --output "$t/kx-signed.addon.efi" || return 1
        kx_sign "$t/kx-signed.addon.efi" "$out/kx.efi.extra.d/kx-signed.addon.efi"
    fi
    KEXEC_UKI_NO_REAL_SYSCALLS=1 "$KEXEC" --uki-info "$out/kx.efi"
}

# The probe: initramfs-tools' /init sources conf/conf.d/* early, before it
# mounts /run, so it reports at once (KX-PROBE-INITRAMFS, on the console)
# and leaves its report for the root's /run through init-bottom (its ORDER
# file is sourced there, after /run is mounted): the runner of the second
# kernel prints /run/kx-probe as KX-STAGE2-PROBE. What it looks for:
# /.extra (systemd-stub's profile, os-release, ...) and the .ucode's
# microcode files, both gone once switch_root deletes the initramfs.
kx_debian_probe() {
    cat <<'SH'
# kexec-uki test probe (tests/vm/lib/debian.sh): sourced by /init.
kx_probe() {
    echo "ran"
    if [ -d /.extra ]; then
        for f in $(find /.extra | sort); do echo "extra: $f"; done
    else
        echo "extra: none"
    fi
    [ -f /.extra/profile ] && echo "profile: $(tr '\n' ' ' </.extra/profile)"
    found=0
    for f in /kernel/x86/microcode/*; do
        [ -f "$f" ] && { echo "ucode: $f $(cat "$f")"; found=1; }
    done
    [ $found = 1 ] || echo "ucode: none"
}
kx_probe >/kx-probe 2>&1
sed 's/^/KX-PROBE-INITRAMFS: /' /kx-probe
[ -f /scripts/init-bottom/ORDER ] && echo 'cp /kx-probe /run/kx-probe' >>/scripts/init-bottom/ORDER
SH
}

# A guest script (put on the payload disk) defining esp_setup: an ESP
# (vfat on a loop device) at /efi, where systemd looks for Type #2 entries
# (it checks the partition type too, which a loop device has not:
# SYSTEMD_RELAX_ESP_CHECKS), holding the payload's EFI/Linux/; and
# kexec_wrap: /usr/sbin/kexec (ours) replaced by a wrapper that reports
# every run's arguments (KX-KEXEC-ARGV, one [arg] each) and runs ours with
# -d, so that a run by systemd is seen with what it was given.
kx_debian_esp_script() {
    kx_debian_esp_mount_script
    cat <<'SH'
esp_setup() {
    echo "KX-LOCKDOWN: $(cat /sys/kernel/security/lockdown 2>/dev/null || echo unknown)"
    esp_mount
    cp -r /payload/esp/EFI /efi/
    find /efi -type f | sed 's/^/KX-ESP: /'
    export SYSTEMD_RELAX_ESP_CHECKS=1
}
kexec_wrap() {
    mv /usr/sbin/kexec /usr/sbin/kexec.ours
    cat >/usr/sbin/kexec <<'W'
#!/bin/sh
{ printf 'KX-KEXEC-ARGV:'; for a in "$0" "$@"; do printf ' [%s]' "$a"; done; echo; } >/dev/ttyS0
exec /usr/sbin/kexec.ours -d "$@"
W
    chmod 755 /usr/sbin/kexec
}
SH
}

# What the sid scenarios share: their scenario_build (the UKI and the guest
# script above, on the payload disk), and the check that a loader passed
# neither the .ucode nor any /.extra file (what the probe saw).
kx_debian_sid_build() {
    kx_debian_probe_uki || return 1
    kx_debian_esp_script >"$PAYLOAD/sid.sh"
}
# The guest booted as the scenario's $FIRMWARE asks: under Secure Boot the
# kernel locked itself down (integrity), so kexec_file_load must verify
# what it loads; otherwise it did not.
kx_debian_check_firmware() {
    if [ "$FIRMWARE" = secureboot ]; then
        grep -aq '^KX-LOCKDOWN: .*\[integrity\]' "$1" || { echo "the first kernel is not locked down"; return 1; }
    else
        grep -aq '^KX-LOCKDOWN: \[none\]' "$1" || { echo "the first kernel is locked down"; return 1; }
    fi
}
kx_debian_check_no_ucode_no_extra() {
    grep -aq '^KX-STAGE2-PROBE: ucode: none' "$1" || { echo "the .ucode arrived"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: extra: none' "$1" || { echo "/.extra arrived"; return 1; }
}
