# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, profiles: the multi-profile UKI of ukify-profile-at1-bios
# on the first kernel with our UKI loader. --uki-profile=rescue alone must
# reach the kernel (as "@1" on the whole-UKI call), which then boots profile
# 1's .cmdline, the only one with the nonce; profile 0 would boot
# kx.nonce=profile-zero. The kernel adds no /.extra, so no profile marker.
# shellcheck source=ukify-profile-at1-bios.sh
. "$KX_VM_DIR/scenarios/ukify-profile-at1-bios.sh"
NEEDS_UKI_LOADER=1
scenario_guest() {
    cat <<'EOF2'
kexec -s -l -d --uki-profile=rescue /payload/multi.efi 2>&1 | sed 's/^/KX-D: /'
kexec -e
EOF2
}
scenario_check() {
    kx_check_whole_uki_taken "$1"
}
