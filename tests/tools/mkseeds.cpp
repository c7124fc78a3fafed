// SPDX-License-Identifier: GPL-2.0-or-later
// mkseeds: write the fuzz targets' seed corpora (tests/fuzz/corpus/TARGET/)
// from the same builders the unit tests use: real-stub UKIs in both
// producers' layouts, signed kernels, bzImages, ELF kernels, captured /proc
// trees. Test tool, not product; rerun it when a target's input format
// changes:  mkseeds tests/fuzz/corpus
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>
#include <sys/stat.h>
#include <zlib.h>

#include "helpers.hpp"
#include "uki_builder.hpp"

namespace kxt {
[[noreturn]] void builder_failure(const std::string& message) {
    std::fprintf(stderr, "mkseeds: %s\n", message.c_str());
    std::exit(2);
}
}  // namespace kxt

namespace {

using namespace kxt;
using namespace std::string_literals;

std::string g_root;

void seed(const std::string& target, const std::string& name, const std::string& bytes) {
    const std::string dir = g_root + "/" + target;
    mkdir(dir.c_str(), 0755);
    write_file(dir + "/" + name, bytes);
}

// FuzzedDataProvider reads strings from the front (a backslash followed by
// another character ends one) and integers and bools from the back.
std::string fdp_string(const std::string& s) {
    std::string out;
    for (char c : s) {
        out += c;
        if (c == '\\')
            out += '\\';
    }
    return out + "\\n";
}

std::string gzip(const std::string& data) {
    z_stream zs{};
    deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
    std::string out(deflateBound(&zs, data.size()), '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    return out;
}

// A minimal x86-64 ELF vmlinux: one PT_LOAD at 16 MiB.
std::string elf_kernel() {
    std::string e(0x1000, '\0');
    auto put = [&](size_t at, uint64_t v, int n) {
        for (int i = 0; i < n; i++)
            e[at + i] = static_cast<char>(v >> (8 * i));
    };
    e.replace(0, 4, "\x7f" "ELF");
    e[4] = 2;
    e[5] = 1;
    e[6] = 1;
    put(16, 2, 2);           // ET_EXEC
    put(18, 62, 2);          // EM_X86_64
    put(20, 1, 4);
    put(24, 0x1000000, 8);   // e_entry
    put(32, 64, 8);          // e_phoff
    put(52, 64, 2);
    put(54, 56, 2);
    put(56, 1, 2);           // one program header
    put(64, 1, 4);           // PT_LOAD
    put(68, 7, 4);
    put(64 + 8, 0x1000, 8);  // p_offset
    put(64 + 16, 0xffffffff81000000ull, 8);
    put(64 + 24, 0x1000000, 8);
    put(64 + 32, 0x800, 8);
    put(64 + 40, 0x2000, 8);
    put(64 + 48, 0x200000, 8);
    return e + std::string(0x800, '\x90');
}

UkiSpec small_uki_spec() {
    UkiSpec spec;
    BzImageSpec small;
    small.size = 8192;
    spec.linux_image = make_efi_bzimage(small);
    spec.cmdline = "console=ttyS0 quiet";
    spec.osrel = "ID=debian\nVERSION_ID=12\n";
    spec.initrds = {std::string(600, 'I')};
    spec.uname = "6.1.0-test";
    return spec;
}

std::string small_profiled_uki() {
    UkiSpec profiled = small_uki_spec();
    UkiSpec p1;
    p1.profile = "ID=rescue\nTITLE=Rescue";
    p1.cmdline = "console=ttyS0 rescue";
    profiled.join_profiles = {build_profile_pe(p1)};
    profiled.profile = "ID=main\nTITLE=Main";
    return build_uki(UkiStyle::Ukify254, profiled);
}

std::string small_addon() {
    UkiSpec addon;
    addon.cmdline = "debug";
    return build_addon(UkiStyle::Ukify254, addon);
}

void uki_seeds() {
    const UkiSpec spec = small_uki_spec();
    for (const auto& [style, name] : {std::pair{UkiStyle::Objcopy, "objcopy"}, std::pair{UkiStyle::Ukify252, "ukify-252"},
                                      std::pair{UkiStyle::Ukify254, "ukify-254"}})
        seed("uki", std::string("uki-") + name + ".efi", build_uki(style, spec));
    seed("uki", "uki-profiles.efi", small_profiled_uki());
    seed("uki", "addon.efi", small_addon());
}

void image_seeds() {
    // Picks from the back: entry mode, ELF argument style, EFI, initrd.
    const std::string tail = "\x00\x00\x01\x01"s;
    BzImageSpec small;
    small.size = 16384;
    seed("image", "bzimage", fdp_string("console=ttyS0") + make_bzimage(small) + tail);
    seed("image", "efi-bzimage", fdp_string("quiet") + make_efi_bzimage(small) + tail);
    seed("image", "elf-vmlinux", fdp_string("root=/dev/vda") + elf_kernel() + tail);
    seed("image", "bzimage-32bit", fdp_string("") + make_bzimage(small) + "\x01\x00\x00\x01"s);
}

void memory_seeds() {
    const std::string iomem = read_file(fixture_sysroot("uefi") + "/proc/iomem");
    std::string memmap;  // start, end, type for each entry, as strings
    const std::string root = fixture_sysroot("uefi") + "/sys/firmware/memmap/";
    for (int i = 0; i < 8; i++) {
        const std::string d = root + std::to_string(i);
        memmap += fdp_string(read_file(d + "/start")) + fdp_string(read_file(d + "/end")) +
                  fdp_string(read_file(d + "/type"));
    }
    seed("memory", "uefi-guest", fdp_string(iomem) + memmap + std::string(40, '\x08'));
}

void crash_seeds() {
    const std::string root = fixture_sysroot("bios");
    std::string in = fdp_string(read_file(root + "/proc/iomem"));
    for (int i = 0; i < 2; i++) {
        const std::string d = root + "/sys/devices/system/cpu/cpu" + std::to_string(i);
        in += fdp_string(read_file(d + "/crash_notes")) + fdp_string(read_file(d + "/crash_notes_size"));
    }
    in += fdp_string(read_file(root + "/sys/kernel/vmcoreinfo"));
    in += fdp_string("ffffffff81000000 T _stext\n");
    std::string kcore(64 + 2 * 56, '\0');  // an ELF core header with two PT_LOADs
    kcore.replace(0, 4, "\x7f" "ELF");
    poke16(kcore, 54, 56);
    poke16(kcore, 56, 2);
    kcore[32] = 64;
    for (int i = 0; i < 2; i++) {
        const size_t h = 64 + 56 * i;
        poke32(kcore, h, 1);
        for (int b = 0; b < 8; b++) {
            kcore[h + 16 + b] = static_cast<char>((i ? 0xffffffff81000000ull : 0xffff888000000000ull) >> (8 * b));
            kcore[h + 40 + b] = static_cast<char>((i ? 0x2000000ull : 0x40000000ull) >> (8 * b));
        }
    }
    seed("crash", "bios-guest", in + kcore + "\x01\x01\x01\x01\x01\x01\x02"s);
}

// Header shapes whose signed area Linux's verify_pefile and EDK2 would not
// agree on (kexec/pe/pe_file.cpp, rules 1-9), each made from a good signed
// PE: the readers refuse them, and the fuzzer starts from the boundary.
std::vector<std::pair<std::string, std::string>> hashed_area_shapes(const std::string& good) {
    const uint32_t opt = peek32(good, 0x3c) + 24;
    const uint32_t opt_size = static_cast<uint8_t>(good[opt - 4]) | static_cast<uint8_t>(good[opt - 3]) << 8;
    const uint32_t dirs_at = opt + (static_cast<uint8_t>(good[opt + 1]) == 2 ? 108 : 92);
    std::vector<std::pair<std::string, std::string>> shapes;
    std::string short_headers = good;  // SizeOfHeaders ends where the section table starts
    poke32(short_headers, opt + 60, opt + opt_size);
    shapes.emplace_back("section-table-outside-headers", short_headers);
    std::string dirs = good;  // the data directories end before the optional header does
    poke32(dirs, dirs_at, peek32(good, dirs_at) - 1);
    shapes.emplace_back("dirs-end-before-optional-header", dirs);
    shapes.emplace_back("bytes-after-certificate-table", good + "appended");
    return shapes;
}

void authenticode_seeds() {
    BzImageSpec small;
    small.size = 8192;
    const std::string bzimage = signed_efi_bzimage(small);
    seed("authenticode", "signed-bzimage.efi", bzimage);
    UkiSpec spec;
    spec.linux_image = bzimage;
    spec.cmdline = "quiet";
    const std::string uki = build_uki(UkiStyle::Ukify254, spec);
    seed("authenticode", "uki-with-signed-kernel.efi", uki);
    for (const auto& [name, bytes] : hashed_area_shapes(bzimage)) {
        seed("authenticode", "bzimage-" + name + ".efi", bytes);
        seed("uki", "bzimage-" + name + ".efi", bytes);
    }
}

// The kernel half's parser (fuzz-kernel-uki): one byte choosing the profile,
// then the image. Each name starts with what kexec_uki_parse() must answer
// (ok, enoexec, elibbad, enoent: doc/kernel-uki-loader.md, Errnos), for the
// KUnit suite kernel/build adds from this corpus (kernel/kunit-corpus/).
void kernel_uki_seeds() {
    const UkiSpec spec = small_uki_spec();
    const std::string uki = build_uki(UkiStyle::Ukify254, spec);
    const std::string profiled = small_profiled_uki();
    BzImageSpec small;
    small.size = 8192;
    auto kernel_seed = [](const std::string& name, char profile, const std::string& image) {
        seed("kernel-uki", name + ".bin", std::string(1, profile) + image);
    };
    kernel_seed("ok-uki-objcopy", 0, build_uki(UkiStyle::Objcopy, spec));
    kernel_seed("ok-uki-ukify-254", 0, uki);
    kernel_seed("ok-uki-profiles", 0, profiled);
    kernel_seed("ok-uki-profiles-at-1", 1, profiled);
    kernel_seed("enoent-uki-profiles-at-2", 2, profiled);
    kernel_seed("enoent-uki-at-1", 1, uki);
    kernel_seed("enoexec-addon", 0, small_addon());
    kernel_seed("enoexec-signed-bzimage", 0, signed_efi_bzimage(small));
    kernel_seed("enoexec-profile-prefix", '@', "4294967295 quiet");

    // The shapes doc/kernel-uki-loader.md refuses, each from the good UKI.
    const uint32_t pe = peek32(uki, 0x3c), opt = pe + 24;
    const uint32_t headers = peek32(uki, opt + 60);
    const uint32_t table = opt + (static_cast<uint8_t>(uki[pe + 20]) | static_cast<uint8_t>(uki[pe + 21]) << 8);
    const unsigned sections = static_cast<uint8_t>(uki[pe + 6]) | static_cast<uint8_t>(uki[pe + 7]) << 8;
    auto header_of = [&](const std::string& image, const std::string& name) -> uint32_t {
        for (unsigned i = 0; i < sections; i++)
            if (image.compare(table + 40 * i, 8, name + std::string(8 - name.size(), '\0')) == 0)
                return table + 40 * i;
        builder_failure("no " + name + " section in the seed UKI");
    };
    const uint32_t linux_hdr = header_of(uki, ".linux"), cmdline_hdr = header_of(uki, ".cmdline");
    const uint32_t linux_at = peek32(uki, linux_hdr + 20);
    std::vector<std::pair<std::string, std::string>> shapes;
    std::string b = uki;  // SizeOfOptionalHeader names another table than the data directories do
    poke16(b, pe + 20, static_cast<uint16_t>(table - opt + 40));
    shapes.emplace_back("elibbad-optional-header-size-disagrees", b);
    b = uki;  // four directories, SizeOfOptionalHeader agreeing: no entry for the certificate table,
    // which verify_pefile reads (and leaves unhashed) in the section table's first bytes
    b.replace(opt + 112 + 4 * 8, size_t{sections} * 40, uki.substr(table, size_t{sections} * 40));
    poke32(b, opt + 108, 4);
    poke16(b, pe + 20, 112 + 4 * 8);
    shapes.emplace_back("elibbad-four-data-directories", b);
    b = uki;  // the section table is read after the directories: 8 bytes early, no .sdmagic there
    poke32(b, opt + 108, peek32(uki, opt + 108) - 1);
    shapes.emplace_back("enoexec-directories-end-early", b);
    b = uki;  // SizeOfHeaders ends inside the section table
    poke32(b, opt + 60, table + 40);
    shapes.emplace_back("enoexec-section-table-outside-headers", b);
    b = uki;  // .linux's raw data runs past the end of the file
    poke32(b, linux_hdr + 16, static_cast<uint32_t>(uki.size()));
    shapes.emplace_back("elibbad-linux-past-eof", b);
    b = uki;  // .cmdline's raw data inside the headers
    poke32(b, cmdline_hdr + 20, headers - 0x40);
    shapes.emplace_back("elibbad-cmdline-in-headers", b);
    b = uki;  // a second .linux (the .cmdline header renamed)
    b.replace(cmdline_hdr, 8, std::string(".linux\0\0", 8));
    shapes.emplace_back("elibbad-second-linux", b);
    b = uki;  // a certificate table over the sections' data
    poke32(b, opt + 112 + 4 * 8, linux_at);
    poke32(b, opt + 112 + 4 * 8 + 4, 0x100);
    shapes.emplace_back("elibbad-certificates-over-linux", b);
    b = uki;  // a certificate table past the end of the file
    poke32(b, opt + 112 + 4 * 8, static_cast<uint32_t>(uki.size()) - 8);
    poke32(b, opt + 112 + 4 * 8 + 4, 0x100);
    shapes.emplace_back("elibbad-certificates-past-eof", b);
    b = uki;  // no sections at all
    poke16(b, pe + 6, 0);
    shapes.emplace_back("enoexec-no-sections", b);
    shapes.emplace_back("elibbad-cut-inside-linux", uki.substr(0, linux_at + 0x100));
    shapes.emplace_back("enoexec-cut-inside-section-table", uki.substr(0, table + 20));
    shapes.emplace_back("enoexec-cut-inside-dos-header", uki.substr(0, 0x3c));
    for (const auto& [name, bytes] : shapes)
        kernel_seed(name, 0, bytes);
}

// EFI_SIGNATURE_LIST: type GUID, list size, header size, entry size; each
// entry an owner GUID and its data. Variables start with 4 attribute bytes.
std::string signature_list(const std::string& type_guid, const std::vector<std::string>& entries) {
    const std::string owner(16, '\x5a');
    std::string list = type_guid + std::string(12, '\0');
    for (const auto& e : entries)
        list += owner + e;
    poke32(list, 16, static_cast<uint32_t>(list.size()));
    poke32(list, 24, static_cast<uint32_t>(16 + (entries.empty() ? 0 : entries[0].size())));
    return list;
}

void signature_list_seeds() {
    const std::string x509 = "\xa1\x59\xc0\xa5\xe4\x94\xa7\x4a\x87\xb5\xab\x15\x5c\x2b\xf0\x72"s;
    const std::string sha256 = "\x26\x16\xc4\xc1\x4c\x50\x92\x40\xac\xa9\x41\xf9\x36\x93\x43\x28"s;
    const std::string attributes = "\x27\0\0\0"s;
    const std::string dir = scratch_dir();
    if (run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=db -keyout '" + dir +
                  "/k.key' -outform DER -out '" + dir + "/k.der' >/dev/null 2>&1") != 0) {
        std::fprintf(stderr, "mkseeds: openssl could not make a certificate\n");
        std::exit(1);
    }
    const std::string cert = read_file(dir + "/k.der");
    seed("esl", "db", attributes + signature_list(x509, {cert}) +
                          signature_list(sha256, {std::string(32, '\x11'), std::string(32, '\x22')}));
    seed("esl", "dbx", attributes + signature_list(sha256, {std::string(32, '\x33')}) +
                           signature_list(std::string(16, '\x42'), {std::string(20, 'x')}));
    // Every hash type dbx may hold: image digests, and certificate TBS
    // hashes with a revocation time (UEFI 2.10, 32.4.1).
    const std::string sha1 = "\x12\xa5\x6c\x82\x10\xcf\xc9\x4a\xb1\x87\xbe\x01\x49\x66\x31\xbd"s;
    const std::string sha384 = "\x07\x53\x3e\xff\xd0\x9f\xc9\x48\x85\xf1\x8a\xd5\x6c\x70\x1e\x01"s;
    const std::string x509_sha256 = "\x92\xa4\xd2\x3b\xc0\x96\x79\x40\xb4\x20\xfc\xf9\x8e\xf1\x03\xed"s;
    const std::string x509_sha512 = "\x63\xbf\x6d\x44\x02\x25\xda\x4c\xbc\xfa\x24\x65\xd2\xb0\xfe\x9d"s;
    const std::string revoked_2023 = "\xe7\x07\x05\x09\0\0\0\0\0\0\0\0\0\0\0\0"s;
    seed("esl", "dbx-every-type", attributes + signature_list(sha1, {std::string(20, '\x44')}) +
                                      signature_list(sha384, {std::string(48, '\x55')}) +
                                      signature_list(x509_sha256, {std::string(32, '\x66') + std::string(16, '\0')}) +
                                      signature_list(x509_sha512, {std::string(64, '\x77') + revoked_2023}));
}

void small_seeds() {
    seed("cpio", "credentials", fdp_string(".extra/credentials/") + "\x00\x00\x00\x01"s +
                                    fdp_string(".extra/credentials/a.cred") + fdp_string("secret") +
                                    "\x00\x01\x00\x00\x00"s);
    seed("cmdline", "reuse-crash", fdp_string("BOOT_IMAGE=/vmlinuz root=/dev/sda1 crashkernel=256M quiet") +
                                       fdp_string("crashkernel=") + fdp_string("irqpoll nr_cpus=1") +
                                       "@1 console=ttyS0\t quiet\n" + "\x01\x01\x01"s);
    seed("cmdline", "mangle", fdp_string("root=/dev/vda") + fdp_string("root") + fdp_string("") +
                                  "  \x01quiet\x7f splash\0after"s);
    BzImageSpec small;
    small.size = 16384;
    seed("gzip", "bzimage.gz", gzip(make_bzimage(small)));
    seed("gzip", "zeros.gz", gzip(std::string(70000, '\0')));
    for (const auto& [name, args] : std::initializer_list<std::pair<const char*, std::string>>{
             {"kdumpctl", "-s\0-p\0--command-line=irqpoll\0--initrd=/boot/k.img\0/boot/vmlinuz"s},
             {"abbrev", "--app=quiet\0--reuse-cmd\0-l\0--uki-prof=1\0/efi/foo.efi"s},
             {"c-options", "-c\0-l\0--mem-max=0xffffffffffffffff\0--console-serial\0--serial-baud=115200\0k"s}})
        seed("options", name, args);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: mkseeds CORPUS_DIR\n");
        return 2;
    }
    g_root = argv[1];
    uki_seeds();
    image_seeds();
    memory_seeds();
    crash_seeds();
    authenticode_seeds();
    kernel_uki_seeds();
    signature_list_seeds();
    small_seeds();
    return 0;
}
