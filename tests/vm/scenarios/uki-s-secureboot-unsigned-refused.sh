# OVMF Secure Boot: the UKI itself is signed, but its .linux is not. The
# locked-down kernel refuses the split kernel; kexec must explain that in one
# line, exit non-zero, and leave nothing loaded. (Measured: Debian's 6.1
# answers ENODATA for the unsigned kernel under lockdown, not EPERM.)
FIRMWARE=secureboot
EXPECT_STAGE2=0
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --linux "$KERNEL_UNSIGNED" --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/uki.efi"
}
scenario_guest() {
    cat <<EOF
rc=0
kexec -s -l /payload/uki.efi 2>/tmp/err || rc=\$?
echo "KX-RC=\$rc"
echo "KX-ERR: \$(cat /tmp/err)"
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
kexec -e || true
echo KX-SCENARIO-OK
EOF
}
scenario_check() {
    grep -aq 'KX-RC=1' "$1" || { echo "kexec did not exit 1"; return 1; }
    grep -aq 'KX-ERR: kexec: kexec_file_load of /payload/uki.efi failed (ENODATA): .linux of /payload/uki.efi is not signed and this kernel only loads signed kernels (lockdown integrity): sign .linux inside /payload/uki.efi with a key' "$1" ||
        { echo "the refusal was not explained"; return 1; }
    grep -aq 'KX-LOADED=0' "$1" || { echo "something stayed loaded"; return 1; }
}
