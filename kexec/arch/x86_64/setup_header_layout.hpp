// SPDX-License-Identifier: GPL-2.0-or-later
// Where the fields of the x86 boot protocol's setup header lie, by name
// (Documentation/arch/x86/boot.rst, struct setup_header in
// arch/x86/include/uapi/asm/bootparam.h). The header sits at 0x1f1 both in
// a bzImage file and in the zero page (struct boot_params.hdr), so these
// offsets, from the start of either, serve the bzImage reader (bzimage.cpp),
// the zero page (boot_params.*, whose other fields extend namespace bp) and
// the tests that build or check headers.
#pragma once

#include <cstddef>

namespace kx::x86::bp {

constexpr size_t hdr = 0x1f1;  // boot_params.hdr: struct setup_header starts here
constexpr size_t setup_sects = 0x1f1;
constexpr size_t boot_flag = 0x1fe;  // 0xAA55
// A short jump (EB rel8) over the header: the header ends at `header` plus
// the jump's displacement, the byte at jump + 1.
constexpr size_t jump = 0x200;
constexpr size_t header = 0x202;  // "HdrS"
constexpr size_t version = 0x206;  // the boot protocol version, e.g. 0x020f
constexpr size_t kernel_version = 0x20e;  // a pointer to a string, less 0x200
constexpr size_t type_of_loader = 0x210, loadflags = 0x211;
constexpr size_t code32_start = 0x214;
constexpr size_t ramdisk_image = 0x218, ramdisk_size = 0x21c;
constexpr size_t heap_end_ptr = 0x224;
constexpr size_t cmd_line_ptr = 0x228;
constexpr size_t initrd_addr_max = 0x22c;
constexpr size_t kernel_alignment = 0x230, relocatable_kernel = 0x234, min_alignment = 0x235;
constexpr size_t xloadflags = 0x236;
constexpr size_t cmdline_size = 0x238;
constexpr size_t hardware_subarch = 0x23c;
constexpr size_t setup_data = 0x250;
constexpr size_t pref_address = 0x258;
constexpr size_t init_size = 0x260;
constexpr size_t handover_offset = 0x264;

}  // namespace kx::x86::bp
