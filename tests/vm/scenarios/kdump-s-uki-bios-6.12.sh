# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kdump-s-uki-bios on Debian's 6.12 kernel (bookworm-backports): the first kernel, the
# UKI's .linux and the guest's modules are 6.12's (doc/kernel-versions.md).
# shellcheck source=kdump-s-uki-bios.sh
. "$KX_VM_DIR/scenarios/kdump-s-uki-bios.sh"
KERNEL_SERIES=6.12
