// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: the machine's memory as /proc/iomem and
// /sys/firmware/memmap describe it, the next kernel's e820, and the
// free-memory hole finder.
#include <algorithm>

#include "arch/x86_64/memory_map.hpp"
#include "fuzz_common.hpp"
#include "base/strings.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kx::x86;
    FuzzedDataProvider in(data, size);
    const std::string iomem = in.ConsumeRandomLengthString(8192);
    for (const IomemResource& r : parse_iomem(iomem))
        (void)iomem_memory_type(r.name);

    kx::SystemView sys = kxf::empty_machine();
    const unsigned entries = in.ConsumeIntegralInRange<unsigned>(0, 24);
    for (unsigned i = 0; i < entries; i++) {
        const std::string dir = "/sys/firmware/memmap/" + std::to_string(i);
        sys.set_file(dir + "/start", in.ConsumeRandomLengthString(24));
        sys.set_file(dir + "/end", in.ConsumeRandomLengthString(24));
        sys.set_file(dir + "/type", in.ConsumeRandomLengthString(24));
    }
    auto map = read_memory_map(sys);
    if (!map.ok())
        return 0;
    for (const MemoryRange& r : *map)
        KXF_CHECK(r.start <= r.end);
    (void)e820_for_next_kernel(*map);

    const uint64_t min = in.ConsumeIntegral<uint64_t>(), max = in.ConsumeIntegral<uint64_t>();
    FreeMemory free(*map, min, max);
    while (in.remaining_bytes() > 0) {
        const uint64_t want = in.ConsumeIntegralInRange<uint64_t>(1, 1ull << 40);
        const uint64_t align = 1ull << in.ConsumeIntegralInRange<unsigned>(0, 40);
        const uint64_t lo = in.ConsumeIntegral<uint64_t>(), hi = in.ConsumeIntegral<uint64_t>();
        const bool top_down = in.ConsumeBool();
        const auto before = free.intervals();
        auto at = free.allocate(want, align, lo, hi, top_down);
        if (!at)
            continue;
        // Found: aligned, inside [lo, hi), inside what was free, and gone now.
        KXF_CHECK(*at % align == 0 && *at >= lo && *at + want <= hi && *at + want > *at);
        KXF_CHECK(std::any_of(before.begin(), before.end(),
                              [&](const Interval& iv) { return *at >= iv.start && *at + want <= iv.end; }));
        for (const Interval& iv : free.intervals())
            KXF_CHECK(*at + want <= iv.start || *at >= iv.end);
    }
    return 0;
}
