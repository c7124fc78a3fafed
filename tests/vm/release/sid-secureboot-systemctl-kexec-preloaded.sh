# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The Secure Boot row of doc/peers-systemd-262.md, ours:
# sid-systemctl-kexec-preloaded with the guest booted by OVMF with Secure
# Boot on (snakeoil db; the guest's kernel signed with that key locks itself
# down) and the UKI and a second addon signed with the snakeoil key
# (lib/debian.sh). The kernel refuses the whole UKI (ENOEXEC) and verifies
# the split .linux; as systemd-stub under Secure Boot, the addon signed by a
# key in db is applied and the unsigned one skipped, with the reason.
# shellcheck source=sid-systemctl-kexec-preloaded.sh
. "$KX_VM_DIR/release/sid-systemctl-kexec-preloaded.sh"
FIRMWARE=secureboot
