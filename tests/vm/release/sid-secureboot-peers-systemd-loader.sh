# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The Secure Boot row of doc/peers-systemd-262.md, systemd 262's own loader:
# sid-peers-systemd-loader with the guest booted by OVMF with Secure Boot on
# (snakeoil db; the guest's kernel signed with that key locks itself down)
# and the UKI and a second addon signed with the snakeoil key
# (lib/debian.sh). What systemd boots does not change: the entry's options,
# .linux and .initrd; the kernel verifies the extracted .linux (signed with
# the snakeoil key here: kx_debian_kernel).
# shellcheck source=sid-peers-systemd-loader.sh
. "$KX_VM_DIR/release/sid-peers-systemd-loader.sh"
FIRMWARE=secureboot
