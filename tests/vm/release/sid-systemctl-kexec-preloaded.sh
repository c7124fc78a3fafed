# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Debian sid (systemd 262, its kernel), our package in kexec-tools' place:
# our "kexec -s -l --uki-profile=1" loads a UKI that systemd 262's ukify
# made (two profiles, .ucode, an addon in its .extra.d/), and "systemctl
# kexec" executes what we loaded (a loaded kernel is simply executed; it
# does not load the entry itself). The second kernel shows all of the UKI:
# profile 1's command line with the nonce, the addon's command line, the
# .ucode's microcode files and /.extra/profile in the initramfs (the probe
# of lib/debian.sh). This is also the "ours" column of
# doc/peers-systemd-262.md.
GUEST=debian
DEBIAN_SUITE=sid
TIMEOUT=1500
EXPECT_MARKERS=debian-root
scenario_build() { kx_debian_sid_build; }
scenario_debian() {
    cat <<'GUEST'
. /payload/sid.sh
echo "KX-SYSTEMD: $(systemctl --version | head -n1)"
echo "KX-KERNEL: $(uname -r)"
echo "KX-PACKAGE: $(dpkg-query -W -f='${Package} ${Version}' kexec-uki) $(kexec --version)"
esp_setup
kexec_wrap
kexec -s -l --uki-profile=1 /efi/EFI/Linux/kx.efi
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
SYSTEMD_LOG_LEVEL=debug systemctl kexec
echo "KX-SYSTEMCTL-KEXEC-RC: $?"
GUEST
}
scenario_check() {
    kx_debian_check_firmware "$1" || return 1
    local cmdline
    cmdline=$(grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | tail -n1)
    grep -aq '^KX-KEXEC-LOADED: 1' "$1" || { echo "our kexec -s -l loaded nothing"; return 1; }
    grep -aq 'Kexec kernel already loaded' "$1" || { echo "systemctl did not see our kernel as loaded"; return 1; }
    [ "$(grep -ac '^KX-KEXEC-ARGV:' "$1")" = 1 ] || { echo "kexec ran more than our one load (systemd ran it too?)"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    case "$cmdline " in *" kx.profile=1 "*) ;; *) echo "not profile 1's command line: $cmdline"; return 1 ;; esac
    if [ "$FIRMWARE" = secureboot ]; then
        # As systemd-stub under Secure Boot: the addon signed by a key in
        # db is applied, the unsigned one skipped, with the reason.
        case "$cmdline" in *" kx.profile=1 kx.addon.signed=yes") ;; *) echo "not the signed addon's command line alone: $cmdline"; return 1 ;; esac
        grep -aq 'kexec: note: skipped per-UKI addon /efi/EFI/Linux/kx.efi.extra.d/kx.addon.efi: not trusted by the UEFI db: it is not signed' "$1" ||
            { echo "ours did not say why it skipped the unsigned addon"; return 1; }
    else
        case "$cmdline" in *" kx.addon=yes") ;; *) echo "the addon's command line is not appended: $cmdline"; return 1 ;; esac
    fi
    grep -aq "^KX-STAGE2-PROBE: ucode: /kernel/x86/microcode/GenuineIntel.bin kx-ucode-$NONCE" "$1" ||
        { echo "the .ucode's microcode files were not in the initramfs"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: profile: ID=alt' "$1" || { echo "/.extra/profile is not profile 1's"; return 1; }
}
