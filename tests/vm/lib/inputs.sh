# shellcheck shell=bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Inputs every scenario shares, built once per work directory from Debian
# packages: the kernel (not installed, just extracted), Debian's kexec-tools,
# busybox, the systemd stub, OVMF and its snakeoil Secure Boot key.

kx_die() { echo "tests/vm: $*" >&2; exit 2; }

# ldd BINARY with LIBDIR searched too; fails, naming them, when libraries
# are missing (a guest would otherwise fail later with a puzzling error).
kx_libs_resolve() {
    local bin=$1 libdir=${2:-} missing
    missing=$(LD_LIBRARY_PATH=$libdir ldd "$bin" 2>&1 | grep 'not found')
    [ -z "$missing" ] && return 0
    echo "tests/vm: $bin: libraries not found: $(echo "$missing" | awk '{print $1}' | tr '\n' ' ')" >&2
    return 1
}

kx_require_tools() {
    local t missing=
    for t in qemu-system-x86_64 cpio objcopy sbsign sbattach sbverify openssl dpkg-deb apt-get \
             apt-cache busybox timeout gzip xz; do
        command -v "$t" >/dev/null 2>&1 || missing="$missing $t"
    done
    [ -z "$missing" ] || kx_die "missing tools:$missing (see README.md for the apt-get line)"
    [ -f "${KX_TEST_INPUTS:-/var/cache/kexec-uki-test}/systemd-boot-efi-252/usr/lib/systemd/boot/efi/linuxx64.efi.stub" ] ||
        kx_die "missing the systemd stubs (scripts/install-deps extracts them)"
    [ -f /usr/share/OVMF/OVMF_CODE_4M.secboot.fd ] || kx_die "missing ovmf"
    busybox --list 2>/dev/null | grep -qx poweroff || kx_die "busybox lacks poweroff"
    ldd "$(command -v busybox)" 2>&1 | grep -q 'not a dynamic' || kx_die "busybox must be static (busybox-static)"
}

# Download a Debian package of the release the guests are made of (Debian 12,
# or the suite named as PKG/SUITE) into DIR (a cache) and print its path.
# scripts/debian-archive reads the archive through its own apt
# configuration, so the host's release and sources do not matter.
KX_ARCHIVE=$KX_VM_DIR/../../scripts/debian-archive
kx_fetch_deb() {
    local dir=$1 spec=$2
    case $spec in */*) ;; *) spec=$spec/bookworm ;; esac
    "$KX_ARCHIVE" download "$spec" "$dir" || kx_die "cannot download $spec"
}

# The kernel image package a linux-image-amd64 of SUITE depends on.
kx_kernel_package() {
    "$KX_ARCHIVE" apt-cache depends "linux-image-amd64/$1" 2>/dev/null |
        awk '/Depends: linux-image-[0-9]/{print $2; exit}'
}

# The ELF vmlinux inside a bzImage (xz, gzip or zstd payload).
kx_extract_vmlinux() {
    local bz=$1 out=$2 setup offset length magic
    setup=$(( ($(od -An -tu1 -j $((0x1f1)) -N1 "$bz") + 1) * 512 ))
    offset=$(od -An -tu4 -j $((0x248)) -N4 "$bz" | tr -d ' ')
    length=$(od -An -tu4 -j $((0x24c)) -N4 "$bz" | tr -d ' ')
    tail -c +$((setup + offset + 1)) "$bz" | head -c "$length" > "$out.payload"
    magic=$(od -An -tx1 -N4 "$out.payload" | tr -d ' ')
    case $magic in
    fd377a58) xz -dc < "$out.payload" > "$out" 2>/dev/null ;;
    1f8b*) gzip -dc < "$out.payload" > "$out" 2>/dev/null ;;
    28b52ffd) zstd -dc < "$out.payload" > "$out" 2>/dev/null ;;
    *) echo "tests/vm: $bz: unknown payload compression ($magic)" >&2; return 1 ;;
    esac
    rm -f "$out.payload"
    [ "$(od -An -tx1 -N4 "$out" | tr -d ' ')" = 7f454c46 ]
}

# Extract one Debian kernel package into DIR: vmlinuz.debian (as signed by
# Debian), vmlinuz.unsigned, vmlinuz.snakeoil (re-signed with the key OVMF's
# snakeoil db trusts, prepared by kx_prepare_inputs), efivarfs.ko and the
# modules an ESP needs, decompressed (6.12 ships .ko.xz; busybox insmod
# takes plain modules, and their signatures are inside the .xz).
kx_prepare_kernel() {
    local spec=$1 dir=$2 in=$WORK/inputs deb m
    deb=$(kx_fetch_deb "$in" "$spec") || exit 2
    rm -rf "$dir/kernel" "$dir/modules" && mkdir -p "$dir/kernel" "$dir/modules"
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$dir/kernel" --wildcards './boot/vmlinuz-*' \
        './lib/modules/*/kernel/fs/efivarfs/efivarfs.ko*' './lib/modules/*/kernel/drivers/block/loop.ko*' \
        './lib/modules/*/kernel/fs/fat/*.ko*' './lib/modules/*/kernel/fs/nls/nls_cp437.ko*' \
        './lib/modules/*/kernel/fs/nls/nls_ascii.ko*' || kx_die "cannot extract the kernel from $deb"
    cp "$dir"/kernel/boot/vmlinuz-* "$dir/vmlinuz.debian"
    # efivarfs is a module in Debian: guests load it to show that EFI
    # runtime services work (listing variables calls into the firmware).
    # loop and vfat (modules too): scenarios that need an ESP make one in
    # the guest (busybox mkdosfs on a loop device), as systemd-stub reads
    # addons and credentials only from the ESP.
    for m in fs/efivarfs/efivarfs drivers/block/loop fs/fat/fat fs/fat/vfat fs/nls/nls_cp437 fs/nls/nls_ascii; do
        m=$(echo "$dir"/kernel/lib/modules/*/kernel/"$m".ko*)
        case $m in
        *.ko.xz) xz -dc "$m" > "$dir/modules/$(basename "$m" .xz)" ;;
        *.ko) cp "$m" "$dir/modules/" ;;
        *) kx_die "$deb: module $m not found" ;;
        esac
    done
    mv "$dir/modules/efivarfs.ko" "$dir/efivarfs.ko"
    kx_resign_snakeoil "$dir/vmlinuz.debian" "$dir/vmlinuz.unsigned" "$dir/vmlinuz.snakeoil"
}

