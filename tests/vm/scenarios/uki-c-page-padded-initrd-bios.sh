# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# SeaBIOS: kexec -c -l of a UKI whose initrd is assembled from a .ucode
# archive large enough for a segment of its own, a gzip-compressed .initrd
# and the generated /.extra archive: three initrd segments, each starting
# on a fresh page, the first two mapped straight from the UKI. The second
# kernel must unpack all three across the zero gaps: the .ucode archive's
# marker, the stage-2 initrd's, /.extra/os-release; and the purgatory must
# find every digest right.
FIRMWARE=bios
EXPECT_MARKERS="stage2-initrd ucode-archive"
scenario_build() {
    kx_stage2_initrd "$RUN/initrd.cpio"
    gzip -9n < "$RUN/initrd.cpio" > "$RUN/initrd.cpio.gz"
    local d=$RUN/ucode
    mkdir -p "$d/markers" "$d/kernel/x86/microcode"
    echo ucode-archive > "$d/markers/ucode-archive"
    # Filler under a name no microcode loader reads: the archive only has
    # to be over 64 KiB, the size that earns a segment.
    head -c 131072 /dev/urandom > "$d/kernel/x86/microcode/filler.bin"
    kx_cpio "$d" "$RUN/ucode.cpio"
    kx_build_uki "$PAYLOAD/uki.efi" --style ukify-257 --linux "$KERNEL" --initrd "$RUN/initrd.cpio.gz" --ucode "$RUN/ucode.cpio" \
        --cmdline "$(kx_stage2_cmdline)"
}
scenario_guest() {
    cat <<EOF
kexec -c -l --console-serial --dry-run /payload/uki.efi
kexec -c -l --console-serial /payload/uki.efi
kexec -e
EOF
}
scenario_check() {
    local parts
    parts=$(grep -acE '^ +0x[0-9a-f]+\+0x[0-9a-f]+ initrd( part [23])?: ' "$1")
    [ "$parts" = 3 ] || { echo "the plan has $parts initrd segments, not 3"; return 1; }
    grep -aqE '^ +0x[0-9a-f]+\+0x[0-9a-f]+ initrd: \.ucode of /payload/uki\.efi, ' "$1" ||
        { echo "the first initrd segment is not the UKI's .ucode itself"; return 1; }
    grep -aq 'KX-STAGE2-EXTRA: .*/.extra/os-release' "$1" || { echo "/.extra/os-release missing"; return 1; }
    grep -aq 'kexec-uki purgatory: digests match' "$1" || { echo "the purgatory did not check the digests"; return 1; }
}
