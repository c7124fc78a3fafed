# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-c-uki-bios (kexec -c -p) with a ukify-laid-out UKI as the crash kernel.
UKI_STYLE=ukify-252
# shellcheck source=kdump-c-uki-bios.sh
. "$KX_VM_DIR/scenarios/kdump-c-uki-bios.sh"
