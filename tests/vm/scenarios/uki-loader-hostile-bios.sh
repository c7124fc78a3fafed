# shellcheck shell=bash disable=SC2034  # sets the variables tests/vm/run reads
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel half, hostile input: malformed UKIs handed straight to the
# kernel (kexec-file-raw: one kexec_file_load call, no parsing in user space;
# our kexec would refuse them first). Each variant changes the fields the
# UKI loader reads: the MZ and PE headers, the section table, each section's
# offset and size (past the end, wrapping, huge, too short), names (.linux
# missing or twice, no .sdmagic), the kernel inside .linux (trimmed to
# nothing), a profile that does not exist, a command line too long (the
# caller's, and a multi-MiB .cmdline), a huge declared .initrd. Every one
# must be refused, some with the errno the loader documents
# (doc/kernel-uki-loader.md: ELIBBAD for a malformed UKI, E2BIG, ENOENT). Then the fuzz targets' PE corpora and random 4-byte
# writes into the headers, which may load or not (a load is undone). Nothing may oops, BUG or WARN, and the
# kernel must still boot the intact UKI (the nonce) afterwards.
FIRMWARE=bios
NEEDS_UKI_LOADER=1
NEEDS_RAW_LOAD=1
TIMEOUT=900

# Little-endian VALUE as SIZE printf octal escapes.
hostile_le() {
    local v=$1 n=$2 i out=''
    for ((i = 0; i < n; i++)); do out+=$(printf '\\%03o' $(((v >> (8 * i)) & 255))); done
    printf '%s' "$out"
}
# The unsigned SIZE-byte integer at OFFSET of FILE.
hostile_u() { od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' \n'; }

# Guest lines for one variant: /tmp/v made from the base UKI, then loaded.
#   hostile_variant KIND NAME [RAW OPTIONS...]; KIND is refused (any errno),
#   refused-ERRNO or tolerated;
#   hostile_patch OFFSET VALUE SIZE and hostile_truncate LENGTH come before it.
HOSTILE_PATCHES=() HOSTILE_LENGTH=''
hostile_patch() { HOSTILE_PATCHES+=("$1 $2 $3"); }
hostile_truncate() { HOSTILE_LENGTH=$1; }
hostile_variant() {
    local kind=$1 name=$2 p off value size
    shift 2
    if [ -n "$HOSTILE_LENGTH" ]; then
        echo "head -c $HOSTILE_LENGTH /payload/base.efi > /tmp/v"
    else
        echo "cp /payload/base.efi /tmp/v"
    fi
    for p in "${HOSTILE_PATCHES[@]}"; do
        read -r off value size <<< "$p"
        echo "printf '$(hostile_le "$value" "$size")' | dd of=/tmp/v bs=1 seek=$off conv=notrunc 2>/dev/null"
    done
    echo "kx_try $kind $name $*"
    echo "$kind $name" >> "$RUN/hostile.list"
    HOSTILE_PATCHES=() HOSTILE_LENGTH=''
}

