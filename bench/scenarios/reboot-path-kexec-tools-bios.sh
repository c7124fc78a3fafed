# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (bench/run): the reboot path of reboot-path-ours-bios with
# Debian's kexec-tools loading (its purgatory checks its own digests).
# shellcheck source=../guest-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest-lib.sh"
kx_bench_reboot_scenario kexec-tools
scenario_check() {
    grep -aq "I'm in purgatory" "$1" || { echo "kexec-tools' purgatory did not report"; return 1; }
}
