# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A multi-profile UKI (ukify --join-profile on the 257 stub, the first
# with profiles; objcopy cannot add two .profile sections): --uki-profile=1 boots profile 1's command line
# (only it has the nonce), an addon's command line is appended, and the
# second kernel finds /.extra/profile and /.extra/os-release.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    printf 'ID=kxtest\nPRETTY_NAME="kexec-uki profile test"\n' > "$RUN/osrel"
    "$MKUKI" --style ukify-257 --kind profile --out "$RUN/alt.pe" --profile "$(printf 'ID=alt\nTITLE=Alternative\n')" \
        --cmdline "$(kx_stage2_cmdline)" || kx_die "mkuki failed"
    kx_build_uki "$PAYLOAD/multi.efi" --style ukify-257 --osrel "$RUN/osrel" --linux "$KERNEL" \
        --initrd "$RUN/initrd.cpio" --cmdline "console=ttyS0 panic=-1 kx.stage=2 kx.nonce=profile-zero" \
        --profile "$(printf 'ID=main\nTITLE=Main\n')" --join-profile "$RUN/alt.pe"
    "$MKUKI" --style ukify-257 --kind addon --out "$PAYLOAD/extra.addon.efi" --cmdline kx.addon=yes ||
        kx_die "mkuki failed"
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
