# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, profiles: a multi-profile UKI as ukify --join-profile
# makes it (257 stub: profiles came with it) on the first kernel with our UKI loader.
# --uki-profile=rescue alone must reach the kernel (as "@1" on the
# whole-UKI call), which then boots profile 1's .cmdline, the only one with
# the nonce (profile 0 would boot kx.nonce=profile-zero). Profile 1 also
# carries an .initrd whose VirtualSize is then set to 0: an empty section is
# absent, so the base's .initrd boots, not nothing. The kernel adds no
# /.extra, so there is no profile marker to look for. IMA, told to measure
# kexec command lines, logs the line that boots (profile 1's .cmdline, the
# nonce), not the caller's "@1".
FIRMWARE=bios
NEEDS_UKI_LOADER=1
EXPECT_MARKERS="stage2-initrd"
UNEXPECTED_MARKERS="profile-initrd"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    kx_marker_cpio "$RUN/profile-initrd.cpio" profile-initrd
    "$MKUKI" --style ukify-257 --kind profile --out "$RUN/rescue.pe" --profile "$(printf 'ID=rescue\nTITLE=Rescue\n')" \
        --cmdline "$(kx_stage2_cmdline)" --initrd "$RUN/profile-initrd.cpio" || kx_die "mkuki failed"
    kx_build_uki "$PAYLOAD/multi.efi" --style ukify-257 --linux "$KERNEL" --initrd "$RUN/initrd.cpio" \
        --cmdline "console=ttyS0 panic=-1 kx.stage=2 kx.nonce=profile-zero" --profile "$(printf 'ID=main\n')" \
        --join-profile "$RUN/rescue.pe"
    # The last .initrd section header is profile 1's: VirtualSize (at +8) := 0.
    kx_put_le32 "$PAYLOAD/multi.efi" $(($(kx_section_header "$PAYLOAD/multi.efi" .initrd) + 8)) 0
}
scenario_guest() {
    echo "kexec --uki-info /payload/multi.efi | grep -A1 '^  @'"
    echo "echo 'measure func=KEXEC_CMDLINE template=ima-buf' > /sys/kernel/security/ima/policy"
    cat <<'EOF2'
kexec -s -l /payload/multi.efi --uki-profile=rescue
echo "KX-IMA-CMDLINE=$(grep kexec-cmdline /sys/kernel/security/ima/ascii_runtime_measurements | awk '{ print $NF }')"
kexec -u
EOF2
    kx_guest_load_d_and_exec /payload/multi.efi --uki-profile=rescue
}
scenario_check() {
    local hex line
    hex=$(grep -a '^KX-IMA-CMDLINE=' "$1" | head -n 1 | cut -d= -f2 | tr -d '\r')
    line=$(printf '%b' "$(printf '%s' "$hex" | sed 's/../\\x&/g')")
    case $line in
    *"kx.nonce=$NONCE"*) ;;
    *) echo "IMA measured '${line:-nothing}', not profile 1's .cmdline"; return 1 ;;
    esac
    kx_check_whole_uki_taken "$1"
}
