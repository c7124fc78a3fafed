# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# uki-default-mode-bios (no -s/-c) with a ukify-laid-out UKI.
UKI_STYLE=ukify-252
# shellcheck source=uki-default-mode-bios.sh
. "$KX_VM_DIR/scenarios/uki-default-mode-bios.sh"