# kx_resign_snakeoil SIGNED UNSIGNED SNAKEOIL: a kernel without Debian's
# signature (UNSIGNED), and re-signed with the snakeoil key OVMF's db
# trusts (SNAKEOIL), checked. Needs the key kx_prepare_inputs decrypts.
kx_resign_snakeoil() {
    local in=$WORK/inputs
    cp "$1" "$2"
    sbattach --remove "$2" >/dev/null 2>&1 || true
    sbsign --key "$in/snakeoil.key" --cert "$in/snakeoil.pem" --output "$3" "$2" >/dev/null 2>&1 ||
        kx_die "sbsign of $2 failed"
    sbverify --cert "$in/snakeoil.pem" "$3" >/dev/null 2>&1 || kx_die "sbverify of $3 failed"
}

# Point the scenario variables at the kernel of SERIES: 6.1 (Debian 12's,
# the default) or 6.12 (bookworm-backports; scenarios set KERNEL_SERIES).
# The first kernel, the UKIs' .linux and the guest's modules all follow.
kx_use_kernel() {
    local in=$WORK/inputs dir
    case $1 in
    6.1) dir=$in ;;
    6.12) dir=$in/6.12 ;;
    *) kx_die "unknown kernel series $1 (6.1 or 6.12)" ;;
    esac
    KERNEL=$dir/vmlinuz.debian
    KERNEL_UNSIGNED=$dir/vmlinuz.unsigned
    KERNEL_SNAKEOIL=$dir/vmlinuz.snakeoil
    EFIVARFS_KO=$dir/efivarfs.ko
    GUEST_MODULES=$dir/modules
    export KERNEL KERNEL_UNSIGNED KERNEL_SNAKEOIL EFIVARFS_KO GUEST_MODULES
}

