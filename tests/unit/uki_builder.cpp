// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki_builder.hpp"

#include <algorithm>
#include <cstdlib>
#include <cstring>

#include "base/byte_reader.hpp"
#include "pe/pe_file.hpp"
#include "pe/pe_layout.hpp"
#include "base/strings.hpp"

namespace kxt {
namespace {

// --- a minimal PE editor over the file bytes, enough for ukify's steps -----

namespace P = kx::pe::layout;
constexpr uint32_t kSectionHeaderSize = P::section::kSize;
constexpr uint32_t kScnCntCode = 0x20, kScnCntInitializedData = 0x40, kScnMemRead = 0x40000000;
constexpr uint16_t kFileLocalSymsStripped = 0x0008;

uint32_t get32(const std::string& d, size_t at) {
    return kx::le32({reinterpret_cast<const uint8_t*>(d.data()), d.size()}, at);
}
uint16_t get16(const std::string& d, size_t at) {
    return kx::le16({reinterpret_cast<const uint8_t*>(d.data()), d.size()}, at);
}
uint64_t round_up(uint64_t x, uint64_t block) { return (x + block - 1) / block * block; }

struct PeImage {
    std::string data;
    uint32_t coff = 0, opt = 0, table = 0;

    explicit PeImage(std::string bytes) : data(std::move(bytes)) {
        coff = get32(data, P::dos::kLfanew) + P::kSignatureSize;
        opt = coff + P::coff::kSize;
        table = opt + get16(data, coff + P::coff::kSizeOfOptionalHeader);
    }
    uint32_t count() const { return get16(data, coff + P::coff::kNumberOfSections); }
    uint32_t file_alignment() const { return get32(data, opt + P::opt::kFileAlignment); }
    uint32_t section_alignment() const { return get32(data, opt + P::opt::kSectionAlignment); }
    uint32_t size_of_headers() const { return get32(data, opt + P::opt::kSizeOfHeaders); }
    uint32_t header(uint32_t i) const { return table + i * kSectionHeaderSize; }
    std::string name(uint32_t i) const { return std::string(data.c_str() + header(i), strnlen(data.c_str() + header(i), 8)); }
    uint32_t vsize(uint32_t i) const { return get32(data, header(i) + P::section::kVirtualSize); }
    uint32_t vaddr(uint32_t i) const { return get32(data, header(i) + P::section::kVirtualAddress); }
    uint32_t raw_size(uint32_t i) const { return get32(data, header(i) + P::section::kSizeOfRawData); }
    uint32_t raw_ptr(uint32_t i) const { return get32(data, header(i) + P::section::kPointerToRawData); }
    void set(uint32_t at, uint32_t v) { poke32(data, at, v); }
    // pefile's section.get_data(): the raw data.
    std::string raw(uint32_t i) const { return data.substr(raw_ptr(i), raw_size(i)); }
};

std::string rstrip_nul(std::string s) {
    while (!s.empty() && s.back() == '\0')
        s.pop_back();
    return s;
}

// ukify's merge_sbat(): the SBAT lines of the stub and the kernel (each
// without its own "sbat," header line), then the given text's.
std::string merge_sbat(const std::vector<std::string>& pes, const std::string& text) {
    std::vector<std::string> lines;
    for (const std::string& bytes : pes) {
        auto parsed = kx::pe::PeFile::parse({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "pe");
        if (!parsed.ok())
            continue;  // "is not a valid PE file, not extracting SBAT section"
        PeImage pe(bytes);
        for (uint32_t i = 0; i < pe.count(); i++) {
            if (pe.name(i) != ".sbat")
                continue;
            auto split = kx::split_lines(rstrip_nul(pe.raw(i)));
            if (split.empty() || !starts_with(split[0], "sbat,"))
                continue;
            lines.insert(lines.end(), split.begin() + 1, split.end());
        }
    }
    auto split = kx::split_lines(text);
    if (!split.empty() && starts_with(split[0], "sbat,"))
        lines.insert(lines.end(), split.begin() + 1, split.end());
    std::string out = "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n";
    for (size_t i = 0; i < lines.size(); i++)
        out += (i ? "\n" : "") + lines[i];
    return out + "\n" + std::string(1, '\0');
}

struct NewSection {
    std::string name, data;
    std::optional<uint32_t> virtual_size;
};

// ukify's join_initrds(): one initrd as is, several each padded to 4 bytes.
std::optional<std::string> join_initrds(const std::vector<std::string>& initrds) {
    if (initrds.empty())
        return std::nullopt;
    if (initrds.size() == 1)
        return initrds[0];
    std::string out;
    for (const auto& i : initrds) {
        out += i;
        out.resize(round_up(out.size(), 4), '\0');
    }
    return out;
}

std::optional<uint32_t> size_of_image_if_pe(const std::string& bytes) {
    auto pe = kx::pe::PeFile::parse({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "linux");
    if (!pe.ok())
        return std::nullopt;  // "is not a valid PE file, not using SizeOfImage"
    return pe->size_of_image();
}

// ukify's make_uki(): which sections, in which order.
std::vector<NewSection> ukify_sections(const std::string& stub, const UkiSpec& given, std::string& error) {
    UkiSpec spec = given;
    if (!spec.join_profiles.empty() && !spec.profile)
        spec.profile = "ID=main";  // finalize_options(): joined profiles need a base profile
    std::vector<NewSection> out;
    auto add = [&](const std::string& name, std::string data, std::optional<uint32_t> vsize = std::nullopt) {
        size_t start = 0;  // duplicates are refused after the last .profile only
        for (size_t i = 0; i < out.size(); i++)
            if (out[i].name == ".profile")
                start = i + 1;
        for (size_t i = start; i < out.size(); i++)
            if (out[i].name == name)
                error = "Duplicate section " + name;
        out.push_back({name, std::move(data), vsize});
    };
    const bool building_profile = spec.profile && spec.join_profiles.empty();
    if (building_profile)
        add(".profile", *spec.profile);
    const std::optional<std::string> initrd = join_initrds(spec.initrds);
    for (const auto& [name, content] : std::initializer_list<std::pair<const char*, const std::optional<std::string>*>>{
             {".osrel", &spec.osrel}, {".cmdline", &spec.cmdline}, {".dtb", &spec.dtb}, {".uname", &spec.uname},
             {".splash", &spec.splash}, {".pcrpkey", &spec.pcrpkey}, {".initrd", &initrd}, {".ucode", &spec.ucode}})
        if (*content && !(*content)->empty())  // ukify: "if content"
            add(name, **content);
    for (const auto& s : spec.extra)
        add(s.name, s.data);
    if (spec.linux_image)
        add(".linux", *spec.linux_image, size_of_image_if_pe(*spec.linux_image));
    if (!spec.join_profiles.empty() || !spec.profile) {
        std::vector<std::string> input_pes;
        std::string text;
        if (spec.linux_image) {
            input_pes = {stub, *spec.linux_image};
            text = spec.sbat.value_or("sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
                                      "uki,1,UKI,uki,1,https://uapi-group.org/specifications/specs/unified_kernel_image/\n");
        } else {
            text = spec.sbat.value_or("sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md\n"
                                      "uki-addon,1,UKI Addon,addon,1,https://www.freedesktop.org/software/systemd/man/latest/systemd-stub.html\n");
        }
        add(".sbat", merge_sbat(input_pes, text));
    }
    if (spec.profile && !spec.join_profiles.empty())
        add(".profile", *spec.profile);
    static const char* const kImported[] = {".linux", ".osrel", ".cmdline", ".initrd", ".ucode",
                                            ".splash", ".dtb", ".uname", ".sbat", ".profile"};
    for (const std::string& bytes : spec.join_profiles) {
        PeImage pe(bytes);
        bool first = true;
        for (uint32_t i = 0; i < pe.count(); i++) {
            const std::string n = pe.name(i);
            if (std::none_of(std::begin(kImported), std::end(kImported), [&](const char* k) { return n == k; }))
                continue;
            if (first && n != ".profile")
                error = "Expected .profile section as first valid section in PE profile binary but got " + n;
            first = false;
            // section.get_data(length=VirtualSize)
            add(n, pe.data.substr(pe.raw_ptr(i), std::min(pe.vsize(i), pe.raw_size(i))));
        }
    }
    return out;
}

// ukify's pe_add_sections(): how they are laid out.
std::string pe_add_sections(std::string stub_bytes, const std::vector<NewSection>& sections, std::string& error) {
    PeImage pe(std::move(stub_bytes));
    // Old stubs keep their symbol table at the end of the file: strip it.
    if (uint32_t symtab = get32(pe.data, pe.coff + P::coff::kPointerToSymbolTable)) {
        uint64_t size = uint64_t{18} * get32(pe.data, pe.coff + P::coff::kNumberOfSymbols);
        if (symtab + size + 4 <= pe.data.size())
            size += get32(pe.data, symtab + size);
        if (symtab + size == pe.data.size()) {
            pe.data.resize(symtab);
            pe.set(pe.coff + P::coff::kPointerToSymbolTable, 0);
            pe.set(pe.coff + P::coff::kNumberOfSymbols, 0);
            poke16(pe.data, pe.coff + P::coff::kCharacteristics,
                   get16(pe.data, pe.coff + P::coff::kCharacteristics) | kFileLocalSymsStripped);
        }
    }
    // Stripped stubs may have unaligned raw data: align it, moving what follows.
    const uint32_t fa = pe.file_alignment(), sa = pe.section_alignment();
    for (uint32_t i = 0; i < pe.count(); i++) {
        const uint32_t oldp = pe.raw_ptr(i), oldsz = pe.raw_size(i);
        const uint32_t newp = static_cast<uint32_t>(round_up(oldp, fa)), newsz = static_cast<uint32_t>(round_up(oldsz, fa));
        const uint32_t padp = newp - oldp, padsz = newsz - oldsz;
        pe.set(pe.header(i) + P::section::kPointerToRawData, newp);
        pe.set(pe.header(i) + P::section::kSizeOfRawData, newsz);
        for (uint32_t j = i + 1; j < pe.count(); j++)
            pe.set(pe.header(j) + P::section::kPointerToRawData, pe.raw_ptr(j) + padp + padsz);
        pe.data = pe.data.substr(0, oldp) + std::string(padp, '\0') + pe.data.substr(oldp, oldsz) +
                  std::string(padsz, '\0') + pe.data.substr(std::min<size_t>(oldp + oldsz, pe.data.size()));
    }
    pe.set(pe.opt + P::opt::kSizeOfHeaders, static_cast<uint32_t>(round_up(pe.size_of_headers(), fa)));
    const bool plus = get16(pe.data, pe.opt + P::opt::kMagic) == 0x20b;
    const uint64_t security_dir = pe.opt + (plus ? P::opt::kFixedSize64 : P::opt::kFixedSize32) +
                                  kx::pe::kDirCertificate * P::opt::kDataDirectorySize;
    if (get32(pe.data, security_dir + P::datadir::kVirtualAddress) != 0) {
        error = "Stub image is signed, refusing.";
        return {};
    }
    const uint32_t n_original = pe.count();
    for (const NewSection& s : sections) {
        const uint32_t n = pe.count();
        const uint32_t offset = pe.header(n - 1) + kSectionHeaderSize;
        if (offset + kSectionHeaderSize > pe.size_of_headers()) {
            error = "Not enough header space to add section " + s.name + ".";
            return {};
        }
        const uint32_t vsize = s.virtual_size.value_or(static_cast<uint32_t>(s.data.size()));
        const uint32_t raw_ptr = static_cast<uint32_t>(round_up(pe.data.size(), fa));
        const uint32_t raw_size = static_cast<uint32_t>(round_up(s.data.size(), fa));
        const uint32_t vaddr = static_cast<uint32_t>(round_up(uint64_t{pe.vaddr(n - 1)} + pe.vsize(n - 1), sa));

        // The stub has this section already (.sbat): swap the data in place.
        bool swapped = false;
        for (uint32_t i = 0; i < n_original; i++) {
            if (pe.name(i) != s.name)
                continue;
            if (vsize > pe.raw_size(i)) {
                error = "Not enough space in existing section " + s.name + " to append new data.";
                return {};
            }
            const uint32_t next = pe.raw_ptr(i + 1);  // ukify: pe.sections[i + 1]
            pe.data = pe.data.substr(0, pe.raw_ptr(i)) + s.data + std::string(raw_size - vsize, '\0') + pe.data.substr(next);
            pe.set(pe.header(i) + P::section::kSizeOfRawData, raw_size);
            pe.set(pe.header(i) + P::section::kVirtualSize, vsize);
            swapped = true;
            break;
        }
        if (swapped)
            continue;
        pe.data.resize(raw_ptr, '\0');
        pe.data += s.data;
        pe.data.resize(raw_ptr + raw_size, '\0');
        std::memset(pe.data.data() + offset, 0, kSectionHeaderSize);
        std::memcpy(pe.data.data() + offset, s.name.data(), std::min<size_t>(s.name.size(), 8));
        pe.set(offset + P::section::kVirtualSize, vsize);
        pe.set(offset + P::section::kVirtualAddress, vaddr);
        pe.set(offset + P::section::kSizeOfRawData, raw_size);
        pe.set(offset + P::section::kPointerToRawData, raw_ptr);
        pe.set(offset + P::section::kCharacteristics,
               kScnMemRead | (s.name == ".linux" ? kScnCntCode : kScnCntInitializedData));
        poke16(pe.data, pe.coff + P::coff::kNumberOfSections, static_cast<uint16_t>(n + 1));
        pe.set(pe.opt + P::opt::kSizeOfInitializedData, get32(pe.data, pe.opt + P::opt::kSizeOfInitializedData) + vsize);
    }
    pe.set(pe.opt + P::opt::kCheckSum, 0);
    const uint32_t last = pe.count() - 1;
    pe.set(pe.opt + P::opt::kSizeOfImage, static_cast<uint32_t>(round_up(uint64_t{pe.vaddr(last)} + pe.vsize(last), sa)));
    return pe.data;
}

void require(bool ok, const std::string& message) {
    if (!ok)
        builder_failure(message);
}

std::string read_required(const std::string& path, const char* what) {
    std::string bytes = read_file(path);
    require(!bytes.empty(), path + " (" + what + ") is missing: run scripts/install-deps");
    return bytes;
}

uint64_t image_base(const std::string& bytes) {
    auto pe = kx::pe::PeFile::parse({reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()}, "stub");
    return pe.ok() ? pe->image_base() : 0;
}

// dracut 059's UKI: objcopy --add-section at fixed addresses above the
// stub's own (.osrel 0x20000, .cmdline 0x30000, .uname 0x40000, payloads from
// 0x1000000 each 2 MiB aligned, .linux last but for .initrd).
std::string objcopy_build(const std::string& stub, const UkiSpec& spec) {
    require(spec.join_profiles.empty() && !spec.profile, "objcopy cannot build multi-profile UKIs");
    const std::string dir = scratch_dir();
    const uint64_t base = image_base(read_required(stub, "systemd-boot-efi"));
    std::string args;
    auto add = [&](const std::string& name, const std::string& data, uint64_t vma) {
        std::string file = write_file(dir + "/" + name.substr(1), data);
        char buf[64];
        std::snprintf(buf, sizeof buf, "0x%llx", static_cast<unsigned long long>(base + vma));
        args += " --add-section " + name + "='" + file + "' --change-section-vma " + name + "=" + buf;
    };
    uint64_t small = 0x20000;
    for (const auto& [name, content] : std::initializer_list<std::pair<const char*, const std::optional<std::string>*>>{
             {".osrel", &spec.osrel}, {".cmdline", &spec.cmdline}, {".uname", &spec.uname},
             {".pcrpkey", &spec.pcrpkey}, {".splash", &spec.splash}, {".dtb", &spec.dtb}})
        if (*content) {
            add(name, **content, small);
            small += round_up((*content)->size() + 1, 0x10000);
        }
    for (const auto& s : spec.extra) {
        add(s.name, s.data, small);
        small += round_up(s.data.size() + 1, 0x10000);
    }
    uint64_t vma = 0x1000000;
    auto add_payload = [&](const char* name, const std::string& data) {
        add(name, data, vma);
        vma = round_up(vma + data.size(), 0x200000);
    };
    if (spec.ucode)
        add_payload(".ucode", *spec.ucode);
    if (spec.linux_image)
        add_payload(".linux", *spec.linux_image);
    if (auto initrd = join_initrds(spec.initrds))
        add_payload(".initrd", *initrd);
    const std::string out = dir + "/objcopy.efi";
    require(run_shell("objcopy" + args + " '" + stub + "' '" + out + "' 2>" + dir + "/objcopy.err") == 0,
            "objcopy failed: " + read_file(dir + "/objcopy.err"));
    return read_file(out);
}

// The real ukify of systemd 257 or 262 (the systemd-ukify package, which
// scripts/install-deps extracts, never installs) on its own release's stub:
// each UkiSpec field becomes the ukify option that makes that section, with
// file contents passed as @PATH so that they arrive verbatim. Run with
// Debian's python3 (python3-pefile), not whatever python3 PATH finds first.
std::string real_ukify_build(UkiStyle style, const UkiSpec& spec, const std::string& stub) {
    const std::string dir = scratch_dir();
    int n = 0;
    auto file = [&](const std::string& data) { return write_file(dir + "/in" + std::to_string(n++), data); };
    std::string args = " --stub='" + stub + "'";
    auto opt = [&](const char* name, const std::string& value) { args += std::string(" '--") + name + "=" + value + "'"; };
    if (spec.linux_image)
        opt("linux", file(*spec.linux_image));
    for (const auto& initrd : spec.initrds)
        opt("initrd", file(initrd));
    if (spec.ucode)
        opt("microcode", file(*spec.ucode));
    // ukify fills .osrel from the build host's /etc/os-release and .uname
    // from the kernel's version string when they are not given: an empty
    // text makes no section, as the spec says, and keeps the host out.
    opt("os-release", spec.osrel ? "@" + file(*spec.osrel) : "");
    require(spec.uname.value_or("").find_first_of("'\n") == std::string::npos, "ukify takes --uname as one line of text");
    opt("uname", spec.uname.value_or(""));
    if (spec.cmdline)
        opt("cmdline", "@" + file(*spec.cmdline));
    for (const auto& [name, content] : std::initializer_list<std::pair<const char*, const std::optional<std::string>*>>{
             {"devicetree", &spec.dtb}, {"splash", &spec.splash}, {"pcrpkey", &spec.pcrpkey}})
        if (*content)
            opt(name, file(**content));
    if (spec.profile)
        opt("profile", "@" + file(*spec.profile));
    if (spec.sbat)
        opt("sbat", "@" + file(*spec.sbat));
    for (const auto& s : spec.extra)
        opt("section", s.name + ":@" + file(s.data));
    for (const auto& pe : spec.join_profiles)
        opt("join-profile", file(pe));
    if (spec.sign_kernel_and_uki) {
        args += " --sign-kernel --signtool=sbsign";
        opt("secureboot-private-key", spec.sign_kernel_and_uki->first);
        opt("secureboot-certificate", spec.sign_kernel_and_uki->second);
    }
    const std::string out = dir + "/ukify.efi";
    const std::string ukify = test_inputs_dir() + "/systemd-ukify-" + style_version(style) + "/usr/lib/systemd/ukify";
    require(!read_file(ukify).empty(), ukify + " is missing: run scripts/install-deps");
    require(run_shell("/usr/bin/python3 '" + ukify + "' build" + args + " --output='" + out + "' >'" + dir +
                      "/ukify.log' 2>&1") == 0,
            std::string(style_name(style)) + " failed: " + read_file(dir + "/ukify.log"));
    return read_file(out);
}

}  // namespace

const char* style_name(UkiStyle style) {
    switch (style) {
    case UkiStyle::Objcopy: return "objcopy on the 252 stub";
    case UkiStyle::Ukify252: return "ukify's layout (reproduced) on the 252 stub";
    case UkiStyle::Ukify254: return "ukify's layout (reproduced) on the 254 stub";
    case UkiStyle::Ukify257: return "ukify 257 on its own stub";
    case UkiStyle::Ukify262: return "ukify 262 on its own stub";
    }
    return "?";
}

bool is_real_ukify(UkiStyle style) { return style == UkiStyle::Ukify257 || style == UkiStyle::Ukify262; }

std::string style_version(UkiStyle style) {
    switch (style) {
    case UkiStyle::Objcopy:
    case UkiStyle::Ukify252: return "252";
    case UkiStyle::Ukify254: return "254";
    case UkiStyle::Ukify257: return "257";
    case UkiStyle::Ukify262: return "262";
    }
    return "?";
}

unsigned stub_release(UkiStyle style) { return static_cast<unsigned>(std::stoul(style_version(style))); }

std::string test_inputs_dir() {
    const char* env = std::getenv("KX_TEST_INPUTS");
    return env && *env ? env : "/var/cache/kexec-uki-test";
}

std::string systemd_boot_efi(const std::string& version, const std::string& file) {
    return test_inputs_dir() + "/systemd-boot-efi-" + version + "/usr/lib/systemd/boot/efi/" + file;
}

std::string stub_path(UkiStyle style) { return systemd_boot_efi(style_version(style), "linuxx64.efi.stub"); }

// systemd ships an addon stub since 254: the reproduced layouts and objcopy
// build addons on 254's, the real ukify on its own release's.
std::string addon_stub_path(UkiStyle style) {
    return systemd_boot_efi(is_real_ukify(style) ? style_version(style) : "254", "addonx64.efi.stub");
}

std::string ukify_build(const std::string& stub, const UkiSpec& spec, std::string& error) {
    error.clear();
    auto sections = ukify_sections(stub, spec, error);
    if (!error.empty())
        return {};
    return pe_add_sections(stub, sections, error);
}

std::string build_uki(UkiStyle style, const UkiSpec& spec) {
    require(!spec.sign_kernel_and_uki || is_real_ukify(style), "only the real ukify signs (--sign-kernel)");
    if (style == UkiStyle::Objcopy)
        return objcopy_build(stub_path(style), spec);
    if (is_real_ukify(style))
        return real_ukify_build(style, spec, stub_path(style));
    std::string error;
    std::string out = ukify_build(read_required(stub_path(style), style_name(style)), spec, error);
    require(error.empty(), std::string("ukify (") + style_name(style) + ") would refuse: " + error);
    return out;
}

std::string build_profile_pe(const UkiSpec& spec, UkiStyle style) {
    require(spec.profile && !spec.linux_image, "a profile PE has a .profile and no .linux");
    if (is_real_ukify(style))
        return real_ukify_build(style, spec, addon_stub_path(style));
    std::string error;
    std::string out = ukify_build(read_required(addon_stub_path(style), "addon stub"), spec, error);
    require(error.empty(), "ukify would refuse the profile PE: " + error);
    return out;
}

std::string build_addon(UkiStyle style, const UkiSpec& spec) {
    require(!spec.linux_image && !spec.profile, "an addon has no .linux and no .profile");
    if (style == UkiStyle::Objcopy)
        return objcopy_build(addon_stub_path(style), spec);  // objcopy --add-section .cmdline onto the addon stub
    if (is_real_ukify(style))
        return real_ukify_build(style, spec, addon_stub_path(style));
    std::string error;
    std::string out = ukify_build(read_required(addon_stub_path(style), "addon stub"), spec, error);
    require(error.empty(), "ukify would refuse the addon: " + error);
    return out;
}

std::string signed_efi_bzimage(const BzImageSpec& spec) {
    const std::string dir = scratch_dir();
    require(run_shell("openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj '/CN=kexec-uki test kernel key' "
                      "-keyout '" + dir + "/k.key' -out '" + dir + "/k.pem' >/dev/null 2>&1") == 0,
            "openssl could not make a test key");
    write_file(dir + "/bz", make_efi_bzimage(spec));
    require(run_shell("sbsign --key '" + dir + "/k.key' --cert '" + dir + "/k.pem' --output '" + dir +
                      "/bz.signed' '" + dir + "/bz' >/dev/null 2>&1") == 0,
            "sbsign failed (package sbsigntool)");
    return read_file(dir + "/bz.signed");
}

}  // namespace kxt
