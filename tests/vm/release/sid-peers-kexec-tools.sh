# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# doc/peers-systemd-262.md, kexec-tools 2.0.32 (sid's, run from the payload
# disk with its own libraries, not installed over our package) on the UKI
# of the other sid scenarios. First "kexec -d -s -l UKI" alone: the
# kernel's own debug output (KEXEC_FILE_DEBUG) shows the command line it
# got, which is empty (2.0.32 takes .linux and .initrd and ignores
# .cmdline; a second kernel without root= and console= would never
# report), and the initrd size, the .initrd section's alone. Unloaded, then
# loaded again with --append (a command line of our own, with the nonce and
# kx.append=kexec-tools) and executed with its "kexec -e": the second
# kernel reports what it got, the addon's command line and, from the
# probe, the .ucode and /.extra.
GUEST=debian
DEBIAN_SUITE=sid
TIMEOUT=1500
EXPECT_MARKERS=debian-root
scenario_build() {
    local kt
    kx_debian_sid_build || return 1
    kt=$(kx_kexec_tools_of sid) || return 1
    mkdir -p "$PAYLOAD/kexec-tools"
    cp -a "$kt/bin" "$kt/lib" "$kt/version" "$PAYLOAD/kexec-tools/"
}
# The guest lines both kexec-tools scenarios start with (this one and
# sid-secureboot-peers-kexec-tools): the ESP, and kt, sid's 2.0.32 run from
# the payload disk with its own libraries.
sid_kexec_tools_prologue() {
    cat <<'GUEST'
. /payload/sid.sh
esp_setup
kt() { /payload/kexec-tools/lib/ld-linux-x86-64.so.2 --library-path /payload/kexec-tools/lib /payload/kexec-tools/bin/kexec "$@"; }
echo "KX-KEXEC-TOOLS: $(cat /payload/kexec-tools/version) $(kt --version)"
GUEST
}
scenario_debian() {
    sid_kexec_tools_prologue
    cat <<'GUEST'
echo "KX-UKI-INITRD-SECTION: $(kexec --uki-info /efi/EFI/Linux/kx.efi | awk '$1 == ".initrd" {print $5}')"
kt -d -s -l /efi/EFI/Linux/kx.efi
echo "KX-KEXEC-TOOLS-LOAD-RC: $?"
kt -s -u
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
kt -d -s -l /efi/EFI/Linux/kx.efi --append="console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$KX_NONCE kx.append=kexec-tools"
echo "KX-KEXEC-TOOLS-LOAD-RC: $?"
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
kt -e
echo "KX-KEXEC-TOOLS-EXEC-RC: $?"
GUEST
}
scenario_check() {
    kx_debian_check_firmware "$1" || return 1
    local first section
    grep -aq '^KX-KEXEC-TOOLS: 1:2.0.32' "$1" || { echo "not kexec-tools 2.0.32"; return 1; }
    first=$(grep -ao 'kexec-bzImage64: Final command line is:.*' "$1" | head -n1)
    [ -n "$first" ] || { echo "the first load's command line was not reported"; return 1; }
    [ -z "$(echo "${first#*is:}" | tr -d ' ')" ] || { echo "the UKI alone got a command line: $first"; return 1; }
    section=$(grep -ao '^KX-UKI-INITRD-SECTION: 0x[0-9a-f]*' "$1" | head -n1)
    grep -ao 'kexec-bzImage64: Loaded initrd at 0x[0-9a-f]* bufsz=0x[0-9a-f]*' "$1" | head -n1 |
        grep -q "bufsz=${section#*: }\$" || { echo "the initrd is not the .initrd section alone"; return 1; }
    grep -aq 'kexec_core: Starting new kernel' "$1" || { echo "the machine did not kexec"; return 1; }
    grep -aq '^KX-STAGE2-PROBE: ran' "$1" || { echo "the probe did not report"; return 1; }
    # What 2.0.32 gave the kernel (doc/peers-systemd-262.md): our command
    # line and no addon's, no .ucode, no /.extra.
    grep -aq "^KX-STAGE2-CMDLINE: .* kx.nonce=$NONCE kx.append=kexec-tools\$" "$1" || { echo "not the --append command line alone"; return 1; }
    kx_debian_check_no_ucode_no_extra "$1"
}
