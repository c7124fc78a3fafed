// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/purgatory.hpp"

#include <algorithm>
#include <cstring>

#include "base/byte_reader.hpp"
#include "base/strings.hpp"

extern "C" const uint8_t kx_purgatory_blob[];
extern "C" const uint8_t kx_purgatory_blob_end[];

namespace kx::x86 {
namespace {

constexpr uint32_t SHT_SYMTAB = 2, SHT_RELA = 4, SHT_NOBITS = 8;
constexpr uint64_t SHF_ALLOC = 2;
constexpr uint16_t SHN_UNDEF = 0, SHN_ABS = 0xfff1, SHN_COMMON = 0xfff2;
constexpr uint32_t R_X86_64_NONE = 0, R_X86_64_64 = 1, R_X86_64_PC32 = 2, R_X86_64_PLT32 = 4,
                   R_X86_64_32 = 10, R_X86_64_32S = 11, R_X86_64_PC64 = 24;

Error bad(const std::string& what) { return make_error("embedded purgatory: " + what); }

}  // namespace

std::span<const uint8_t> embedded_purgatory() {
    // Two symbols around one blob (purgatory-blob.S), not two objects.
    // cppcheck-suppress comparePointers
    return {kx_purgatory_blob, static_cast<size_t>(kx_purgatory_blob_end - kx_purgatory_blob)};
}

Result<Purgatory> Purgatory::parse(std::span<const uint8_t> elf) {
    if (elf.size() < 64 || std::memcmp(elf.data(), "\x7f" "ELF", 4) != 0 || elf[4] != 2 || elf[5] != 1)
        return bad("not a little-endian ELF64 object");
    if (le16(elf, 16) != 1 /*ET_REL*/ || le16(elf, 18) != 62 /*EM_X86_64*/)
        return bad("not an x86-64 relocatable object");
    const uint64_t shoff = le64(elf, 40);
    const uint64_t shentsize = le16(elf, 58), shnum = le16(elf, 60);
    if (shentsize != 64 || !fits(elf, shoff, shnum * 64))
        return bad("section headers out of bounds");
    struct Shdr {
        uint32_t type;
        uint64_t flags, offset, size, addralign;
        uint32_t link, info;
    };
    std::vector<Shdr> sh(shnum);
    for (uint64_t i = 0; i < shnum; i++) {
        const uint64_t h = shoff + i * 64;
        sh[i] = {le32(elf, h + 4), le64(elf, h + 8), le64(elf, h + 24), le64(elf, h + 32), le64(elf, h + 48),
                 le32(elf, h + 40), le32(elf, h + 44)};
        if (sh[i].type != SHT_NOBITS && !fits(elf, sh[i].offset, sh[i].size))
            return bad("section " + std::to_string(i) + " out of bounds");
    }

    Purgatory p;
    p.section_offset_.assign(shnum, -1);
    for (uint64_t i = 0; i < shnum; i++) {
        if (!(sh[i].flags & SHF_ALLOC) || sh[i].size == 0)
            continue;
        const uint64_t align = std::max<uint64_t>(sh[i].addralign, 1);
        if (align & (align - 1))
            return bad("section alignment is not a power of two");
        p.alignment_ = std::max(p.alignment_, align);
        uint64_t at = (p.image_.size() + align - 1) & ~(align - 1);
        p.image_.resize(at, '\0');
        p.section_offset_[i] = static_cast<int64_t>(at);
        if (sh[i].type == SHT_NOBITS)
            p.image_.append(sh[i].size, '\0');
        else
            p.image_.append(reinterpret_cast<const char*>(elf.data() + sh[i].offset), sh[i].size);
    }

    for (uint64_t i = 0; i < shnum; i++) {
        if (sh[i].type == SHT_SYMTAB) {
            if (sh[i].link >= shnum)
                return bad("symbol table without string table");
            const Shdr& strtab = sh[sh[i].link];
            for (uint64_t at = sh[i].offset; at + 24 <= sh[i].offset + sh[i].size; at += 24) {
                const uint32_t name = le32(elf, at);
                if (name >= strtab.size)
                    return bad("symbol name out of bounds");
                p.symbols_.push_back(Symbol{c_string(elf, strtab.offset + name, strtab.size - name),
                                            le16(elf, at + 6), le64(elf, at + 8), le64(elf, at + 16)});
            }
        } else if (sh[i].type == SHT_RELA && sh[i].info < shnum && (sh[sh[i].info].flags & SHF_ALLOC)) {
            for (uint64_t at = sh[i].offset; at + 24 <= sh[i].offset + sh[i].size; at += 24) {
                const uint64_t info = le64(elf, at + 8);
                p.relocations_.push_back(Rela{static_cast<uint16_t>(sh[i].info), le64(elf, at), info >> 32,
                                              static_cast<uint32_t>(info),
                                              static_cast<int64_t>(le64(elf, at + 16))});
            }
        }
    }
    return p;
}

Result<uint64_t> Purgatory::symbol_value(const Symbol& s) const {
    if (s.section == SHN_ABS)
        return s.value;
    if (s.section == SHN_UNDEF)
        return bad("undefined symbol " + quote(s.name));
    if (s.section == SHN_COMMON || s.section >= section_offset_.size() || section_offset_[s.section] < 0)
        return bad("symbol " + quote(s.name) + " is not in an allocated section");
    return load_address_ + static_cast<uint64_t>(section_offset_[s.section]) + s.value;
}

Status Purgatory::relocate(uint64_t load_address) {
    if (relocated_)
        return bad("relocated twice");
    if (load_address % alignment_)
        return bad("load address " + hex(load_address) + " is not aligned to " + hex(alignment_));
    load_address_ = load_address;
    for (const Rela& r : relocations_) {
        if (r.symbol >= symbols_.size())
            return bad("relocation against a missing symbol");
        KX_ASSIGN(uint64_t S, symbol_value(symbols_[r.symbol]));
        const uint64_t base = static_cast<uint64_t>(section_offset_[r.target]);
        const uint64_t P = load_address_ + base + r.offset;
        const uint64_t v = S + static_cast<uint64_t>(r.addend);
        const uint64_t width = (r.type == R_X86_64_64 || r.type == R_X86_64_PC64) ? 8 : 4;
        if (base + r.offset + width > image_.size())
            return bad("relocation outside the image");
        uint8_t* at = reinterpret_cast<uint8_t*>(image_.data() + base + r.offset);
        switch (r.type) {
        case R_X86_64_NONE: break;
        case R_X86_64_64: put_le64(at, v); break;
        case R_X86_64_PC64: put_le64(at, v - P); break;
        case R_X86_64_PC32:
        case R_X86_64_PLT32: {
            const int64_t rel = static_cast<int64_t>(v - P);
            if (rel != static_cast<int32_t>(rel))
                return bad("PC-relative relocation out of range");
            put_le32(at, static_cast<uint32_t>(rel));
            break;
        }
        case R_X86_64_32:
            if (v > UINT32_MAX)
                return bad("R_X86_64_32 out of range: place the purgatory below 4 GiB");
            put_le32(at, static_cast<uint32_t>(v));
            break;
        case R_X86_64_32S:
            if (static_cast<int64_t>(v) != static_cast<int32_t>(v))
                return bad("R_X86_64_32S out of range: place the purgatory below 2 GiB");
            put_le32(at, static_cast<uint32_t>(v));
            break;
        default: return bad("unsupported relocation type " + std::to_string(r.type));
        }
    }
    relocated_ = true;
    return {};
}

const Purgatory::Symbol* Purgatory::find(const std::string& name) const {
    for (const Symbol& s : symbols_)
        if (s.name == name && s.section != SHN_UNDEF)
            return &s;
    return nullptr;
}

Result<uint64_t> Purgatory::symbol_address(const std::string& name) const {
    const Symbol* s = find(name);
    if (!s)
        return bad("no symbol " + quote(name));
    return symbol_value(*s);
}

Result<uint64_t> Purgatory::symbol_size(const std::string& name) const {
    const Symbol* s = find(name);
    if (!s)
        return bad("no symbol " + quote(name));
    return s->size;
}

Status Purgatory::set_symbol(const std::string& name, std::span<const uint8_t> bytes) {
    const Symbol* s = find(name);
    if (!s)
        return bad("no symbol " + quote(name));
    if (bytes.size() > s->size)
        return bad("value too large for " + quote(name));
    if (s->section >= section_offset_.size() || section_offset_[s->section] < 0)
        return bad(quote(name) + " is not in an allocated section");
    const uint64_t at = static_cast<uint64_t>(section_offset_[s->section]) + s->value;
    if (at + bytes.size() > image_.size())
        return bad(quote(name) + " lies outside the image");
    std::memcpy(image_.data() + at, bytes.data(), bytes.size());
    return {};
}

}  // namespace kx::x86
