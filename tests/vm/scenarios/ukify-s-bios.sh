# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# uki-s-bios with a UKI laid out as systemd's ukify does on Debian 12's stub:
# .linux's VirtualSize is the kernel's SizeOfImage (larger than its raw
# data), the merged .sbat overlaps .sdmagic in memory, and .linux holds the
# signed kernel plus padding, which -d must say was left out.
UKI_STYLE=ukify-252
# shellcheck source=uki-s-bios.sh
. "$KX_VM_DIR/scenarios/uki-s-bios.sh"
scenario_check() {
    grep -aq 'kexec: note: .linux holds [0-9]* bytes; the kernel.s PE image is the first' "$1" ||
        { echo "-d did not say the kernel was taken without its padding"; return 1; }
}
