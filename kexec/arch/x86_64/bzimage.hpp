// SPDX-License-Identifier: GPL-2.0-or-later
// The x86 boot protocol's setup header (Documentation/arch/x86/boot.rst),
// parsed into a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>

#include "base/result.hpp"

namespace kx::x86 {

// xloadflags bits
constexpr uint16_t XLF_KERNEL_64 = 1 << 0;
constexpr uint16_t XLF_CAN_BE_LOADED_ABOVE_4G = 1 << 1;
constexpr uint16_t XLF_EFI_HANDOVER_32 = 1 << 2;
constexpr uint16_t XLF_EFI_HANDOVER_64 = 1 << 3;
constexpr uint16_t XLF_EFI_KEXEC = 1 << 4;

struct SetupHeader {
    uint8_t setup_sects = 0;       // 0 means 4
    uint16_t boot_flag = 0;        // 0xAA55
    uint16_t protocol = 0;         // e.g. 0x020f
    uint8_t loadflags = 0;
    uint32_t code32_start = 0;
    uint32_t initrd_addr_max = 0;
    uint32_t kernel_alignment = 0;
    uint8_t relocatable_kernel = 0;
    uint8_t min_alignment = 0;
    uint16_t xloadflags = 0;
    uint32_t cmdline_size = 0;     // max command line length, excluding the NUL
    uint64_t pref_address = 0;
    uint32_t init_size = 0;
    uint32_t handover_offset = 0;
    std::string kernel_version;    // the kernel_version string, when present

    uint64_t setup_size() const { return (uint64_t{setup_sects ? setup_sects : 4u} + 1) * 512; }
};

// True when `image` carries "HdrS" at 0x202 and the 0xAA55 boot flag.
bool has_setup_header(std::span<const uint8_t> image);

// Parse and check what a 64-bit kexec needs: protocol >= 2.12, bzImage
// (loaded high), 64-bit entry. `name` prefixes errors.
Result<SetupHeader> parse_bzimage64(std::span<const uint8_t> image, const std::string& name);

// The boot protocol's rule, which kexec_load images follow: the command
// line (without its NUL) must fit cmdline_size. An error saying so, never
// a silently truncated line.
Status check_cmdline_fits(const SetupHeader& header, const std::string& cmdline, const std::string& name);

// kexec_file_load's stricter rule (arch/x86/kernel/kexec-bzimage64.c, for
// every load, not only crash ones): the line, its NUL and 30 bytes kept for
// "elfcorehdr=0x<64-bit value>" must fit cmdline_size; else EINVAL.
constexpr uint64_t kFileLoadCmdlineReserve = 30;  // MAX_ELFCOREHDR_STR_LEN
Status check_file_load_cmdline_fits(const SetupHeader& header, const std::optional<std::string>& cmdline,
                                    const std::string& name);

// Parse without the 64-bit checks (for reports such as --uki-info).
Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image, const std::string& name);

std::string protocol_string(uint16_t protocol);  // "2.15"
std::string xloadflags_string(uint16_t flags);   // "KERNEL_64|CAN_BE_LOADED_ABOVE_4G|..."

}  // namespace kx::x86
