// SPDX-License-Identifier: GPL-2.0-or-later
#include "helpers.hpp"

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "arch/x86_64/setup_header_layout.hpp"
#include "cli/kexec_main.hpp"
#include "pe/pe_file.hpp"
#include "pe/pe_layout.hpp"
#include "base/sha256.hpp"

namespace kxt {
namespace {
namespace bp = kx::x86::bp;
namespace P = kx::pe::layout;
}  // namespace

RunResult run_kexec(std::vector<std::string> args, kx::Backend* backend) {
    args.insert(args.begin(), "kexec");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    char *out_buf = nullptr, *err_buf = nullptr;
    size_t out_len = 0, err_len = 0;
    FILE* out = open_memstream(&out_buf, &out_len);
    FILE* err = open_memstream(&err_buf, &err_len);
    kx::MainEnv env{out, err, backend};
    RunResult r;
    r.rc = kx::kexec_main(static_cast<int>(args.size()), argv.data(), env);
    std::fclose(out);
    std::fclose(err);
    r.out.assign(out_buf, out_len);
    r.err.assign(err_buf, err_len);
    std::free(out_buf);
    std::free(err_buf);
    return r;
}

std::string scratch_dir() {
    const char* tmp = std::getenv("TMPDIR");
    std::string templ = std::string(tmp && *tmp ? tmp : "/tmp") + "/kexec-uki-test.XXXXXX";
    char* dir = mkdtemp(templ.data());
    if (!dir)
        std::abort();
    std::string path = dir;
    // Criterion runs each test in its own process: clean up at its exit.
    static std::vector<std::string>* dirs = new std::vector<std::string>();
    static std::once_flag once;
    std::call_once(once, [] {
        std::atexit([] {
            for (const auto& d : *dirs)
                if (std::system(("rm -rf '" + d + "'").c_str()) != 0) {
                }
        });
    });
    dirs->push_back(path);
    return path;
}

std::string write_file(const std::string& path, const std::string& bytes) {
    const size_t slash = path.rfind('/');
    if (slash != std::string::npos && slash > 0)
        run_shell("mkdir -p '" + path.substr(0, slash) + "'");
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    return path;
}

std::string read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::string sha256_hex(const std::string& bytes) {
    return kx::to_hex(kx::sha256({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}));
}

bool contains(const std::string& haystack, const std::string& needle) {
    return haystack.find(needle) != std::string::npos;
}

int run_shell(const std::string& cmd) {
    int st = std::system(cmd.c_str());
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
}

std::string shell_output(const std::string& cmd) {
    std::string out;
    FILE* p = popen(cmd.c_str(), "r");
    if (!p)
        return out;
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0)
        out.append(buf, n);
    pclose(p);
    return out;
}

void poke16(std::string& s, size_t at, uint16_t v) {
    s[at] = static_cast<char>(v);
    s[at + 1] = static_cast<char>(v >> 8);
}

void poke32(std::string& s, size_t at, uint32_t v) {
    poke16(s, at, static_cast<uint16_t>(v));
    poke16(s, at + 2, static_cast<uint16_t>(v >> 16));
}

uint32_t peek32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++)
        v |= static_cast<uint32_t>(static_cast<uint8_t>(s[at + i])) << (8 * i);
    return v;
}

std::string make_bzimage(const BzImageSpec& spec) {
    std::string img(spec.size, spec.fill);
    std::memset(img.data(), 0, 0x1000 < spec.size ? 0x1000 : spec.size);
    const uint8_t setup_sects = 4;
    img[bp::setup_sects] = static_cast<char>(setup_sects);
    poke16(img, bp::boot_flag, 0xAA55);
    img[bp::jump] = '\xeb';  // jmp over the setup header, which ends at 0x26c (protocol 2.15)
    img[bp::jump + 1] = 0x6a;
    std::memcpy(img.data() + bp::header, "HdrS", 4);
    poke16(img, bp::version, spec.protocol);
    poke16(img, bp::kernel_version, 0x200);  // the string at 0x400
    std::memcpy(img.data() + 0x400, spec.version.c_str(), spec.version.size() + 1);
    img[bp::loadflags] = 1;  // LOADED_HIGH
    poke32(img, bp::code32_start, 0x100000);
    poke32(img, bp::initrd_addr_max, 0x7fffffff);
    poke32(img, bp::kernel_alignment, 0x200000);
    img[bp::relocatable_kernel] = 1;
    img[bp::min_alignment] = 21;
    poke16(img, bp::xloadflags, spec.xloadflags);
    poke32(img, bp::cmdline_size, spec.cmdline_size);
    poke32(img, bp::pref_address, 0x1000000);
    poke32(img, bp::init_size, spec.init_size);
    return img;
}

