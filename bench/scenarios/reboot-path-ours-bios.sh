# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Benchmark (bench/run): kexec -c -l with a 256 MiB initrd, then kexec -e;
# bench/run reads the host clock stamped on each console line, from
# KX-BENCH-EXEC to the second kernel's first console line. Our purgatory
# checks the digests on the way.
# shellcheck source=../guest-lib.sh
. "$(dirname "${BASH_SOURCE[0]}")/../guest-lib.sh"
kx_bench_reboot_scenario kexec
scenario_check() {
    grep -aq 'kexec-uki purgatory: digests match' "$1" || { echo "our purgatory did not check the digests"; return 1; }
}
