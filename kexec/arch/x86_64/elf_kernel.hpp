// SPDX-License-Identifier: GPL-2.0-or-later
// An x86-64 ELF kernel (vmlinux) read into plain values: where its PT_LOAD
// segments go in physical memory, and where it starts. Every offset and size
// is checked against the file.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace kx::x86 {

struct ElfLoad {
    uint64_t paddr = 0;   // p_paddr: where the segment goes
    uint64_t offset = 0;  // p_offset: where its bytes are in the file
    uint64_t filesz = 0, memsz = 0;
};

struct ElfKernel {
    uint64_t entry = 0;   // e_entry (physical for a vmlinux: phys_startup_64)
    std::vector<ElfLoad> loads;
    uint64_t end() const;  // highest paddr + memsz
};

// An ELF64 little-endian x86-64 executable with 1 to 16 PT_LOAD segments.
Result<ElfKernel> parse_elf_kernel(std::span<const uint8_t> file, const std::string& name);

}  // namespace kx::x86
