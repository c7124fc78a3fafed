// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/memory_map.hpp"

#include <algorithm>

#include "base/strings.hpp"

namespace kx::x86 {
namespace {

Result<std::vector<MemoryRange>> read_firmware_memmap(const SystemView& sys) {
    std::vector<MemoryRange> out;
    for (const std::string& entry : sys.list_dir("/sys/firmware/memmap")) {
        const std::string dir = "/sys/firmware/memmap/" + entry;
        auto start = sys.read_text(dir + "/start");
        auto end = sys.read_text(dir + "/end");
        auto type = sys.read_text(dir + "/type");
        if (!start.ok() || !end.ok() || !type.ok())
            return make_error(sys.resolve(dir) + ": incomplete memmap entry");
        auto s = parse_hex(*start), e = parse_hex(*end);
        if (!s || !e || *e < *s)
            return make_error(sys.resolve(dir) + ": bad range " + trim(*start) + "-" + trim(*end));
        out.push_back({*s, *e, e820_type_from_name(trim(*type))});
    }
    return out;
}

Result<std::vector<MemoryRange>> read_iomem(const SystemView& sys) {
    KX_ASSIGN(std::string text, sys.read_text("/proc/iomem"));
    std::vector<MemoryRange> out;
    for (const IomemResource& r : parse_iomem(text)) {
        if (r.nested)
            continue;  // nested resources are inside the top-level ones
        if (auto type = iomem_memory_type(r.name))
            out.push_back({r.start, r.end, *type});
    }
    if (out.empty())
        return make_error(sys.resolve("/proc/iomem") + ": no memory ranges (are you root?)");
    return out;
}

}  // namespace

E820Type e820_type_from_name(const std::string& name) {
    if (name == "System RAM")
        return E820Type::Ram;
    if (name == "ACPI Tables")
        return E820Type::Acpi;
    if (name == "ACPI Non-volatile Storage")
        return E820Type::Nvs;
    if (name == "Unusable memory")
        return E820Type::Unusable;
    if (name == "Persistent Memory (legacy)")
        return E820Type::Pram;
    if (name == "Persistent Memory")
        return E820Type::Pmem;
    if (name == "Soft Reserved")
        return E820Type::SoftReserved;
    return E820Type::Reserved;
}

std::vector<IomemResource> parse_iomem(std::string_view text) {
    std::vector<IomemResource> out;
    for (const std::string& line : split_lines(text)) {
        std::string_view l = trim_view(line);
        const size_t colon = l.find(" : ");
        const size_t dash = l.substr(0, colon).find('-');
        if (colon == std::string_view::npos || dash == std::string_view::npos)
            continue;
        auto start = parse_hex(l.substr(0, dash)), end = parse_hex(l.substr(dash + 1, colon - dash - 1));
        if (!start || !end || *end < *start)
            continue;
        out.push_back({*start, *end, std::string(l.substr(colon + 3)), !line.empty() && line[0] == ' '});
    }
    return out;
}

std::optional<E820Type> iomem_memory_type(const std::string& name) {
    E820Type type = e820_type_from_name(name);
    if (type == E820Type::Reserved && name != "Reserved" && name != "reserved")
        return std::nullopt;
    return type;
}

Result<std::vector<MemoryRange>> read_memory_map(const SystemView& sys) {
    std::vector<MemoryRange> map;
    if (sys.exists("/sys/firmware/memmap")) {
        KX_ASSIGN(map, read_firmware_memmap(sys));
    }
    if (map.empty()) {
        KX_ASSIGN(map, read_iomem(sys));
    }
    std::sort(map.begin(), map.end(), [](const MemoryRange& a, const MemoryRange& b) { return a.start < b.start; });
    return map;
}

std::vector<MemoryRange> e820_for_next_kernel(const std::vector<MemoryRange>& map) {
    constexpr uint64_t kIvtEnd = 0x400;
    std::vector<MemoryRange> out = map;
    for (MemoryRange& r : out)
        if (r.type == E820Type::Ram && r.start < kIvtEnd && r.end >= kIvtEnd) {
            r.start = kIvtEnd;
            break;
        }
    return out;
}

std::optional<uint64_t> find_hole(const std::vector<Interval>& free, uint64_t size, uint64_t align, uint64_t lo,
                                  uint64_t hi, bool top_down) {
    if (size == 0 || align == 0 || (align & (align - 1)))
        return std::nullopt;
    std::optional<uint64_t> best;
    for (const Interval& iv : free) {
        uint64_t start = std::max(iv.start, lo), end = std::min(iv.end, hi);
        if (start >= end || end - start < size)
            continue;
        if (top_down) {
            uint64_t at = (end - size) & ~(align - 1);
            if (at >= start && (!best || at > *best))
                best = at;
        } else {
            uint64_t at = (start + align - 1) & ~(align - 1);
            if (at >= start && at <= end - size && (!best || at < *best))
                best = at;
        }
    }
    return best;
}

FreeMemory::FreeMemory(const std::vector<MemoryRange>& map, uint64_t min, uint64_t max,
                       const std::vector<Interval>& excluded) {
    for (const MemoryRange& r : map) {
        if (r.type != E820Type::Ram)
            continue;
        uint64_t start = std::max(r.start, min);
        uint64_t end = std::min(r.end, max);  // inclusive
        if (start > end)
            continue;
        // Merge with an adjacent RAM range.
        if (!free_.empty() && free_.back().end == start)
            free_.back().end = end_after(end);
        else
            free_.push_back({start, end_after(end)});
    }
    for (const Interval& x : excluded)
        take(x.start, x.end);
}

void FreeMemory::take(uint64_t start, uint64_t end) {
    std::vector<Interval> out;
    for (const Interval& iv : free_) {
        if (end <= iv.start || start >= iv.end) {
            out.push_back(iv);
            continue;
        }
        if (iv.start < start)
            out.push_back({iv.start, start});
        if (end < iv.end)
            out.push_back({end, iv.end});
    }
    free_ = std::move(out);
}

std::optional<uint64_t> FreeMemory::allocate(uint64_t size, uint64_t align, uint64_t lo, uint64_t hi,
                                             bool top_down) {
    auto at = find_hole(free_, size, align, lo, hi, top_down);
    if (at)
        take(*at, *at + size);
    return at;
}

bool FreeMemory::reserve(uint64_t start, uint64_t size) {
    if (start + size < start)
        return false;  // a range past the end of the address space is in no free interval
    for (const Interval& iv : free_)
        if (start >= iv.start && start + size <= iv.end) {
            take(start, start + size);
            return true;
        }
    return false;
}

uint64_t FreeMemory::largest() const {
    uint64_t best = 0;
    for (const Interval& iv : free_)
        best = std::max(best, iv.end - iv.start);
    return best;
}

}  // namespace kx::x86
