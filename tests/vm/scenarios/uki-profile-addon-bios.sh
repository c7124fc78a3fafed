# A multi-profile UKI (built with mkpe: objcopy cannot add two .profile
# sections): --uki-profile=1 boots profile 1's command line (only it has the
# nonce), an addon's command line is appended, and the second kernel finds
# /.extra/profile and /.extra/os-release.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    [ -x "$MKPE" ] || kx_die "this scenario needs --tools (mkpe)"
    kx_stage2_initrd "$RUN/initrd.cpio"
    printf 'ID=kxtest\nPRETTY_NAME="kexec-uki profile test"\n' > "$RUN/osrel"
    printf 'console=ttyS0 panic=-1 kx.stage=2 kx.nonce=profile-zero' > "$RUN/cmdline0"
    kx_stage2_cmdline > "$RUN/cmdline1"
    printf 'ID=main\nTITLE=Main\n' > "$RUN/profile0"
    printf 'ID=alt\nTITLE=Alternative\n' > "$RUN/profile1"
    printf 'kx.addon=yes' > "$RUN/addon-cmdline"
    "$MKPE" --out "$PAYLOAD/multi.efi" --section .osrel="$RUN/osrel" --section .cmdline="$RUN/cmdline0" \
        --section .linux="$KERNEL" --section .initrd="$RUN/initrd.cpio" \
        --section .profile="$RUN/profile0" --section .profile="$RUN/profile1" --section .cmdline="$RUN/cmdline1"
    "$MKPE" --out "$PAYLOAD/extra.addon.efi" --section .cmdline="$RUN/addon-cmdline"
}
scenario_guest() {
    cat <<EOF
kexec --uki-info /payload/multi.efi | grep -A1 '^  @'
kexec -s -l --uki-profile=1 --uki-addon=/payload/extra.addon.efi /payload/multi.efi
kexec -e
EOF
}
scenario_check() {
    grep -ao 'KX-STAGE2-CMDLINE: .*' "$1" | grep -q ' kx.addon=yes$' || { echo "the addon's command line is not appended"; return 1; }
    grep -aq 'KX-STAGE2-PROFILE: ID=alt' "$1" || { echo "/.extra/profile is not profile 1's"; return 1; }
    grep -aq 'KX-STAGE2-EXTRA: .*/.extra/os-release' "$1" || { echo "/.extra/os-release missing"; return 1; }
}
