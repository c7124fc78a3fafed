// SPDX-License-Identifier: GPL-2.0-or-later
// zeropage-diff KEXEC_TOOLS_DUMP KEXEC_UKI_DUMP
//
// Compare, field by field, the boot parameters two kexec_load calls would
// pass (segment dumps written by libkexec-shim.so in KX_SHIM=dump mode):
// e820, efi_info and the EFI memory map, SETUP_EFI, screen_info,
// acpi_rsdp_addr, hardware_subarch, type_of_loader, initrd size, command
// line. Any difference fails (exit 1). What is compared is what the next
// kernel reads; where things are placed is not (see
// doc/differences-from-kexec-tools.md).
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "base/byte_reader.hpp"
#include "base/strings.hpp"

namespace {

struct Dump {
    std::string name;
    std::map<uint64_t, std::string> segments;  // mem -> bytes (bufsz)
    std::string page;                          // the zero page segment
    uint64_t page_at = 0;

    // Bytes at physical address `at` (inside some dumped segment).
    std::optional<std::string> at(uint64_t addr, uint64_t len) const {
        for (const auto& [mem, bytes] : segments)
            if (addr >= mem && addr + len <= mem + bytes.size())
                return bytes.substr(addr - mem, len);
        return std::nullopt;
    }
};

std::string slurp(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    std::stringstream ss;
    ss << f.rdbuf();
    return ss.str();
}

std::optional<Dump> load(const std::string& dir, const std::string& name) {
    Dump d;
    d.name = name;
    std::istringstream summary(slurp(dir + "/segments"));
    std::string line;
    while (std::getline(summary, line)) {
        char seg[32];
        unsigned long mem = 0, memsz = 0, bufsz = 0;
        if (std::sscanf(line.c_str(), "%31s mem %lx memsz %lx bufsz %lx", seg, &mem, &memsz, &bufsz) != 4)
            continue;
        std::string bytes = slurp(dir + "/" + seg + ".bin");
        if (bytes.empty())
            continue;  // not exported (large: kernel, initrd)
        d.segments[mem] = bytes;
        if (bytes.size() >= 4096 && bytes.compare(0x202, 4, "HdrS") == 0) {
            d.page = bytes.substr(0, 4096);
            d.page_at = mem;
        }
    }
    if (d.page.empty()) {
        std::fprintf(stderr, "zeropage-diff: no boot parameters segment in %s\n", dir.c_str());
        return std::nullopt;
    }
    return d;
}

std::span<const uint8_t> span(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }
uint64_t u8(const std::string& s, size_t o) { return static_cast<uint8_t>(s[o]); }
uint64_t u32(const std::string& s, size_t o) { return kx::le32(span(s), o); }
uint64_t u64(const std::string& s, size_t o) { return kx::le64(span(s), o); }

// e820 entries, including SETUP_E820_EXT ones.
std::string e820(const Dump& d) {
    std::string out;
    for (uint64_t i = 0; i < u8(d.page, 0x1e8); i++)
        out += kx::hex(u64(d.page, 0x2d0 + 20 * i)) + "+" + kx::hex(u64(d.page, 0x2d0 + 20 * i + 8)) + ":" +
               std::to_string(u32(d.page, 0x2d0 + 20 * i + 16)) + " ";
    return out;
}

// setup_data nodes by type: type -> payload.
std::map<uint32_t, std::string> setup_data(const Dump& d) {
    std::map<uint32_t, std::string> out;
    uint64_t next = u64(d.page, 0x250);
    for (int guard = 0; next && guard < 32; guard++) {
        auto hdr = d.at(next, 16);
        if (!hdr)
            break;
        uint32_t type = static_cast<uint32_t>(u32(*hdr, 8)), len = static_cast<uint32_t>(u32(*hdr, 12));
        out[type] = d.at(next + 16, len).value_or("");
        next = u64(*hdr, 0);
    }
    return out;
}

std::string cmdline(const Dump& d) {
    uint64_t ptr = u32(d.page, 0x228) | (u32(d.page, 0xc8) << 32);
    for (uint64_t len = 1; len < 4096; len++) {
        auto s = d.at(ptr, len);
        if (!s)
            return "(unreadable at " + kx::hex(ptr) + ")";
        if (s->back() == '\0')
            return s->substr(0, len - 1);
    }
    return "(unterminated)";
}

// The EFI runtime map's descriptors, sorted: the order follows readdir() of
// /sys/firmware/efi/runtime-map in kexec-tools and is meaningless.
std::string efi_memmap(const Dump& d) {
    uint64_t at = u32(d.page, 0x1d0) | (u32(d.page, 0x1dc) << 32), size = u32(d.page, 0x1d4);
    uint64_t desc = u32(d.page, 0x1c8);
    if (!size)
        return "(none)";
    auto m = d.at(at, size);
    if (!m || !desc)
        return "(unreadable)";
    std::vector<std::string> entries;
    for (uint64_t o = 0; o + desc <= m->size(); o += desc)
        entries.push_back(kx::hex_bytes(reinterpret_cast<const uint8_t*>(m->data() + o), desc));
    std::sort(entries.begin(), entries.end());
    std::string out = std::to_string(entries.size()) + " entries: ";
    for (const auto& e : entries)
        out += e + " ";
    return out;
}

struct Comparison {
    int unexpected = 0;
    void field(const std::string& what, const std::string& a, const std::string& b, const char* accepted = nullptr) {
        if (a == b) {
            std::printf("MATCH %-18s %s\n", what.c_str(), a.size() > 60 ? (a.substr(0, 57) + "...").c_str() : a.c_str());
            return;
        }
        std::printf("DIFF  %-18s kexec-tools: %s\n      %-18s kexec-uki:   %s\n", what.c_str(),
                    a.size() > 200 ? (a.substr(0, 197) + "...").c_str() : a.c_str(), "",
                    b.size() > 200 ? (b.substr(0, 197) + "...").c_str() : b.c_str());
        if (accepted) {
            std::printf("      %-18s accepted: %s\n", "", accepted);
        } else {
            std::printf("      %-18s UNEXPECTED\n", "");
            unexpected++;
        }
    }
};

std::string hexfield(const std::string& page, size_t off, size_t len) {
    return kx::hex_bytes(reinterpret_cast<const uint8_t*>(page.data() + off), len);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::fprintf(stderr, "usage: zeropage-diff KEXEC_TOOLS_DUMP KEXEC_UKI_DUMP\n");
        return 2;
    }
    auto kt = load(argv[1], "kexec-tools"), ku = load(argv[2], "kexec-uki");
    if (!kt || !ku)
        return 2;
    Comparison c;
    c.field("type_of_loader", kx::hex(u8(kt->page, 0x210)), kx::hex(u8(ku->page, 0x210)));
    c.field("hardware_subarch", kx::hex(u32(kt->page, 0x23c)), kx::hex(u32(ku->page, 0x23c)));
    c.field("e820", e820(*kt), e820(*ku));
    auto kt_sd = setup_data(*kt), ku_sd = setup_data(*ku);
    c.field("e820_ext", kt_sd.count(1) ? kx::hex_bytes(span(kt_sd[1]).data(), kt_sd[1].size()) : "(none)",
            ku_sd.count(1) ? kx::hex_bytes(span(ku_sd[1]).data(), ku_sd[1].size()) : "(none)");
    // efi_info without the memmap pointer (placement differs by design).
    auto efi_info = [](const std::string& p) {
        return hexfield(p, 0x1c0, 0x10) + " size " + kx::hex(u32(p, 0x1d4)) + " systab_hi " + kx::hex(u32(p, 0x1d8));
    };
    c.field("efi_info", efi_info(kt->page), efi_info(ku->page));
    c.field("efi_memmap", efi_memmap(*kt), efi_memmap(*ku));
    c.field("SETUP_EFI", kt_sd.count(4) ? kx::hex_bytes(span(kt_sd[4]).data(), kt_sd[4].size()) : "(none)",
            ku_sd.count(4) ? kx::hex_bytes(span(ku_sd[4]).data(), ku_sd[4].size()) : "(none)");
    c.field("acpi_rsdp_addr", kx::hex(u64(kt->page, 0x70)), kx::hex(u64(ku->page, 0x70)));
    // cl_offset (0x22) is where each tool put the command line: layout, not meaning.
    auto screen = [](const std::string& p) { return hexfield(p, 0, 0x22) + "...." + hexfield(p, 0x24, 0x1c); };
    c.field("screen_info", screen(kt->page), screen(ku->page));
    c.field("ramdisk_size", kx::hex(u32(kt->page, 0x21c)), kx::hex(u32(ku->page, 0x21c)));
    c.field("cmdline", cmdline(*kt), cmdline(*ku));
    c.field("setup_data types",
            [&] { std::string s; for (auto& [t, _] : kt_sd) s += std::to_string(t) + " "; return s; }(),
            [&] { std::string s; for (auto& [t, _] : ku_sd) s += std::to_string(t) + " "; return s; }());
    std::printf("%d unexpected differences\n", c.unexpected);
    return c.unexpected ? 1 : 0;
}
