# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# Differential test against Debian's kexec-tools (OVMF): the boot
# parameters both build with -c must not differ (lib/differential.sh).
FIRMWARE=uefi
NEEDS_SHIM=1
EXPECT_STAGE2=0
scenario_build() { kx_differential_build; }
scenario_guest() { kx_differential_guest; }
scenario_check() { kx_differential_check "$1"; }
