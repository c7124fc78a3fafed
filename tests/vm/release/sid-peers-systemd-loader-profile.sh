# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# doc/peers-systemd-262.md, systemd 262's own loader with another profile
# as the default entry: sid-peers-systemd-loader with "default kx.efi@alt"
# in the ESP's loader/loader.conf. systemd takes that entry and gives the
# kernel profile @1's command line, but still only .linux and .initrd: no
# /.extra/profile, no .ucode, no addon.
# shellcheck source=sid-peers-systemd-loader.sh
. "$KX_VM_DIR/release/sid-peers-systemd-loader.sh"
scenario_debian() {
    cat <<'GUEST'
. /payload/sid.sh
esp_setup
mkdir -p /efi/loader
echo "default kx.efi@alt" >/efi/loader/loader.conf
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
    grep -aq 'Calling kexec_file_load() kernel="/efi/EFI/Linux/kx.efi"' "$1" || { echo "systemd did not load the UKI itself"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: ran' "$1" || { echo "the probe did not report"; return 1; }
    grep -aq 'Found default: id "kx.efi@alt" is matched by pattern "kx.efi@alt"' "$1" || { echo "kx.efi@alt was not the default"; return 1; }
    grep -aq "^KX-STAGE2-CMDLINE: .* kx.nonce=$NONCE kx.profile=1\$" "$1" || { echo "not profile 1's command line alone"; return 1; }
    kx_debian_check_no_ucode_no_extra "$1"
}
