# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian sid: nothing loaded, "systemctl kexec" (systemd 262) loads the
# default Type #2 entry itself, with kexec_file_load refused (ENOSYS, a
# seccomp filter of the unit it runs in): systemd logs its fallback and
# runs /usr/sbin/kexec --load UKI --append OPTIONS (ours, wrapped to report
# its arguments, -d added). Ours inherits the filter, so its
# kexec_file_load fails the same way and its default mode builds the image
# itself (kexec_load) with the whole UKI: the second kernel has the nonce,
# the entry's options (profile @0's .cmdline, which --append replaces it
# with) followed by the addon's, as systemd-stub appends an addon's line to
# a boot loader's, the .ucode and /.extra (profile @0's) in its initramfs.
GUEST=debian
DEBIAN_SUITE=sid
TIMEOUT=1500
EXPECT_MARKERS=debian-root
scenario_build() { kx_debian_sid_build; }
scenario_debian() {
    cat <<'GUEST'
. /payload/sid.sh
echo "KX-SYSTEMD: $(systemctl --version | head -n1)"
esp_setup
kexec_wrap
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
# A unit, not systemd-run: the guest has no D-Bus broker, which
# systemd-run needs; systemctl talks to PID 1 directly.
cat >/run/systemd/system/kx-fallback.service <<'UNIT'
[Service]
Type=oneshot
SystemCallFilter=~kexec_file_load
SystemCallErrorNumber=ENOSYS
Environment=SYSTEMD_RELAX_ESP_CHECKS=1 SYSTEMD_LOG_LEVEL=debug SYSTEMD_LOG_COLOR=0
ExecStart=/usr/bin/systemctl kexec
StandardOutput=tty
StandardError=tty
TTYPath=/dev/ttyS0
UNIT
systemctl daemon-reload
systemctl start --no-block kx-fallback.service
sleep 600
GUEST
}
scenario_check() {
    kx_debian_check_firmware "$1" || return 1
    local cmdline
    cmdline=$(grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | tail -n1)
    grep -aq '^KX-KEXEC-LOADED: 0' "$1" || { echo "a kernel was loaded already"; return 1; }
    grep -aq 'kexec_file_load() failed, falling back to /usr/sbin/kexec binary: Function not implemented' "$1" ||
        { echo "systemd did not log its fallback (ENOSYS)"; return 1; }
    grep -aq '^KX-KEXEC-ARGV: \[/usr/sbin/kexec\]' "$1" || { echo "systemd did not run our kexec"; return 1; }
    grep -aq "^KX-KEXEC-ARGV: \[/usr/sbin/kexec\] \[--load\] \[/efi/EFI/Linux/kx.efi\] \[--append\] \[console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$NONCE kx.profile=0\]\$" "$1" ||
        { echo "systemd ran our kexec with other arguments than --load UKI --append OPTIONS"; return 1; }
    grep -aq 'kexec: kexec_file_load: ENOSYS: falling back to kexec_load' "$1" || { echo "ours did not fall back to kexec_load"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    case "$cmdline" in *" kx.nonce=$NONCE kx.profile=0 kx.addon=yes") ;; *) echo "not the entry's options and the addon's: $cmdline"; return 1 ;; esac
    grep -aq "^KX-STAGE2-PROBE: ucode: /kernel/x86/microcode/GenuineIntel.bin kx-ucode-$NONCE" "$1" ||
        { echo "the .ucode's microcode files were not in the initramfs"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: profile: ID=main' "$1" || { echo "/.extra/profile is not profile 0's"; return 1; }
}
