// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: kdump for -c -p from a fake /proc and /sys: crash
// regions, CPU notes, vmcoreinfo, /proc/kcore's program headers and
// kallsyms, then the ELF core headers, the crash kernel's e820 and memmap=.
#include "arch/x86_64/crashdump.hpp"
#include "base/byte_reader.hpp"
#include "fuzz_common.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    using namespace kx::x86;
    FuzzedDataProvider in(data, size);
    kx::SystemView sys = kxf::empty_machine();
    sys.set_file("/proc/iomem", in.ConsumeRandomLengthString(4096));
    const unsigned cpus = in.ConsumeIntegralInRange<unsigned>(0, 8);
    for (unsigned i = 0; i < cpus; i++) {
        const std::string dir = "/sys/devices/system/cpu/cpu" + std::to_string(i);
        sys.set_file(dir + "/crash_notes", in.ConsumeRandomLengthString(24));
        if (in.ConsumeBool())
            sys.set_file(dir + "/crash_notes_size", in.ConsumeRandomLengthString(12));
    }
    if (in.ConsumeBool())
        sys.set_file("/sys/kernel/vmcoreinfo", in.ConsumeRandomLengthString(48));
    if (in.ConsumeBool())
        sys.set_file("/proc/kallsyms", in.ConsumeRandomLengthString(256));
    sys.set_file("/proc/kcore", in.ConsumeRemainingBytesAsString());

    auto info = read_crash_dump_info(sys);
    if (!info.ok())
        return 0;
    KXF_CHECK(!info->crash_regions.empty() && !info->cpu_notes.empty());
    Backup backup = backup_source(*info);
    backup.dst = info->crash_regions.back().start;
    const std::string headers = build_elf_core_headers(*info, backup);
    const auto h = std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(headers.data()), headers.size());
    KXF_CHECK(headers.size() == 64 + 56 * size_t{kx::le16(h, 56)});  // e_phnum says how many follow
    auto e820 = crash_kernel_e820(*info, backup, {{backup.dst, backup.dst + 4096}});
    if (e820.ok())
        (void)memmap_cmdline(*e820);
    return 0;
}
