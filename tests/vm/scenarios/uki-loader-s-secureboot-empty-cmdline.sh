# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: a signed UKI whose .cmdline is present
# but empty (a VirtualSize, no raw data: systemd-stub takes it as there)
# fixes the command line as a full one does. A caller's command line is
# refused (EPERM, doc/kernel-uki-loader.md rule 7), nothing is loaded and
# no split follows; the intact UKI then boots.
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
scenario_build() {
    kx_signed_stage2_uki
    printf '\0' > "$RUN/nul"
    "$MKUKI" --style ukify-257 --out "$RUN/empty.efi" --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio" \
        --section .cmdline="$RUN/nul" || kx_die "mkuki failed"
    # .cmdline is the last section: its raw data goes (no gap is left for
    # the kernel's hasher, which takes trailing data by length), its
    # VirtualSize stays. Then sign.
    local hdr raw
    hdr=$(kx_section_header "$RUN/empty.efi" .cmdline)
    raw=$(od -An -tu4 -j $((hdr + 20)) -N 4 "$RUN/empty.efi" | tr -d ' ')
    truncate -s "$raw" "$RUN/empty.efi"
    kx_put_le32 "$RUN/empty.efi" $((hdr + 8)) 16
    kx_put_le32 "$RUN/empty.efi" $((hdr + 16)) 0
    kx_put_le32 "$RUN/empty.efi" $((hdr + 20)) 0
    kx_sign "$RUN/empty.efi" "$PAYLOAD/empty-cmdline.efi"
}
scenario_guest() {
    kx_guest_try_d empty /payload/empty-cmdline.efi --command-line=kx.caller=1
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    kx_check_whole_uki_refused "$1" empty EPERM \
        "kexec_file_load of /payload/empty-cmdline.efi failed (EPERM): the kernel's UKI loader enforces signatures" ||
        return 1
    kx_check_whole_uki_taken "$1"
}