std::string make_efi_bzimage(const BzImageSpec& spec) {
    std::string img = make_bzimage(spec);
    const uint32_t pe = 0x40, coff = pe + P::kSignatureSize, opt = coff + P::coff::kSize,
                   opt_size = P::opt::kFixedSize64 + 6 * P::opt::kDataDirectorySize, table = opt + opt_size;
    img[0] = 'M';
    img[1] = 'Z';
    poke32(img, P::dos::kLfanew, pe);
    std::memcpy(img.data() + pe, "PE\0\0", P::kSignatureSize);
    poke16(img, coff + P::coff::kMachine, 0x8664);
    poke16(img, coff + P::coff::kNumberOfSections, 2);
    poke16(img, coff + P::coff::kSizeOfOptionalHeader, static_cast<uint16_t>(opt_size));
    poke16(img, coff + P::coff::kCharacteristics, 0x0206);
    poke16(img, opt + P::opt::kMagic, 0x20b);
    poke32(img, opt + P::opt::kAddressOfEntryPoint, 0x2000);
    poke32(img, opt + P::opt::kSectionAlignment, 0x1000);
    poke32(img, opt + P::opt::kFileAlignment, 0x200);
    const uint32_t text_size = static_cast<uint32_t>(img.size()) - 0x1000;
    poke32(img, opt + P::opt::kSizeOfImage, 0x2000 + ((text_size + 0xfff) & ~0xfffu));
    poke32(img, opt + P::opt::kSizeOfHeaders, 0x200);
    poke16(img, opt + P::opt::kSubsystem, 10);  // EFI application
    poke32(img, opt + P::opt::kNumberOfRvaAndSizes64, 6);
    auto sect = [&](int i, const char* name, uint32_t vaddr, uint32_t raw, uint32_t size) {
        const uint32_t h = table + static_cast<uint32_t>(i) * P::section::kSize;
        std::memcpy(img.data() + h + P::section::kName, name, std::strlen(name));
        poke32(img, h + P::section::kVirtualSize, size);
        poke32(img, h + P::section::kVirtualAddress, vaddr);
        poke32(img, h + P::section::kSizeOfRawData, size);
        poke32(img, h + P::section::kPointerToRawData, raw);
        poke32(img, h + P::section::kCharacteristics, 0x60000020);
    };
    sect(0, ".setup", 0x1000, 0x200, 0xe00);
    sect(1, ".text", 0x2000, 0x1000, text_size);
    return img;
}

std::string make_pe(const PeSpec& spec, PeLayout* layout_out) {
    PeLayout L;
    const uint32_t n = static_cast<uint32_t>(spec.sections.size());
    const uint32_t headers_end = L.section_table + n * P::section::kSize;
    const uint32_t size_of_headers = (headers_end + 0x1ff) & ~0x1ffu;
    std::string f(size_of_headers, '\0');
    f[0] = 'M';
    f[1] = 'Z';
    poke32(f, P::dos::kLfanew, L.pe_offset);
    std::memcpy(f.data() + L.pe_offset, "PE\0\0", P::kSignatureSize);
    poke16(f, L.coff_offset + P::coff::kMachine, spec.machine);
    poke16(f, L.coff_offset + P::coff::kNumberOfSections, static_cast<uint16_t>(n));
    poke16(f, L.coff_offset + P::coff::kSizeOfOptionalHeader, static_cast<uint16_t>(L.opt_size));
    poke16(f, L.coff_offset + P::coff::kCharacteristics, 0x0206);
    poke16(f, L.opt_offset + P::opt::kMagic, 0x20b);
    poke32(f, L.opt_offset + P::opt::kSectionAlignment, 0x1000);
    poke32(f, L.opt_offset + P::opt::kFileAlignment, 0x200);
    poke32(f, L.opt_offset + P::opt::kSizeOfHeaders, size_of_headers);
    poke16(f, L.opt_offset + P::opt::kSubsystem, 10);  // EFI application
    poke32(f, L.opt_offset + P::opt::kNumberOfRvaAndSizes64, 16);

    uint32_t va = 0x1000;
    for (uint32_t i = 0; i < n; i++) {
        const PeSection& s = spec.sections[i];
        uint32_t raw_size = s.size_of_raw_data.value_or((static_cast<uint32_t>(s.data.size()) + 0x1ff) & ~0x1ffu);
        uint32_t raw_ptr = s.pointer_to_raw_data.value_or(static_cast<uint32_t>(f.size()));
        uint32_t vsize = s.virtual_size.value_or(static_cast<uint32_t>(s.data.size()));
        uint32_t vaddr = s.virtual_address.value_or(va);
        va = (vaddr + (vsize ? vsize : 1) + 0xfff) & ~0xfffu;
        const uint32_t h = L.section_table + i * P::section::kSize;
        std::memcpy(f.data() + h + P::section::kName, s.name.data(), s.name.size() < 8 ? s.name.size() : 8);
        poke32(f, h + P::section::kVirtualSize, vsize);
        poke32(f, h + P::section::kVirtualAddress, vaddr);
        poke32(f, h + P::section::kSizeOfRawData, raw_size);
        poke32(f, h + P::section::kPointerToRawData, raw_ptr);
        poke32(f, h + P::section::kCharacteristics, 0x40000040);  // initialised data, readable
        L.raw_offsets.push_back(raw_ptr);
        if (!s.pointer_to_raw_data) {
            std::string raw = s.data;
            raw.resize(raw_size, '\0');
            f += raw;
        }
    }
    poke32(f, L.opt_offset + P::opt::kSizeOfImage, va);
    if (!spec.certificate.empty()) {
        while (f.size() % 8)
            f.push_back('\0');
        L.cert_offset = static_cast<uint32_t>(f.size());
        const uint64_t cert_dir =
            L.opt_offset + P::opt::kFixedSize64 + kx::pe::kDirCertificate * P::opt::kDataDirectorySize;
        poke32(f, cert_dir + P::datadir::kVirtualAddress, L.cert_offset);
        poke32(f, cert_dir + P::datadir::kSizeField, static_cast<uint32_t>(spec.certificate.size()));
        f += spec.certificate;
    }
    if (layout_out)
        *layout_out = L;
    return f;
}

