// SPDX-License-Identifier: GPL-2.0-or-later
// kdump with kexec_load (-c -p): what the crash kernel needs besides its
// image. ELF64 core headers describing the crashed kernel's memory (a
// PT_NOTE per CPU, the vmcoreinfo note, the kernel text, every RAM range but
// the crash region), a backup of the first 640 KiB (the crash kernel's
// firmware and boot code may overwrite it), and the crash kernel's own e820,
// which only offers it the crash region. As kexec-tools does on x86_64.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/memory_map.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx::x86 {

// "Crash kernel" ranges in /proc/iomem (two with crashkernel=X,high: a low
// one below 4 GiB and the high one). Sorted by address.
Result<std::vector<Interval>> find_crash_regions(const SystemView& sys);
// What to do when there is none: boot with crashkernel=.
Error no_crash_region_error();
// The size of the region crash loads go to (the highest, as kexec-tools
// reports it for --print-ckr-size); 0 when none is reserved.
Result<uint64_t> crash_region_size(const SystemView& sys);

// --hotplug: the kernel rewrites the ELF core headers when CPUs or memory
// come and go, so their segment is as large as it says
// (/sys/kernel/crash_elfcorehdr_size); an error without CONFIG_CRASH_HOTPLUG.
Result<uint64_t> hotplug_headers_size(const SystemView& sys);

struct CrashDumpInfo {
    std::vector<Interval> crash_regions;  // where the crash kernel lives
    std::vector<MemoryRange> ranges;      // top-level RAM/ACPI/NVS/reserved/pmem of /proc/iomem, minus the crash regions
    struct Note {
        uint64_t address, size;
    };
    std::vector<Note> cpu_notes;          // per present CPU
    std::optional<Note> vmcoreinfo;
    uint64_t page_offset = 0xffff888000000000;  // base of the direct map (KASLR moves it: read from /proc/kcore)
    std::optional<uint64_t> kernel_paddr;       // "Kernel code" in /proc/iomem
    std::optional<uint64_t> kernel_vaddr;       // the kernel text mapping in /proc/kcore
    uint64_t kernel_size = 0;
    std::vector<std::string> notes;
};

Result<CrashDumpInfo> read_crash_dump_info(const SystemView& sys);

// The first RAM range below 640 KiB, which the purgatory saves at crash time.
struct Backup {
    uint64_t src = 0, size = 0, dst = 0;
};
Backup backup_source(const CrashDumpInfo& info);

// ELF64 core headers for the crashed kernel (the elfcorehdr= segment).
std::string build_elf_core_headers(const CrashDumpInfo& info, const Backup& backup);

// The crash kernel's memory map: the backup source and the crash regions as
// RAM, minus `taken` (backup copy, ELF headers), plus the firmware's ACPI,
// NVS, reserved and persistent memory ranges.
Result<std::vector<MemoryRange>> crash_kernel_e820(const CrashDumpInfo& info, const Backup& backup,
                                           const std::vector<Interval>& taken);

// " memmap=exactmap memmap=640K@0K ..." for --pass-memmap-cmdline.
std::string memmap_cmdline(const std::vector<MemoryRange>& e820);

}  // namespace kx::x86
