# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# debian-kexec-load-reboot on Debian 13 (trixie: systemd 257, kernel 6.12),
# our package in place of its kexec-tools 2.0.29: "systemctl reboot" comes
# back through kexec, loaded by our package's kexec-load scripts.
GUEST=debian
DEBIAN_SUITE=trixie
# shellcheck source=../scenarios/debian-kexec-load-reboot.sh
. "$KX_VM_DIR/scenarios/debian-kexec-load-reboot.sh"
