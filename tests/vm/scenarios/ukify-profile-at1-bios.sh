# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# A multi-profile UKI as ukify --join-profile makes it (257 stub: profiles came with it): "@1" as
# the command line selects profile 1, as systemd-stub reads it, and the
# empty rest means profile 1's own .cmdline (only it has the nonce).
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    "$MKUKI" --style ukify-257 --kind profile --out "$RUN/rescue.pe" --profile "$(printf 'ID=rescue\nTITLE=Rescue\n')" \
        --cmdline "$(kx_stage2_cmdline)" || kx_die "mkuki failed"
    kx_build_uki "$PAYLOAD/multi.efi" --style ukify-257 --linux "$KERNEL" --initrd "$RUN/initrd.cpio" \
        --cmdline "console=ttyS0 panic=-1 kx.stage=2 kx.nonce=profile-zero" --profile "$(printf 'ID=main\n')" \
        --join-profile "$RUN/rescue.pe"
}
scenario_guest() {
    cat <<EOF
kexec --uki-info /payload/multi.efi | grep -A1 '^  @'
kexec -s -l -d --append=@1 /payload/multi.efi
kexec -e
EOF
}
scenario_check() {
    grep -aq 'KX-STAGE2-PROFILE: ID=rescue' "$1" || { echo "/.extra/profile is not profile 1's"; return 1; }
}
