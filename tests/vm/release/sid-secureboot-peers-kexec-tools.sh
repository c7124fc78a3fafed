# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The Secure Boot row of doc/peers-systemd-262.md, kexec-tools 2.0.32:
# sid-peers-kexec-tools with the guest booted by OVMF with Secure Boot on
# (snakeoil db; the guest's kernel signed with that key locks itself down)
# and the UKI and a second addon signed with the snakeoil key
# (lib/debian.sh). 2.0.32 hands the kernel .linux with the section's
# padding (SizeOfRawData, rounded up to FileAlignment, not VirtualSize):
# bytes after the signature's certificate table, so the kernel's
# Authenticode digest differs and it rejects the key (EKEYREJECTED), with
# and without --append; nothing is loaded. To show that the padding alone
# is the cause, the same kernel and initrd cut to their VirtualSize (dd,
# offsets from our --uki-info) load with 2.0.32 and boot.
# shellcheck source=sid-peers-kexec-tools.sh
. "$KX_VM_DIR/release/sid-peers-kexec-tools.sh"
FIRMWARE=secureboot
scenario_debian() {
    sid_kexec_tools_prologue
    cat <<'GUEST'
cmdline="console=ttyS0 root=/dev/vda rw panic=-1 kx.stage=2 kx.nonce=$KX_NONCE"
kt -d -s -l /efi/EFI/Linux/kx.efi
echo "KX-KEXEC-TOOLS-LOAD-RC: $?"
kt -d -s -l /efi/EFI/Linux/kx.efi --append="$cmdline kx.append=kexec-tools"
echo "KX-KEXEC-TOOLS-LOAD-RC: $?"
echo "KX-KEXEC-LOADED: $(cat /sys/kernel/kexec_loaded)"
cut_section() {
    set -- "$1" $(kexec --uki-info /efi/EFI/Linux/kx.efi | awk -v s="$1" '$1 == s && $2 == "base" {print $3, $4, $5}')
    echo "KX-UKI-SECTION: $1 offset $2 vsize $3 raw $4"
    dd if=/efi/EFI/Linux/kx.efi of="/var/tmp/$1" iflag=skip_bytes,count_bytes skip=$(($2)) count=$(($3)) 2>/dev/null
}
cut_section .linux
cut_section .initrd
kt -d -s -l /var/tmp/.linux --initrd=/var/tmp/.initrd --append="$cmdline kx.append=kexec-tools-vsize"
echo "KX-KEXEC-TOOLS-VSIZE-LOAD-RC: $?"
kt -e
echo "KX-KEXEC-TOOLS-EXEC-RC: $?"
systemctl poweroff
GUEST
}
scenario_check() {
    kx_debian_check_firmware "$1" || return 1
    grep -aq '^KX-KEXEC-TOOLS: 1:2.0.32' "$1" || { echo "not kexec-tools 2.0.32"; return 1; }
    [ "$(grep -ac '^KX-KEXEC-TOOLS-LOAD-RC: 255' "$1")" = 2 ] || { echo "2.0.32 loaded the UKI"; return 1; }
    [ "$(grep -ac 'kexec_file_load failed: Key was rejected by service' "$1")" -ge 2 ] ||
        { echo "the UKI's loads were not refused with EKEYREJECTED"; return 1; }
    grep -aq '^KX-KEXEC-LOADED: 0' "$1" || { echo "something was loaded"; return 1; }
    # The padded size was what 2.0.32 handed the kernel.
    local raw
    raw=$(grep -ao '^KX-UKI-SECTION: .linux offset 0x[0-9a-f]* vsize 0x[0-9a-f]* raw 0x[0-9a-f]*' "$1" | awk '{print $8}')
    [ -n "$raw" ] || { echo "no .linux layout reported"; return 1; }
    grep -aq "kexec_file: kernel: [0-9a-f]* kernel_size: $raw\$" "$1" || { echo "2.0.32 did not pass .linux's raw size $raw"; return 1; }
    grep -aq '^KX-KEXEC-TOOLS-VSIZE-LOAD-RC: 0' "$1" || { echo "the kernel cut to its VirtualSize did not load"; return 1; }
    grep -aq "^KX-STAGE2-CMDLINE: .* kx.nonce=$NONCE kx.append=kexec-tools-vsize\$" "$1" || { echo "the kernel cut to its VirtualSize did not boot"; return 1; }
}