PeSection section(std::string name, std::string data) {
    PeSection s;
    s.name = std::move(name);
    s.data = std::move(data);
    return s;
}

std::string make_stub_pe(std::vector<PeSection> sections) {
    PeSpec spec;
    spec.sections.push_back(section(".text", std::string(0x100, '\xc3')));
    for (auto& s : sections)
        spec.sections.push_back(std::move(s));
    return make_pe(spec);
}

kx::Result<kx::Options> parse_args(std::vector<std::string> args) {
    args.insert(args.begin(), "kexec");
    std::vector<char*> argv;
    for (auto& a : args)
        argv.push_back(a.data());
    argv.push_back(nullptr);
    return kx::parse_options(static_cast<int>(args.size()), argv.data());
}

std::string make_sysroot(std::initializer_list<std::pair<std::string, std::string>> files) {
    std::string root = scratch_dir() + "/sysroot";
    run_shell("mkdir -p '" + root + "'");
    for (const auto& [path, contents] : files)
        write_file(root + path, contents);
    return root;
}

std::string fixture_sysroot(const std::string& mode) {
    return std::string(KX_SRCDIR) + "/tests/fixtures/sysroot-" + mode;
}

std::span<const uint8_t> span_of(const std::string& s) {
    return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

bool have_tool(const std::string& name) {
    return run_shell("command -v '" + name + "' >/dev/null 2>&1") == 0;
}

}  // namespace kxt

namespace kxt {
bool starts_with(const std::string& s, const std::string& prefix) { return s.compare(0, prefix.size(), prefix) == 0; }
std::string der(uint8_t tag, const std::string& contents) {
    std::string out(1, static_cast<char>(tag));
    const size_t n = contents.size();
    if (n < 0x80) {
        out.push_back(static_cast<char>(n));
    } else {
        std::string len;
        for (size_t v = n; v; v >>= 8)
            len.insert(len.begin(), static_cast<char>(v & 0xff));
        out.push_back(static_cast<char>(0x80 | len.size()));
        out += len;
    }
    return out + contents;
}

std::string with_signature(std::string image, const std::string& pkcs7) {
    while (image.size() % 8)
        image.push_back('\0');
    const uint32_t lfanew = peek32(image, P::dos::kLfanew);
    std::string entry(P::wincert::kSize, '\0');
    poke32(entry, P::wincert::kLength, static_cast<uint32_t>(P::wincert::kSize + pkcs7.size()));
    poke16(entry, P::wincert::kRevision, 0x200);
    poke16(entry, P::wincert::kCertificateType, 2);  // WIN_CERT_TYPE_PKCS_SIGNED_DATA
    entry += pkcs7;
    while (entry.size() % 8)
        entry.push_back('\0');
    const size_t security_directory = lfanew + P::kSignatureSize + P::coff::kSize + P::opt::kFixedSize64 +
                                      kx::pe::kDirCertificate * P::opt::kDataDirectorySize;
    poke32(image, security_directory + P::datadir::kVirtualAddress, static_cast<uint32_t>(image.size()));
    poke32(image, security_directory + P::datadir::kSizeField, static_cast<uint32_t>(entry.size()));
    return image + entry;
}

}  // namespace kxt
