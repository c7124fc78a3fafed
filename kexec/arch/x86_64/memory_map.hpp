// SPDX-License-Identifier: GPL-2.0-or-later
// The machine's memory map as the firmware reported it (for the next
// kernel's e820) and the free ranges segments may be placed in.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx::x86 {

// e820 types (arch/x86/include/uapi/asm/e820.h and the kernel's internal ones).
enum class E820Type : uint32_t {
    Ram = 1, Reserved = 2, Acpi = 3, Nvs = 4, Unusable = 5, Pmem = 7, Pram = 12,
    SoftReserved = 0xefffffff,
};

struct MemoryRange {
    uint64_t start = 0;
    uint64_t end = 0;  // inclusive, as /proc/iomem and /sys/firmware/memmap say
    E820Type type = E820Type::Reserved;
    uint64_t size() const { return end - start + 1; }
};

// "System RAM" -> Ram, "ACPI Tables" -> Acpi, ...; unknown names are Reserved.
E820Type e820_type_from_name(const std::string& name);

// One resource line of /proc/iomem, e.g. "  01000000-01e02fff : Kernel code".
struct IomemResource {
    uint64_t start = 0, end = 0;  // inclusive
    std::string name;
    bool nested = false;          // indented: inside another resource
};
std::vector<IomemResource> parse_iomem(std::string_view text);

// The e820 type of a top-level /proc/iomem resource; nullopt for what an
// e820 table does not describe (devices: PCI windows, video ROM...).
std::optional<E820Type> iomem_memory_type(const std::string& name);

// /sys/firmware/memmap (the firmware's own e820), else the top level of
// /proc/iomem. Sorted by start.
Result<std::vector<MemoryRange>> read_memory_map(const SystemView& sys);

// The e820 table the next kernel gets: the firmware's map, except that RAM
// below 0x400 (the real-mode interrupt vector table) is not reported, as
// kexec-tools does.
std::vector<MemoryRange> e820_for_next_kernel(const std::vector<MemoryRange>& map);

constexpr uint64_t kPageSize = 4096;
constexpr uint64_t page_align(uint64_t v) { return (v + kPageSize - 1) & ~(kPageSize - 1); }

// An address bound that does not bound anything.
constexpr uint64_t kNoLimit = ~0ull;
// The exclusive end after an inclusive last address (e820 ends, --mem-max),
// saturating instead of wrapping to 0 at the top of the address space.
constexpr uint64_t end_after(uint64_t last) { return last == kNoLimit ? kNoLimit : last + 1; }

// Free memory, as half-open [start, end) intervals, sorted.
struct Interval {
    uint64_t start, end;
};

class FreeMemory {
public:
    // RAM from `map`, above `min` (low memory stays untouched) and up to
    // `max` inclusive (--mem-min/--mem-max), without `excluded`.
    FreeMemory(const std::vector<MemoryRange>& map, uint64_t min, uint64_t max,
               const std::vector<Interval>& excluded = {});
    explicit FreeMemory(std::vector<Interval> free) : free_(std::move(free)) {}

    // Place `size` bytes aligned to `align` within [lo, hi) (hi exclusive),
    // as high as possible (top_down) or as low as possible; the range is
    // then taken. nullopt when nothing fits.
    std::optional<uint64_t> allocate(uint64_t size, uint64_t align, uint64_t lo, uint64_t hi, bool top_down);
    // Take a fixed range (it must be free).
    bool reserve(uint64_t start, uint64_t size);
    const std::vector<Interval>& intervals() const { return free_; }
    uint64_t largest() const;

private:
    void take(uint64_t start, uint64_t end);
    std::vector<Interval> free_;
};

// Pure: the hole for `size`/`align` inside `free` within [lo, hi).
std::optional<uint64_t> find_hole(const std::vector<Interval>& free, uint64_t size, uint64_t align,
                                  uint64_t lo, uint64_t hi, bool top_down);

}  // namespace kx::x86
