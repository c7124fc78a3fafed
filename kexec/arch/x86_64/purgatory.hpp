// SPDX-License-Identifier: GPL-2.0-or-later
// The purgatory: our freestanding code that runs between the kernels
// (purgatory/), embedded in this binary as a relocatable ELF object and
// placed by a small ELF relocator: lay out its allocated sections, resolve
// its relocations for the chosen physical address, then fill in its
// variables (digests, registers) by symbol name.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace kx::x86 {

std::span<const uint8_t> embedded_purgatory();

class Purgatory {
public:
    // Parse an ELF64 x86-64 relocatable object (bounds-checked).
    static Result<Purgatory> parse(std::span<const uint8_t> elf);

    uint64_t size() const { return image_.size(); }  // text, data and bss
    uint64_t alignment() const { return alignment_; }

    // Resolve relocations for `load_address`; call once, before set_symbol.
    Status relocate(uint64_t load_address);
    uint64_t load_address() const { return load_address_; }

    Result<uint64_t> symbol_address(const std::string& name) const;
    Result<uint64_t> symbol_size(const std::string& name) const;
    // Overwrite a variable's bytes (must fit its symbol size).
    Status set_symbol(const std::string& name, std::span<const uint8_t> bytes);
    template <class T>
    Status set(const std::string& name, const T& value) {
        return set_symbol(name, {reinterpret_cast<const uint8_t*>(&value), sizeof value});
    }

    const std::string& image() const { return image_; }

private:
    struct Symbol {
        std::string name;
        uint16_t section;  // st_shndx
        uint64_t value, size;
    };
    struct Rela {
        uint16_t target;  // section the relocation patches
        uint64_t offset, symbol;
        uint32_t type;
        int64_t addend;
    };
    Result<uint64_t> symbol_value(const Symbol& s) const;
    const Symbol* find(const std::string& name) const;

    std::string image_;
    uint64_t alignment_ = 16;
    uint64_t load_address_ = 0;
    bool relocated_ = false;
    std::vector<int64_t> section_offset_;  // -1: not allocated
    std::vector<Symbol> symbols_;
    std::vector<Rela> relocations_;
};

}  // namespace kx::x86
