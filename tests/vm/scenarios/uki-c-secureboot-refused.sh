# OVMF Secure Boot: kexec -c must be refused up front with a message that
# points to -s, and nothing may be loaded.
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$PAYLOAD/uki.efi" --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
}
scenario_guest() {
    cat <<EOF
rc=0
kexec -c -l /payload/uki.efi 2>/tmp/err || rc=\$?
echo "KX-RC=\$rc"
echo "KX-ERR: \$(cat /tmp/err)"
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
echo KX-SCENARIO-OK
EOF
}
scenario_check() {
    grep -aq '^KX-RC=1' "$1" || { echo "kexec -c did not exit 1"; return 1; }
    grep -aq 'KX-ERR: kexec: the kernel is locked down (integrity) and refuses kexec_load (-c): use kexec -s' "$1" ||
        { echo "the refusal does not point to -s"; return 1; }
    grep -aq '^KX-LOADED=0' "$1" || { echo "something was loaded"; return 1; }
}
