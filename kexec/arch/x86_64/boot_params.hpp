// SPDX-License-Identifier: GPL-2.0-or-later
// The zero page (struct boot_params, arch/x86/include/uapi/asm/bootparam.h)
// a 64-bit kernel reads at entry, built field by field from named offsets.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "arch/x86_64/memory_map.hpp"
#include "arch/x86_64/setup_header_layout.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx::x86 {

// Offsets into struct boot_params; those of its setup header (hdr, at
// 0x1f1) are in setup_header_layout.hpp, in this namespace too.
namespace bp {
constexpr size_t kSize = 4096;
constexpr size_t screen_info = 0x000, screen_info_size = 0x40;
constexpr size_t acpi_rsdp_addr = 0x070;
constexpr size_t ext_ramdisk_image = 0x0c0, ext_ramdisk_size = 0x0c4, ext_cmd_line_ptr = 0x0c8;
constexpr size_t efi_info = 0x1c0, efi_info_size = 0x20;
constexpr size_t efi_memdesc_size = 0x1c8, efi_memdesc_version = 0x1cc, efi_memmap = 0x1d0;
constexpr size_t efi_memmap_size = 0x1d4, efi_memmap_hi = 0x1dc;
constexpr size_t alt_mem_k = 0x1e0;
constexpr size_t e820_entries = 0x1e8, eddbuf_entries = 0x1e9, edd_mbr_sig_buf_entries = 0x1ea;
constexpr size_t secure_boot = 0x1ec;
constexpr size_t edd_mbr_sig_buffer = 0x290, edd_mbr_sig_max = 16;
constexpr size_t e820_table = 0x2d0, e820_max_zeropage = 128, e820_entry_size = 20;
constexpr size_t eddbuf = 0xd00, edd_max = 6, edd_info_size = 82;
// screen_info fields
constexpr size_t si_ext_mem_k = 0x02, si_orig_video_cols = 0x07, si_orig_video_lines = 0x0e;
constexpr size_t si_cl_magic = 0x20, si_cl_offset = 0x22;  // pre-2.02 command line pointer
constexpr size_t si_orig_video_isVGA = 0x0f, si_orig_video_points = 0x10;
constexpr size_t si_lfb_width = 0x12, si_lfb_height = 0x14, si_lfb_depth = 0x16, si_lfb_base = 0x18;
constexpr size_t si_lfb_size = 0x1c, si_lfb_linelength = 0x24, si_red_size = 0x26, si_pages = 0x32;
constexpr size_t si_capabilities = 0x36, si_ext_lfb_base = 0x3a;
}  // namespace bp

// setup_data types (the kernel's SETUP_*).
constexpr uint32_t SETUP_E820_EXT = 1, SETUP_EFI = 4, SETUP_RNG_SEED = 9;
constexpr uint32_t kLoaderTypeKexec = 0xd0;
constexpr uint8_t kVideoTypeVga = 0x01, kVideoTypeVlfb = 0x23, kVideoTypeEfi = 0x70;

class ZeroPage {
public:
    ZeroPage() { bytes_.fill(0); }
    uint8_t& u8(size_t at) { return bytes_.at(at); }
    void put16(size_t at, uint16_t v);
    void put32(size_t at, uint32_t v);
    void put64(size_t at, uint64_t v);
    uint32_t get32(size_t at) const;
    uint64_t get64(size_t at) const;
    void copy_in(size_t at, std::span<const uint8_t> src);
    std::span<const uint8_t> bytes() const { return bytes_; }

private:
    std::array<uint8_t, bp::kSize> bytes_;
};

// One setup_data node: {next, type, len} then the payload.
struct SetupData {
    uint32_t type;
    std::string data;
};

// What the running system says about itself, gathered once through the
// SystemView (so fixtures from real guests drive the tests).
struct PlatformInfo {
    std::optional<ZeroPage> current;  // /sys/kernel/boot_params/data
    // The running kernel came through EFI (its boot params carry an EFI memory map).
    bool booted_via_efi() const { return current && current->get32(bp::efi_memmap_size) != 0; }
    std::vector<MemoryRange> memory_map;
    std::optional<uint64_t> acpi_rsdp;  // from boot params or the EFI system table
    struct Efi {
        bool present = false;      // booted through EFI with a runtime map
        uint64_t fw_vendor = 0, runtime = 0, config_table = 0, smbios = 0;
        std::string runtime_map;   // efi_memory_desc_t array (40-byte descriptors)
        uint32_t runtime_map_entries = 0;
    } efi;
    struct Framebuffer {
        std::string id;            // "EFI VGA", "VESA VGA", ...
        uint32_t width = 0, height = 0, depth = 0, line_length = 0;
        uint64_t base = 0, size = 0;
        uint8_t red_size = 0, red_pos = 0, green_size = 0, green_pos = 0;
        uint8_t blue_size = 0, blue_pos = 0, rsvd_size = 0, rsvd_pos = 0;
    };
    std::optional<Framebuffer> framebuffer;
    struct Edd {
        std::vector<std::array<uint8_t, bp::edd_info_size>> entries;
        std::vector<uint32_t> mbr_signatures;
    } edd;
};

// Read everything PlatformInfo holds, through `sys` only.
Result<PlatformInfo> read_platform(const SystemView& sys);

// Before planning, on the live system: the /dev/fb0 ioctls read_platform()
// needs for screen_info, handed to `sys` as "/dev/fb0.screeninfo".
void capture_framebuffer(SystemView& sys);

struct BootParamsRequest {
    std::span<const uint8_t> kernel;  // the bzImage (its setup header is copied)
    uint64_t params_address = 0;      // where this page goes (setup_data follows it)
    uint64_t cmdline_address = 0;
    uint64_t initrd_address = 0, initrd_size = 0;
    std::vector<MemoryRange> e820;    // what the next kernel should see
    bool efi = true;                  // pass EFI runtime (unless --noefi)
    bool reuse_video_type = false;
    std::string rng_seed;             // 32 random bytes (empty: none)
};

struct BootParams {
    ZeroPage page;
    std::vector<SetupData> setup_data;  // chained after the page by the caller
    std::string efi_memmap;              // placed by the caller; address in efi_info
    std::vector<std::string> notes;
};

// Build the zero page. setup_data and the EFI memory map are returned for
// the caller to place; link_setup_data() then writes the chain.
BootParams build_boot_params(const BootParamsRequest& req, const PlatformInfo& platform);
// Lay out the setup_data chain and EFI memmap at `address` (physical), fix
// up the page's pointers, and return the bytes that go there.
std::string link_setup_data(BootParams& params, uint64_t address);

}  // namespace kx::x86
