# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, OVMF Secure Boot: signed UKIs the loader verifies and
# then cannot load, straight to kexec_file_load (kexec-file-raw; our kexec
# refuses each of them before any system call). Each failure has its own
# errno, never ENOEXEC, so user space does not split round it
# (doc/kernel-uki-loader.md, Errnos; kexec's side: the unit test
# uki.failures_after_the_loader_verified_the_uki_are_final):
#  - .ucode and .initrd on the same bytes, together larger than the image:
#    ELIBBAD, nothing allocated for them;
#  - "@5" for a UKI without profiles: ENOENT;
#  - a caller command line (allowed: that UKI has no .cmdline) longer than
#    the kernel takes: E2BIG.
# dmesg shows each came from the loader's load step, after verification.
# Nothing stays loaded; the intact UKI then boots.
FIRMWARE=secureboot
NEEDS_UKI_LOADER=1
NEEDS_RAW_LOAD=1
scenario_build() {
    kx_signed_stage2_uki
    # The initrd larger than the rest of the image, so that two of it are
    # larger than the image.
    head -c $((12 << 20)) /dev/zero > "$RUN/big-initrd"
    printf 'u' > "$RUN/ucode"
    "$MKUKI" --style ukify-257 --out "$RUN/overlap.efi" --linux "$KERNEL_SNAKEOIL" --ucode "$RUN/ucode" \
        --initrd "$RUN/big-initrd" --cmdline "$(kx_stage2_cmdline)" || kx_die "mkuki failed"
    local initrd ucode field
    initrd=$(kx_section_header "$RUN/overlap.efi" .initrd)
    ucode=$(kx_section_header "$RUN/overlap.efi" .ucode)
    for field in 8 16 20; do  # VirtualSize, SizeOfRawData, PointerToRawData
        kx_put_le32 "$RUN/overlap.efi" $((ucode + field)) "$(od -An -tu4 -j $((initrd + field)) -N 4 "$RUN/overlap.efi" | tr -d ' ')"
    done
    kx_sign "$RUN/overlap.efi" "$PAYLOAD/signed-overlap.efi"
    kx_build_uki "$RUN/nocmdline.efi" --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio"
    kx_sign "$RUN/nocmdline.efi" "$PAYLOAD/signed-nocmdline.efi"
}
scenario_guest() {
    cat <<EOF2
echo "KX-AFTER overlap: \$(kexec-file-raw /payload/signed-overlap.efi)"
echo "KX-AFTER profile: \$(kexec-file-raw --cmdline @5 /payload/signed-uki.efi)"
echo "KX-AFTER long: \$(kexec-file-raw --cmdline "kx.pad=$(printf '%04096d' 0)" /payload/signed-nocmdline.efi)"
dmesg | grep 'kexec-uki: ' | sed 's/^/KX-UKI-LOG: /'
echo "KX-LOADED-AFTER=\$(cat /sys/kernel/kexec_loaded)"
EOF2
    kx_guest_load_d_and_exec /payload/signed-uki.efi
}
scenario_check() {
    local tag err log
    for tag in overlap:ELIBBAD profile:ENOENT long:E2BIG; do
        err=${tag#*:} tag=${tag%%:*}
        grep -aq "^KX-AFTER $tag: KX-RAW: $err" "$1" ||
            { echo "$tag: expected $err, got: $(grep -a "^KX-AFTER $tag:" "$1" | head -n 1)"; return 1; }
    done
    for log in '.ucode and .initrd overlap' 'the UKI has no profile @5' 'the command line (4103 bytes) is too long'; do
        grep -a "^KX-UKI-LOG: " "$1" | grep -qF "$log" || { echo "the loader did not log: $log"; return 1; }
    done
    grep -aq '^KX-LOADED-AFTER=0' "$1" || { echo "a refused UKI stayed loaded"; return 1; }
    kx_check_whole_uki_taken "$1"
}