scenario_build() {
    LAST=ucode kx_marker_cpio "$RUN/ucode.cpio" ucode-initrd
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$PAYLOAD/base.efi" --linux "$KERNEL" --ucode "$RUN/ucode.cpio" \
        --initrd "$RUN/initrd.cpio" --cmdline "$(kx_stage2_cmdline)"
    # A .cmdline of 3 MiB: the loader must refuse it before allocating.
    head -c $((3 << 20)) /dev/zero | tr '\0' 'a' > "$RUN/big.cmdline"
    "$MKUKI" --style ukify-257 --out "$PAYLOAD/big-cmdline.efi" --linux "$KERNEL" --initrd "$RUN/initrd.cpio" \
        --section .cmdline="$RUN/big.cmdline" || kx_die "mkuki failed"
    # The PE corpora our fuzz targets start from (tests/fuzz/corpus): UKIs
    # by every producer style, profiles, addons, signed files, kernels.
    mkdir -p "$PAYLOAD/corpus"
    local dir f
    for dir in uki authenticode image; do
        for f in "$KX_VM_DIR/../fuzz/corpus/$dir"/*; do cp "$f" "$PAYLOAD/corpus/$dir-$(basename "$f")"; done
    done
}

scenario_guest() {
    local f=$PAYLOAD/base.efi size pe tab n linux initrd cmdline sdmagic linux_off inner inner_pe inner_n inner_opt i
    size=$(stat -c %s "$f")
    pe=$(hostile_u "$f" 60 4)
    n=$(hostile_u "$f" $((pe + 6)) 2)
    tab=$((pe + 24 + $(hostile_u "$f" $((pe + 20)) 2)))
    linux=$(kx_section_header "$f" .linux)
    initrd=$(kx_section_header "$f" .initrd)
    cmdline=$(kx_section_header "$f" .cmdline)
    sdmagic=$(kx_section_header "$f" .sdmagic)
    linux_off=$(hostile_u "$f" $((linux + 20)) 4)
    : > "$RUN/hostile.list"

    cat <<'EOF2'
kx_try() {
    kind=$1 name=$2
    shift 2
    r=$(kexec-file-raw "$@" /tmp/v || true)
    echo "KX-HOSTILE $kind $name: $r"
    case $r in *": loaded") kexec-file-raw -u >/dev/null || true ;; esac
}
EOF2
    # The headers
    hostile_truncate 0; hostile_variant refused empty
    hostile_truncate 64; hostile_variant refused mz-header-only
    hostile_truncate $((tab + 40 * n)); hostile_variant refused headers-only
    hostile_truncate $((size / 2)); hostile_variant refused truncated-half
    hostile_truncate $((linux_off + 4096)); hostile_variant refused truncated-in-linux
    hostile_patch 60 $((0xfffffff0)) 4; hostile_variant refused pe-offset-past-eof
    hostile_patch 60 $((size - 2)) 4; hostile_variant refused pe-offset-at-eof
    hostile_patch $((pe + 6)) $((0xffff)) 2; hostile_variant refused section-count-max
    hostile_patch $((pe + 20)) $((0xffff)) 2; hostile_variant refused optional-header-size-max
    # .linux
    hostile_patch $((linux + 20)) $((0xfffff000)) 4; hostile_variant refused linux-offset-past-eof
    hostile_patch $((linux + 20)) $((0xffffff00)) 4; hostile_patch $((linux + 8)) 512 4; hostile_patch $((linux + 16)) 512 4
    hostile_variant refused linux-offset-plus-size-wraps
    hostile_patch $((linux + 8)) $((0xffffffff)) 4; hostile_patch $((linux + 16)) $((0xffffffff)) 4; hostile_variant refused linux-size-huge
    hostile_patch $((linux + 8)) 512 4; hostile_patch $((linux + 16)) 512 4; hostile_variant refused linux-too-short
    hostile_patch $((linux + 8)) 0 4; hostile_variant refused linux-empty
    hostile_patch $((linux + 20)) 0 4; hostile_variant refused linux-is-the-stub
    hostile_patch $((linux + 5)) $((0x79)) 1; hostile_variant refused linux-renamed
    hostile_patch "$initrd" $((0x78756e696c2e)) 8; hostile_variant refused-ELIBBAD linux-twice
    hostile_patch $((sdmagic + 7)) $((0x58)) 1; hostile_variant refused-ENOEXEC no-sdmagic
    # The table a PE loader reads moved past the one the hasher reads
    hostile_patch $((pe + 20)) $(($(hostile_u "$f" $((pe + 20)) 2) + 40)) 2; hostile_variant refused-ELIBBAD optional-header-size-disagrees
    # The other sections
    hostile_patch $((initrd + 20)) $((0xfffffff0)) 4; hostile_variant refused initrd-offset-past-eof
    hostile_patch $((cmdline + 8)) $((0x7fffffff)) 4; hostile_patch $((cmdline + 16)) $((0x7fffffff)) 4; hostile_variant refused-ELIBBAD cmdline-size-huge
    hostile_patch $((initrd + 8)) $((0xfffffff0)) 4; hostile_patch $((initrd + 16)) $((0xfffffff0)) 4; hostile_variant refused-ELIBBAD initrd-size-huge
    echo "cp /payload/big-cmdline.efi /tmp/v"
    echo "kx_try refused-E2BIG cmdline-multi-mib"
    echo "refused-E2BIG cmdline-multi-mib" >> "$RUN/hostile.list"
    # The kernel inside .linux: no section and no certificate table left,
    # so its extent is its headers alone.
    inner=$linux_off
    inner_pe=$((inner + $(hostile_u "$f" $((inner + 60)) 4)))
    inner_n=$(hostile_u "$f" $((inner_pe + 6)) 2)
    inner_opt=$(hostile_u "$f" $((inner_pe + 20)) 2)
    for ((i = 0; i < inner_n; i++)); do hostile_patch $((inner_pe + 24 + inner_opt + 40 * i + 16)) 0 4; done
    hostile_patch $((inner_pe + 24 + 112 + 4 * 8 + 4)) 0 4
    hostile_variant refused linux-inner-kernel-empty
    # The caller's part of the call
    hostile_variant refused-ENOENT profile-missing --cmdline @7
    hostile_variant refused-E2BIG cmdline-too-long --cmdline "$(printf 'kx.pad=%04096d' 0)"
    # Tolerated: the kernel inside .linux with a PE header out of bounds or a
    # certificate table past its end (the extent falls back to the section),
    # and random writes into the headers.
    hostile_patch $((inner + 60)) $((0xfffffff0)) 4; hostile_variant tolerated linux-inner-pe-offset-past-eof
    hostile_patch $((inner_pe + 24 + 112 + 4 * 8)) $((0x7ffffff0)) 4; hostile_patch $((inner_pe + 24 + 112 + 4 * 8 + 4)) $((0xffff)) 4
    hostile_variant tolerated linux-inner-certificates-past-eof
    # The fuzz corpora, as they are: well-formed UKIs around test kernels
    # may load (then they are unloaded), the rest must be refused quietly.
    for i in "$PAYLOAD"/corpus/*; do
        echo "cp /payload/corpus/${i##*/} /tmp/v"
        echo "kx_try tolerated corpus-${i##*/}"
        echo "tolerated corpus-${i##*/}" >> "$RUN/hostile.list"
    done
    RANDOM=20261203
    for ((i = 0; i < 24; i++)); do
        hostile_patch $((RANDOM % (tab + 40 * n))) $(((RANDOM << 16) ^ RANDOM)) 4
        hostile_patch $((RANDOM % (tab + 40 * n))) $(((RANDOM << 16) ^ RANDOM)) 4
        hostile_variant tolerated "random-$i"
    done
    cat <<'EOF2'
