# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# uki-s-secureboot-signed with a ukify-laid-out UKI (Debian 12's stub): the
# snakeoil-signed kernel sits in .linux followed by padding to the file
# alignment. Handed on with that padding, the kernel's signature check fails
# (EKEYREJECTED); cut to its signed length, it boots.
UKI_STYLE=ukify-252
# shellcheck source=uki-s-secureboot-signed.sh
. "$KX_VM_DIR/scenarios/uki-s-secureboot-signed.sh"
