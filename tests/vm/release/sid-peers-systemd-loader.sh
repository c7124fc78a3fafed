# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# doc/peers-systemd-262.md, systemd 262's own loader: nothing loaded, plain
# "systemctl kexec" of the UKI of the other sid scenarios as the default
# Type #2 entry. systemd loads it itself, in systemctl: kexec_file_load of
# the whole UKI first, which the kernel refuses, then of .linux and .initrd
# extracted, with the entry's options; it never runs our kexec (wrapped, to
# be seen if it did). The second kernel reports what it got: profile @0's
# command line and no addon's, and (the probe) no .ucode and no /.extra.
GUEST=debian
DEBIAN_SUITE=sid
TIMEOUT=1500
EXPECT_MARKERS=debian-root
scenario_build() { kx_debian_sid_build; }
scenario_debian() {
    cat <<'GUEST'
. /payload/sid.sh
esp_setup
kexec_wrap
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
SYSTEMD_LOG_LEVEL=debug systemctl kexec
echo "KX-SYSTEMCTL-KEXEC-RC: $?"
GUEST
}
scenario_check() {
    kx_debian_check_firmware "$1" || return 1
    grep -aq '^KX-KEXEC-LOADED: 0' "$1" || { echo "a kernel was loaded already"; return 1; }
    ! grep -aq '^KX-KEXEC-ARGV:' "$1" || { echo "systemd ran /usr/sbin/kexec"; return 1; }
    ! grep -aq 'falling back to /usr/sbin/kexec' "$1" || { echo "systemd's own load failed"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: ran' "$1" || { echo "the probe did not report"; return 1; }
    # What systemd 262 gave the kernel (doc/peers-systemd-262.md): the
    # default entry (profile @0's command line, no addon's), .linux and
    # .initrd only.
    grep -aq 'Calling kexec_file_load() kernel="/efi/EFI/Linux/kx.efi"' "$1" || { echo "systemd did not load the UKI itself"; return 1; }
    grep -aq 'Found default: first entry "kx.efi@main"' "$1" || { echo "another default entry than kx.efi@main"; return 1; }
    grep -aq "^KX-STAGE2-CMDLINE: .* kx.nonce=$NONCE kx.profile=0\$" "$1" || { echo "not profile 0's command line alone"; return 1; }
    kx_debian_check_no_ucode_no_extra "$1"
}
