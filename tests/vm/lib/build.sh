# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Builders scenarios use: initramfs trees, cpio archives, UKIs, signatures.

# Copy an executable and the shared libraries it needs into the tree $1,
# under the same paths as on the host.
kx_copy_with_libs() {
    local root=$1 bin=$2 dest=${3:-$2} lib
    kx_libs_resolve "$bin" || kx_die "cannot put $bin into a guest"
    mkdir -p "$root/$(dirname "$dest")"
    cp "$bin" "$root/$dest"
    for lib in $(ldd "$bin" 2>/dev/null | grep -o '/[^ ]*\.so[^ ]*'); do
        mkdir -p "$root/$(dirname "$lib")"
        cp -L "$lib" "$root/$lib"
    done
}

# A busybox root with our /init; markers given as arguments become
# /markers/NAME files (how a second kernel shows which initrd it got).
kx_base_tree() {
    local root=$1; shift
    mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,markers,payload}
    cp "$(command -v busybox)" "$root/bin/busybox"
    cp "$KX_VM_DIR/guest/init" "$root/init"
    mkdir -p "$root/lib/modules"
    cp "$EFIVARFS_KO" "$root/lib/efivarfs.ko"
    cp "$GUEST_MODULES"/*.ko "$root/lib/modules/"
    local m
    for m in "$@"; do echo "$m" > "$root/markers/$m"; done
}

# newc cpio of a directory tree (uncompressed: quick to unpack under TCG).
kx_cpio() {
    (cd "$1" && find . -mindepth 1 | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$2"
}

# A cpio holding only /markers/NAME files, and /markers/last=$LAST if set.
kx_marker_cpio() {
    local out=$1; shift
    local d; d=$(mktemp -d "$RUN/marker.XXXXXX")
    mkdir -p "$d/markers"
    local m; for m in "$@"; do echo "$m" > "$d/markers/$m"; done
    [ -z "${LAST:-}" ] || echo "$LAST" > "$d/markers/last"
    kx_cpio "$d" "$out"
    rm -rf "$d"
}

# The initrd a second kernel boots with: busybox + /init + markers.
kx_stage2_initrd() {
    local out=$1; shift
    local d; d=$(mktemp -d "$RUN/stage2.XXXXXX")
    kx_base_tree "$d" stage2-initrd "$@"
    [ -z "${LAST:-}" ] || echo "$LAST" > "$d/markers/last"
    kx_cpio "$d" "$out"
    rm -rf "$d"
}

# The command line a second kernel must show; the nonce proves it is ours.
kx_stage2_cmdline() { echo "console=ttyS0 panic=-1 loglevel=4 kx.stage=2 kx.nonce=$NONCE${1:+ $1}"; }

# Build a UKI as a real producer lays it out (tests/unit/uki_builder.hpp,
# through mkuki): objcopy onto Debian 12's stub as dracut does (default), or
# systemd's ukify on the 252, 254, 257 or 262 stub. The UKI boots as its own
# stub would: .ucode needs 256, profiles and /.extra/os-release 257.
#   kx_build_uki OUT [--style objcopy|ukify-252|ukify-254|ukify-257|ukify-262] --linux K [--initrd F]
#                [--ucode F] [--cmdline TEXT] [--osrel F] [--uname S] [MKUKI ARGS...]
kx_build_uki() {
    local out=$1; shift
    local style=${UKI_STYLE:-objcopy} args=() osrel=
    while [ $# -gt 0 ]; do
        case $1 in
        --style) style=$2; shift 2 ;;
        --osrel) osrel=$2; shift 2 ;;
        *) args+=("$1"); shift ;;
        esac
    done
    [ -x "$MKUKI" ] || kx_die "building UKIs needs --tools (mkuki)"
    if [ -z "$osrel" ]; then
        osrel=$(mktemp "$RUN/osrel.XXXXXX")
        printf 'PRETTY_NAME="kexec-uki test"\nID=kxtest\nVERSION_ID=1\n' > "$osrel"
    fi
    "$MKUKI" --style "$style" --out "$out" --osrel "$osrel" "${args[@]}" || kx_die "mkuki failed building $out"
}

kx_sign() { sbsign --key "$SNAKEOIL_KEY" --cert "$SNAKEOIL_CERT" --output "$2" "$1" >/dev/null 2>&1 || kx_die "sbsign $1 failed"; }

# Put a file into the first kernel's /payload.
kx_payload() { cp "$1" "$PAYLOAD/${2:-$(basename "$1")}"; }

# The UKI most scenarios boot: Debian's kernel (or --linux K), a stage-2
# initrd with the given markers, and the stage-2 command line (plus
# --cmdline-extra). Written to $PAYLOAD/NAME, laid out as $UKI_STYLE says
# (objcopy unless a scenario sets it; see kx_build_uki).
#   kx_stage2_uki NAME [--linux K] [--cmdline-extra TEXT] [MARKER...]
kx_stage2_uki() {
    local name=$1 linux=$KERNEL extra='' markers=()
    shift
    while [ $# -gt 0 ]; do
        case $1 in
        --linux) linux=$2; shift 2 ;;
        --cmdline-extra) extra=$2; shift 2 ;;
        *) markers+=("$1"); shift ;;
        esac
    done
    kx_stage2_initrd "$RUN/$name.initrd.cpio" "${markers[@]}"
    kx_build_uki "$PAYLOAD/$name" --linux "$linux" --initrd "$RUN/$name.initrd.cpio" \
        --cmdline "$(kx_stage2_cmdline "$extra")"
}

# Guest lines that try a load expected to fail and report how it failed.
kx_guest_try() {
    cat <<EOF
rc=0
$* 2>/tmp/err || rc=\$?
echo "KX-RC=\$rc"
echo "KX-ERR: \$(cat /tmp/err)"
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
EOF
}

# Judge kx_guest_try's report: exit 255 (a load the kernel refused, as
# kexec-tools' EFAILED), this message, nothing loaded.
kx_check_refused() {
    local log=$1 message=$2
    grep -aqE $'^KX-RC=255\r?$' "$log" || { echo "the load did not exit 255"; return 1; }
    grep -aqF "KX-ERR: $message" "$log" || { echo "the refusal does not say: $message"; return 1; }
    grep -aq '^KX-LOADED=0' "$log" || { echo "something was loaded"; return 1; }
}

# Guest lines that make an ESP: a vfat file system on a loop device, mounted
# at /efi (systemd-stub reads addons and credentials only from an ESP).
kx_guest_make_esp() {
    cat <<'EOF'
for m in loop fat vfat nls_cp437 nls_ascii; do insmod /lib/modules/$m.ko; done
dd if=/dev/zero of=/tmp/esp.img bs=1M count=64 2>/dev/null
mkdosfs /tmp/esp.img >/dev/null
mkdir -p /efi
mount -t vfat -o loop /tmp/esp.img /efi
mkdir -p /efi/EFI/Linux /efi/loader/addons
EOF
}

# The UKI-loader scenarios: -d shows that the first kexec_file_load call,
# the whole UKI, succeeded and that no split followed.
kx_check_whole_uki_taken() {
    grep -aq 'KX-D: kexec: kexec_file_load(whole UKI): ok' "$1" ||
        { echo "the kernel did not take the whole UKI on the first call"; return 1; }
    if grep -aq 'KX-D: kexec: kexec_file_load(UKI split' "$1"; then
        echo "the UKI was split after all"; return 1
    fi
}

# Guest lines: the KUnit results of the UKI loader's parser, which the
# first kernel ran at boot (CONFIG_KEXEC_UKI_KUNIT_TEST), each line KX-KUNIT:
# (the console's loglevel hides them; dmesg has them).
kx_guest_print_kunit() {
    echo "dmesg | grep -E 'kexec_uki|(not )?ok [0-9]+ uki_' | sed 's/^/KX-KUNIT: /'"
}

# Judges kx_guest_print_kunit's lines: every case of the series' KUnit suite
# (kernel/patches/SERIES) passed, and so did the corpus suite's case and
# each of its files (kernel/kunit-corpus: one per tests/fuzz/corpus/kernel-uki
# file, named uki_corpus/FILE); none failed.
#   kx_check_kunit LOG SERIES
kx_check_kunit() {
    local log=$1 series=$2 cases files passed failed corpus
    cases=$(cat "$KX_VM_DIR"/../../kernel/patches/"$series"/*.patch | grep -c '^+	KUNIT_CASE(')
    files=$(find "$KX_VM_DIR"/../fuzz/corpus/kernel-uki -name '*.bin' | wc -l)
    passed=$(grep -aEc 'KX-KUNIT: .* ok [0-9]+ uki_' "$log")
    failed=$(grep -aEc 'KX-KUNIT: .* not ok [0-9]+ uki_' "$log")
    corpus=$(grep -aEc 'KX-KUNIT: .* ok [0-9]+ uki_corpus/' "$log")
    passed=$((passed - failed))
    if [ "$failed" -ne 0 ] || [ "$passed" -ne $((cases + 1 + files)) ] || [ "$cases" -eq 0 ] ||
        [ "$corpus" -ne "$files" ]; then
        echo "KUnit: $passed of $((cases + 1 + files)) results passed ($cases cases, the corpus case and its" \
            "$files files; $corpus corpus files seen), $failed failed:" \
            "$(grep -a 'KX-KUNIT: .*not ok' "$log" | head -n 3 | tr '\n' ' ')"
        return 1
    fi
    echo "KUnit: kexec_uki's $cases cases and kexec_uki_corpus's $files files passed"
}

# Guest lines: kexec -s -l -d FILE expected to fail; its exit status, its
# messages (each line KX-D:) and whether anything got loaded, tagged TAG.
#   kx_guest_try_d TAG FILE [KEXEC OPTIONS...]
kx_guest_try_d() {
    local tag=$1 file=$2
    shift 2
    cat <<EOF
rc=0
kexec -s -l -d $* $file 2>/tmp/err || rc=\$?
echo "KX-RC-$tag=\$rc"
sed 's/^/KX-D: /' /tmp/err
echo "KX-LOADED-$tag=\$(cat /sys/kernel/kexec_loaded)"
EOF
}

# Judge kx_guest_try_d TAG: the whole UKI refused with ERRNO, exit 255, the
# message, nothing loaded, no split tried after the refusal.
kx_check_whole_uki_refused() {
    local log=$1 tag=$2 err=$3 message=$4
    grep -aqE "^KX-RC-$tag=255"$'\r?$' "$log" || { echo "$tag: the load did not exit 255"; return 1; }
    grep -aqF "KX-D: kexec: kexec_file_load(whole UKI): $err" "$log" ||
        { echo "$tag: the kernel did not refuse the whole UKI with $err"; return 1; }
    grep -aqF "KX-D: kexec: $message" "$log" || { echo "$tag: the refusal does not say: $message"; return 1; }
    grep -aq "^KX-LOADED-$tag=0" "$log" || { echo "$tag: something was loaded"; return 1; }
    if grep -aq 'KX-D: kexec: kexec_file_load(UKI split' "$log"; then
        echo "$tag: a split was tried after the kernel refused the whole UKI"; return 1
    fi
}

# Sign IN as OUT with a key made for this run, which no keyring trusts.
kx_sign_untrusted() {
    if [ ! -f "$RUN/untrusted.key" ]; then
        openssl req -new -x509 -newkey rsa:2048 -nodes -days 1 -subj "/CN=kexec-uki untrusted test key" \
            -keyout "$RUN/untrusted.key" -out "$RUN/untrusted.pem" >/dev/null 2>&1 || kx_die "openssl req failed"
    fi
    sbsign --key "$RUN/untrusted.key" --cert "$RUN/untrusted.pem" --output "$2" "$1" >/dev/null 2>&1 ||
        kx_die "sbsign with the untrusted key failed"
}

# The file offset of the section header of the last section named NAME in
# the PE image FILE (the table found from SizeOfOptionalHeader).
#   kx_section_header FILE NAME
kx_section_header() {
    local file=$1 want=$2 pe n tab i last=''
    pe=$(od -An -tu4 -j 60 -N 4 "$file" | tr -d ' ')
    n=$(od -An -tu2 -j $((pe + 6)) -N 2 "$file" | tr -d ' ')
    tab=$((pe + 24 + $(od -An -tu2 -j $((pe + 20)) -N 2 "$file" | tr -d ' ')))
    for ((i = 0; i < n; i++)); do
        [ "$(dd if="$file" bs=1 skip=$((tab + 40 * i)) count=8 status=none | tr -d '\0')" = "$want" ] &&
            last=$((tab + 40 * i))
    done
    [ -n "$last" ] || kx_die "no $want section in $file"
    echo "$last"
}

# Write the little-endian 32-bit VALUE at OFFSET of FILE.
#   kx_put_le32 FILE OFFSET VALUE
kx_put_le32() {
    printf '%b' "$(printf '\\0%03o' $(($3 & 255)) $((($3 >> 8) & 255)) $((($3 >> 16) & 255)) $((($3 >> 24) & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Write the little-endian 16-bit VALUE at OFFSET of FILE.
#   kx_put_le16 FILE OFFSET VALUE
kx_put_le16() {
    printf '%b' "$(printf '\\0%03o' $(($3 & 255)) $((($3 >> 8) & 255)))" |
        dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# Print the little-endian unsigned integer of BYTES (2 or 4) at OFFSET of FILE.
#   kx_get_le FILE OFFSET BYTES
kx_get_le() {
    od -An -tu"$3" -j "$2" -N "$3" "$1" | tr -d ' '
}

# The UKI of the Secure Boot uki-loader scenarios: the snakeoil-signed
# kernel (so a split would load), the stage-2 initrd and command line;
# unsigned at $RUN/uki.efi, signed with the db key at $PAYLOAD/signed-uki.efi.
kx_signed_stage2_uki() {
    LAST=initrd kx_stage2_initrd "$RUN/initrd.cpio"
    kx_build_uki "$RUN/uki.efi" --linux "$KERNEL_SNAKEOIL" --initrd "$RUN/initrd.cpio" \
        --cmdline "$(kx_stage2_cmdline)"
    kx_sign "$RUN/uki.efi" "$PAYLOAD/signed-uki.efi"
}

# Guest lines: kexec -s -l -d [OPTIONS...] FILE with its messages as KX-D:
# lines (kx_check_whole_uki_taken reads them), how many lines lockdown has
# logged by then (KX-LOCKDOWN-LOGGED=N), then boot what it loaded.
#   kx_guest_load_d_and_exec FILE [OPTIONS...]
kx_guest_load_d_and_exec() {
    local file=$1
    shift
    cat <<EOF
kexec -s -l -d $* $file 2>&1 | sed 's/^/KX-D: /'
echo "KX-LOADED=\$(cat /sys/kernel/kexec_loaded)"
echo "KX-LOCKDOWN-LOGGED=\$(dmesg | grep -c 'Lockdown: ')"
kexec -e
EOF
}
