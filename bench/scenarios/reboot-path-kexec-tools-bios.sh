# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (bench/run): the reboot path of reboot-path-ours-bios with
# Debian's kexec-tools loading (its purgatory checks its own digests).
# shellcheck source=../guest-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest-lib.sh"
FIRMWARE=bios
MEM=2048
TIMEOUT=1200
STAMP_SERIAL=1
scenario_build() { kx_bench_reboot_build; }
scenario_guest() { kx_bench_reboot_guest kexec-tools; }
scenario_check() {
    grep -aq "I'm in purgatory" "$1" || { echo "kexec-tools' purgatory did not report"; return 1; }
}
