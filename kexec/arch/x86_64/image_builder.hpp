// SPDX-License-Identifier: GPL-2.0-or-later
// kexec_load for x86-64 kernels: where each piece goes, the zero page, the
// purgatory and its digests, as a SegmentLoadCall (data). Two kernel
// formats: a bzImage (64-bit, 32-bit or real-mode entry) and an ELF vmlinux.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/elf_kernel.hpp"
#include "arch/x86_64/kexec_load_options.hpp"
#include "arch/x86_64/memory_map.hpp"
#include "data/load_plan.hpp"
#include "base/result.hpp"

namespace kx::x86 {

// How the purgatory starts a bzImage (the x86 boot protocol's entry points).
enum class EntryMode {
    Long64,       // default: startup_64, rsi = boot params
    Protected32,  // --entry-32bit: startup_32 in protected mode, esi = boot params
    Real16,       // --real-mode: the kernel's real-mode setup code, which calls the BIOS
};

struct ImageOptions {
    bool crash = false;
    bool skip_checks = false;          // -i
    uint16_t serial_port = 0;          // --console-serial / --serial
    uint32_t serial_baud = 0;
    bool console_vga = false;          // --console-vga
    bool reset_vga = false;            // --reset-vga
    bool efi = true;                   // !--noefi
    bool reuse_video_type = false;
    std::string rng_seed;              // 32 random bytes; empty: none (the caller draws them)
    EntryMode entry_mode = EntryMode::Long64;
    ElfArgStyle elf_args = ElfArgStyle::Elf;  // kexec-tools' default for ELF kernels
    std::optional<uint64_t> entry;     // --entry: kexec_load's entry point instead of the purgatory
    // --reuseinitrd: the first boot's initrd, kept in RAM by retain_initrd:
    // pointed at, not loaded (its range must not be in `free`).
    std::optional<Interval> reused_initrd;
    // --load-preserve-context: every free page of [backup_min, backup_max]
    // becomes a segment, so the kernel swaps (keeps) all of it.
    bool preserve_context = false;
    uint64_t backup_min = 0, backup_max = ~0ull;
    // Extra segments (crash: ELF core headers, backup) placed by the caller.
    std::vector<Segment> extra_segments;
    unsigned long extra_flags = 0;     // KEXEC_ON_CRASH and the like, beyond the arch
    // Crash: the purgatory copies src..src+size to dst before starting the kernel.
    uint64_t backup_src = 0, backup_dst = 0, backup_size = 0;
};

// Place and build everything. `free` is where segments may go (all RAM but
// low memory and the crash region; or only the crash region for -p).
Result<SegmentLoadCall> build_kexec_image(const BootInputs& boot, const std::vector<MemoryRange>& e820,
                                          const PlatformInfo& platform, FreeMemory free,
                                          const ImageOptions& options, std::vector<std::string>& notes);

// The same for an ELF vmlinux: its PT_LOAD segments at their physical
// addresses, arguments as `options.elf_args` says.
Result<SegmentLoadCall> build_elf_image(const ElfKernel& kernel, const BootInputs& boot,
                                        const std::vector<MemoryRange>& e820, const PlatformInfo& platform,
                                        FreeMemory free, const ImageOptions& options,
                                        std::vector<std::string>& notes);

}  // namespace kx::x86
