# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A segment corrupted between hashing and loading: an LD_PRELOAD shim flips
# one byte of the initrd segment on its way into kexec_load (there is no test
# hook in kexec itself). The purgatory must find the digest mismatch and
# halt: the second kernel never starts, so the nonce never appears.
FIRMWARE=bios
NEEDS_SHIM=1
EXPECT_STAGE2=0
EXPECT_SCRIPT_OK=0
TIMEOUT=120
STOP_ON='SHA-256 mismatch in segment'  # the purgatory halts there
scenario_build() {
    kx_stage2_uki uki.efi uki-initrd
}
scenario_guest() {
    cat <<EOF
KX_SHIM=flip LD_PRELOAD=/opt/kexec-shim.so kexec-dynamic -c -l --console-serial /payload/uki.efi
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
kexec -e
EOF
}
scenario_check() {
    grep -aq 'kexec-shim: flipped byte' "$1" || { echo "the shim did not corrupt the initrd segment"; return 1; }
    grep -aq '^KX-LOADED=1' "$1" || { echo "the corrupted image was not loaded"; return 1; }
    grep -aq 'kexec-uki purgatory: SHA-256 mismatch in segment at' "$1" || { echo "the purgatory did not report the mismatch"; return 1; }
}
