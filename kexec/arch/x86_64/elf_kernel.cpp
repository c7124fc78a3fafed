// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/elf_kernel.hpp"
#include "arch/x86_64/memory_map.hpp"

#include <cstring>

#include "base/byte_reader.hpp"
#include "sys/kexec_abi.hpp"
#include "base/strings.hpp"

namespace kx::x86 {
namespace {

constexpr uint64_t kElfHeaderSize = 64, kPhdrSize = 56;
constexpr uint16_t kEtExec = 2, kEmX86_64 = 62;
constexpr uint32_t kPtLoad = 1;

}  // namespace

uint64_t ElfKernel::end() const {
    uint64_t top = 0;
    for (const ElfLoad& l : loads)
        top = std::max(top, l.paddr + l.memsz);
    return top;
}

Result<ElfKernel> parse_elf_kernel(std::span<const uint8_t> f, const std::string& name) {
    auto bad = [&](const std::string& what) { return make_error(name + ": " + what); };
    if (f.size() < kElfHeaderSize || std::memcmp(f.data(), "\x7f" "ELF", 4) != 0)
        return bad("not an ELF file");
    if (f[4] != 2 || f[5] != 1)
        return bad("not a 64-bit little-endian ELF file");
    if (le16(f, 16) != kEtExec || le16(f, 18) != kEmX86_64)
        return bad("not an x86-64 ELF executable (e_type " + std::to_string(le16(f, 16)) + ", e_machine " +
                   std::to_string(le16(f, 18)) + ")");
    ElfKernel k;
    k.entry = le64(f, 24);
    const uint64_t phoff = le64(f, 32), phentsize = le16(f, 54), phnum = le16(f, 56);
    if (phentsize != kPhdrSize)
        return bad("program header size " + std::to_string(phentsize) + ", expected 56");
    if (!fits(f, phoff, phnum * kPhdrSize))
        return bad("program headers (" + std::to_string(phnum) + " at " + hex(phoff) + ") extend past the end of the file");
    for (uint64_t i = 0; i < phnum; i++) {
        const uint64_t at = phoff + i * kPhdrSize;
        if (le32(f, at) != kPtLoad)
            continue;
        ElfLoad l{le64(f, at + 24), le64(f, at + 8), le64(f, at + 32), le64(f, at + 40)};
        const std::string seg = "PT_LOAD #" + std::to_string(i);
        if (!fits(f, l.offset, l.filesz))
            return bad(seg + " (offset " + hex(l.offset) + ", size " + hex(l.filesz) + ") extends past the end of the file");
        if (l.filesz > l.memsz)
            return bad(seg + ": p_filesz " + hex(l.filesz) + " exceeds p_memsz " + hex(l.memsz));
        // Loaded in whole pages: the range rounded up to one must fit too.
        if (l.paddr + l.memsz < l.paddr || page_align(l.paddr + l.memsz) < l.paddr + l.memsz)
            return bad(seg + ": physical range " + hex(l.paddr) + "+" + hex(l.memsz) + " overflows");
        if (l.memsz != 0)
            k.loads.push_back(l);
    }
    if (k.loads.empty())
        return bad("no PT_LOAD segment to load");
    if (k.loads.size() > abi::KEXEC_SEGMENT_MAX - 2)
        return bad(std::to_string(k.loads.size()) + " PT_LOAD segments; kexec takes 16 segments in all");
    return k;
}

}  // namespace kx::x86
