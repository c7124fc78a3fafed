# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# errno-secureboot on Debian's 6.12 kernel (bookworm-backports): the same
# errnos, so the same advice, as 6.1 (doc/kernel-versions.md).
# shellcheck source=errno-secureboot.sh
. "$KX_VM_DIR/scenarios/errno-secureboot.sh"
KERNEL_SERIES=6.12
