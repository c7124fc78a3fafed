# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# kexec -s -l, then kexec -s -u: /sys/kernel/kexec_loaded goes 1, then 0,
# and kexec -S -l reports it as kexec-tools does (exit 1 loaded, 0 not).
FIRMWARE=bios
EXPECT_STAGE2=0
scenario_build() {
    kx_stage2_uki uki.efi
}
scenario_guest() {
    cat <<EOF
st=0; kexec -S -l || st=\$?; echo "KX-STATUS-BEFORE=\$st"
kexec -s -l /payload/uki.efi
echo "KX-LOADED-AFTER-LOAD=\$(cat /sys/kernel/kexec_loaded)"
st=0; kexec -S -l || st=\$?; echo "KX-STATUS-LOADED=\$st"
kexec -s -u
echo "KX-LOADED-AFTER-UNLOAD=\$(cat /sys/kernel/kexec_loaded)"
st=0; kexec -S -l || st=\$?; echo "KX-STATUS-UNLOADED=\$st"
echo KX-SCENARIO-OK
EOF
}
scenario_check() {
    local want
    for want in KX-STATUS-BEFORE=0 KX-LOADED-AFTER-LOAD=1 KX-STATUS-LOADED=1 KX-LOADED-AFTER-UNLOAD=0 KX-STATUS-UNLOADED=0; do
        grep -aq "^$want\$" "$1" || { echo "expected $want"; return 1; }
    done
}