rm -f /tmp/v
echo "KX-KERNEL-COMPLAINTS=$(dmesg | grep -cE 'Oops|BUG:|WARNING:|general protection|Call Trace|RIP:')"
echo "KX-LOADED=$(cat /sys/kernel/kexec_loaded)"
kexec -s -l -d /payload/base.efi 2>&1 | sed 's/^/KX-D: /'
kexec -e
EOF2
}

scenario_check() {
    local kind name line want
    want=$(wc -l < "$RUN/hostile.list")
    [ "$(grep -ac '^KX-HOSTILE ' "$1")" = "$want" ] || { echo "not all $want hostile files were tried"; return 1; }
    while read -r kind name; do
        line=$(grep -a "^KX-HOSTILE $kind $name: " "$1" | tr -d '\r')
        case $kind:${line#*: } in
        refused:"KX-RAW: E"*) ;;
        refused-*:"KX-RAW: ${kind#refused-}"*) ;;
        tolerated:"KX-RAW: E"* | tolerated:"KX-RAW: loaded") ;;
        *) echo "$name: expected the kernel to refuse it, got: ${line:-nothing}"; return 1 ;;
        esac
    done < "$RUN/hostile.list"
    grep -aq '^KX-KERNEL-COMPLAINTS=0' "$1" || { echo "the kernel complained (oops, BUG or WARN) about a hostile file"; return 1; }
    grep -aq '^KX-LOADED=0' "$1" || { echo "a hostile file stayed loaded"; return 1; }
    kx_check_whole_uki_taken "$1"
}