kx_prepare_inputs() {
    local in=$WORK/inputs
    mkdir -p "$in"
    # Bump when what is prepared here changes, so old work dirs are redone.
    local version=5
    if [ "$(cat "$in/ready" 2>/dev/null)" != "$version" ]; then
        # Snakeoil: the key OVMF_VARS_4M.snakeoil.fd trusts in db.
        openssl rsa -in /usr/share/ovmf/PkKek-1-snakeoil.key -passin pass:snakeoil \
            -out "$in/snakeoil.key" 2>/dev/null || kx_die "cannot decrypt the snakeoil key"
        cp /usr/share/ovmf/PkKek-1-snakeoil.pem "$in/snakeoil.pem"

        # The kernels Debian 12 ships (6.1) and backports (6.12): resolve
        # the metapackage to the real image; neither is installed.
        local pkg deb
        pkg=$(kx_kernel_package bookworm)
        [ -n "$pkg" ] || kx_die "cannot resolve linux-image-amd64/bookworm (scripts/debian-archive update?)"
        kx_prepare_kernel "$pkg/bookworm" "$in"
        pkg=$(kx_kernel_package bookworm-backports)
        [ -n "$pkg" ] || kx_die "cannot resolve linux-image-amd64/bookworm-backports (scripts/debian-archive update?)"
        kx_prepare_kernel "$pkg/bookworm-backports" "$in/6.12"

        # Debian's kexec-tools, run in guests through its own loader. It links
        # Xen's libraries (libxenctrl, for --load-live-update): they are
        # extracted beside it, not installed (installing kexec-tools would
        # arm a kexec on this machine's reboot).
        deb=$(kx_fetch_deb "$in" kexec-tools) || exit 2
        rm -rf "$in/kexec-tools" && mkdir -p "$in/kexec-tools"
        dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$in/kexec-tools" ./sbin/kexec
        local dep
        for dep in $("$KX_ARCHIVE" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
                         --no-replaces --no-enhances --no-pre-depends libxenmisc4.17/bookworm 2>/dev/null |
                     awk '/^lib/{print $1}' | sort -u); do
            dpkg -s "$dep" >/dev/null 2>&1 && continue  # already on this machine
            # apt-cache lists every alternative, newer releases' names too
            # (libext2fs2t64): only Debian 12's are wanted here.
            "$KX_ARCHIVE" version "$dep/bookworm" >/dev/null 2>&1 || continue
            deb=$(kx_fetch_deb "$in" "$dep") || exit 2
            dpkg-deb -x "$deb" "$in/kexec-tools/deps"
        done
        kx_libs_resolve "$in/kexec-tools/sbin/kexec" "$in/kexec-tools/deps/usr/lib/x86_64-linux-gnu" ||
            kx_die "Debian's kexec-tools needs libraries that were not found (see above)"

        # An ELF vmlinux from the 6.1 kernel, for the ELF loader's scenarios:
        # the bzImage's compressed payload (setup header payload_offset and
        # payload_length), decompressed. xz ends with "unexpected end of
        # input" on the kernel's trailing size word; the ELF check decides.
        kx_extract_vmlinux "$in/vmlinuz.debian" "$in/vmlinux" || kx_die "cannot extract vmlinux from the kernel"
        echo "$version" > "$in/ready"
    fi
    kx_use_kernel 6.1
    SNAKEOIL_KEY=$in/snakeoil.key
    SNAKEOIL_CERT=$in/snakeoil.pem
    KEXEC_TOOLS_BIN=$in/kexec-tools/sbin/kexec
    KEXEC_TOOLS_LIBDIR=$in/kexec-tools/deps/usr/lib/x86_64-linux-gnu
    VMLINUX=$in/vmlinux
    export VMLINUX SNAKEOIL_KEY SNAKEOIL_CERT KEXEC_TOOLS_BIN KEXEC_TOOLS_LIBDIR
}

# kx_kexec_tools_of SUITE: Debian's kexec-tools of another release (sid has
# 2.0.32), extracted, never installed, into $WORK/inputs/kexec-tools-SUITE:
# bin/kexec and, in lib/, every library of that release it needs, libc and
# its loader too (Xen's libxenmisc and what it links; a newer release's
# binary wants a newer libc than this machine's or a Debian 12 guest's).
# Any guest runs it as DIR/lib/ld-linux-x86-64.so.2 --library-path DIR/lib
# DIR/bin/kexec. Prints the directory.
kx_kexec_tools_of() {
    local suite=$1 dir=$WORK/inputs/kexec-tools-$1 cache=$WORK/inputs/$1 deb dep tmp
    if [ ! -f "$dir/ready" ]; then
        rm -rf "$dir" && mkdir -p "$dir/bin" "$dir/lib" "$cache"
        tmp=$dir/x
        deb=$(kx_fetch_deb "$cache" "kexec-tools/$suite") || exit 2
        dpkg-deb -x "$deb" "$tmp"
        # usr-merged releases ship /usr/sbin/kexec, older ones /sbin/kexec.
        if [ -f "$tmp/usr/sbin/kexec" ]; then cp "$tmp/usr/sbin/kexec" "$dir/bin/"
        else cp "$tmp/sbin/kexec" "$dir/bin/" || kx_die "no kexec in $deb"
        fi
        for dep in $("$KX_ARCHIVE" apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts \
                         --no-breaks --no-replaces --no-enhances --no-pre-depends "kexec-tools/$suite" 2>/dev/null |
                     awk '/^lib/{print $1}' | sort -u); do
            # apt-cache lists every alternative name; only SUITE's exist there.
            "$KX_ARCHIVE" version "$dep/$suite" >/dev/null 2>&1 || continue
            deb=$(kx_fetch_deb "$cache" "$dep/$suite") || exit 2
            dpkg-deb -x "$deb" "$tmp"
        done
        cp -a "$tmp"/usr/lib/x86_64-linux-gnu/*.so* "$dir/lib/"
        rm -rf "$tmp"
        "$KX_ARCHIVE" version "kexec-tools/$suite" >"$dir/version"
        touch "$dir/ready"
    fi
    echo "$dir"
}
