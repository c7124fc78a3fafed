# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# debian-kdump-config-panic on Debian 13: kdump-tools 1.10 arms the crash
# kernel (Debian's 6.12) through our kexec -p; a forced panic boots it and
# the dump it saves is read back here.
GUEST=debian
DEBIAN_SUITE=trixie
# shellcheck source=../scenarios/debian-kdump-config-panic.sh
. "$KX_VM_DIR/scenarios/debian-kdump-config-panic.sh"
