# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-uki-loader-s-bios on Debian 13's kernel (6.12, kernel/patches/6.12): the core set
# of the UKI loader's scenarios runs on both kernel series.
# shellcheck source=tests/vm/scenarios/kdump-uki-loader-s-bios.sh
. "$(dirname "${BASH_SOURCE[0]}")/kdump-uki-loader-s-bios.sh"
UKI_LOADER_SERIES=6.12
