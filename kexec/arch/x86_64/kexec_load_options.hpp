// SPDX-License-Identifier: GPL-2.0-or-later
// What kexec_load (-c) takes from the command line beyond the boot inputs:
// kexec-tools' x86_64 and bzImage options, which only our image builder
// reads. The parser fills it (Options::kexec_load); the x86 code sees
// nothing else of the command line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace kx::x86 {

// How an ELF kernel gets its arguments (--args-linux, --args-elf, --args-none).
enum class ElfArgStyle { Linux, Elf, None };

struct KexecLoadOptions {
    // For kexec_load only: kexec_file_load ignores them, as kexec-tools' does
    // (ignored_by_file_load() names those given).
    uint64_t mem_min = 0;                 // --mem-min
    std::optional<uint64_t> mem_max;      // --mem-max
    std::optional<uint64_t> entry;        // --entry: started instead of the purgatory
    bool skip_checks = false;             // -i: the purgatory checks no digest
    bool reset_vga = false;
    std::optional<uint16_t> serial_base;  // --serial
    std::optional<uint32_t> serial_baud;  // --serial-baud
    bool console_vga = false;
    bool console_serial = false;
    bool pass_memmap_cmdline = false;
    bool noefi = false;
    bool reuse_video_type = false;

    // Judged for kexec_file_load too, which refuses them or needs no help.
    bool entry_32bit = false;             // kexec_file_load always starts the 64-bit entry
    bool real_mode = false;
    std::optional<ElfArgStyle> elf_args;  // an ELF kernel, which only kexec_load starts
    bool preserve_context = false;        // --load-preserve-context
    bool hotplug = false;                 // kexec_file_load: the kernel updates the headers itself

    std::vector<std::string> ignored_by_file_load() const {
        std::vector<std::string> given;
        auto add = [&](bool set, const char* name) {
            if (set)
                given.emplace_back(name);
        };
        add(mem_min != 0, "--mem-min");
        add(mem_max.has_value(), "--mem-max");
        add(reset_vga, "--reset-vga");
        add(serial_base.has_value(), "--serial");
        add(serial_baud.has_value(), "--serial-baud");
        add(console_vga, "--console-vga");
        add(console_serial, "--console-serial");
        add(pass_memmap_cmdline, "--pass-memmap-cmdline");
        add(noefi, "--noefi");
        add(reuse_video_type, "--reuse-video-type");
        add(skip_checks, "-i");
        add(entry.has_value(), "--entry");
        return given;
    }
};

}  // namespace kx::x86
