// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/boot_params.hpp"

#include <algorithm>
#include <cstring>
#include <fcntl.h>
#include <linux/fb.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include "arch/x86_64/bzimage.hpp"
#include "base/byte_reader.hpp"
#include "base/strings.hpp"

namespace kx::x86 {

void ZeroPage::put16(size_t at, uint16_t v) { put_le16(&bytes_.at(at + 1) - 1, v); }
void ZeroPage::put32(size_t at, uint32_t v) { put_le32(&bytes_.at(at + 3) - 3, v); }
void ZeroPage::put64(size_t at, uint64_t v) { put_le64(&bytes_.at(at + 7) - 7, v); }
uint32_t ZeroPage::get32(size_t at) const { return le32(bytes_, at); }
uint64_t ZeroPage::get64(size_t at) const { return le64(bytes_, at); }
void ZeroPage::copy_in(size_t at, std::span<const uint8_t> src) {
    if (at + src.size() <= bytes_.size())
        std::memcpy(bytes_.data() + at, src.data(), src.size());
}

namespace {

// The framebuffer's fb_fix_screeninfo then fb_var_screeninfo, as the
// FBIOGET_*SCREENINFO ioctls return them (capture_framebuffer; a fixture
// tree may hold a captured copy).
constexpr const char* kScreenInfoFile = "/dev/fb0.screeninfo";
constexpr uint32_t kEfiMemdescSize = 40;  // efi_memory_desc_t without padding

// "KEY=0x..." lines of /sys/firmware/efi/systab.
std::optional<uint64_t> systab_value(const std::string& systab, const std::string& key) {
    for (const std::string& line : split_lines(systab))
        if (starts_with(line, key + "="))
            return parse_u64(trim(line.substr(key.size() + 1)));
    return std::nullopt;
}

// A sysfs number that must be there when its directory is: 0 when absent.
Result<uint64_t> hex_or_zero(const SystemView& sys, const std::string& path) {
    KX_ASSIGN(auto v, sys.read_hex(path));
    return v.value_or(0);
}

Status read_efi(const SystemView& sys, PlatformInfo& p) {
    KX_ASSIGN(auto systab, sys.read_text_if_exists("/sys/firmware/efi/systab"));
    if (!systab)
        return {};
    if (!p.acpi_rsdp || *p.acpi_rsdp == 0) {
        if (auto a = systab_value(*systab, "ACPI20"))
            p.acpi_rsdp = *a;
        else if (auto a1 = systab_value(*systab, "ACPI"))
            p.acpi_rsdp = *a1;
    }
    p.efi.smbios = systab_value(*systab, "SMBIOS").value_or(systab_value(*systab, "SMBIOS3").value_or(0));
    KX_ASSIGN(p.efi.fw_vendor, hex_or_zero(sys, "/sys/firmware/efi/fw_vendor"));
    KX_ASSIGN(p.efi.runtime, hex_or_zero(sys, "/sys/firmware/efi/runtime"));
    KX_ASSIGN(p.efi.config_table, hex_or_zero(sys, "/sys/firmware/efi/config_table"));
    std::vector<std::string> entries = sys.list_dir("/sys/firmware/efi/runtime-map");
    std::sort(entries.begin(), entries.end(), [](const std::string& a, const std::string& b) {
        return a.size() != b.size() ? a.size() < b.size() : a < b;  // numeric order
    });
    for (const std::string& e : entries) {
        const std::string dir = "/sys/firmware/efi/runtime-map/" + e;
        KX_ASSIGN(auto type, sys.read_hex(dir + "/type"));
        KX_ASSIGN(auto phys, sys.read_hex(dir + "/phys_addr"));
        KX_ASSIGN(auto virt, sys.read_hex(dir + "/virt_addr"));
        KX_ASSIGN(auto pages, sys.read_hex(dir + "/num_pages"));
        KX_ASSIGN(auto attr, sys.read_hex(dir + "/attribute"));
        if (!type || !phys || !virt || !pages || !attr)
            continue;
        uint8_t desc[kEfiMemdescSize] = {};
        put_le32(desc, static_cast<uint32_t>(*type));
        put_le64(desc + 8, *phys);
        put_le64(desc + 16, *virt);
        put_le64(desc + 24, *pages);
        put_le64(desc + 32, *attr);
        p.efi.runtime_map.append(reinterpret_cast<char*>(desc), sizeof desc);
        p.efi.runtime_map_entries++;
    }
    p.efi.present = p.booted_via_efi() && p.efi.runtime_map_entries > 0;
    return {};
}

std::optional<PlatformInfo::Framebuffer> read_framebuffer(const SystemView& sys) {
    auto info = sys.probe_text(kScreenInfoFile);
    if (!info || info->size() != sizeof(fb_fix_screeninfo) + sizeof(fb_var_screeninfo))
        return std::nullopt;
    struct fb_fix_screeninfo fix {};
    struct fb_var_screeninfo var {};
    std::memcpy(&fix, info->data(), sizeof fix);
    std::memcpy(&var, info->data() + sizeof fix, sizeof var);
    PlatformInfo::Framebuffer fb;
    fb.id = std::string(fix.id, strnlen(fix.id, sizeof fix.id));
    fb.width = var.xres;
    fb.height = var.yres;
    fb.depth = var.bits_per_pixel;
    fb.line_length = fix.line_length;
    fb.base = fix.smem_start;
    fb.size = fix.smem_len;
    fb.red_size = static_cast<uint8_t>(var.red.length);
    fb.red_pos = static_cast<uint8_t>(var.red.offset);
    fb.green_size = static_cast<uint8_t>(var.green.length);
    fb.green_pos = static_cast<uint8_t>(var.green.offset);
    fb.blue_size = static_cast<uint8_t>(var.blue.length);
    fb.blue_pos = static_cast<uint8_t>(var.blue.offset);
    fb.rsvd_size = static_cast<uint8_t>(var.transp.length);
    fb.rsvd_pos = static_cast<uint8_t>(var.transp.offset);
    return fb;
}

// /sys/firmware/edd/int13_devXX, as the BIOS reported them at boot.
Status read_edd(const SystemView& sys, PlatformInfo& p) {
    for (const std::string& e : sys.list_dir("/sys/firmware/edd")) {
        if (!starts_with(e, "int13_dev") || p.edd.entries.size() >= bp::edd_max)
            continue;
        const std::string dir = "/sys/firmware/edd/" + e;
        auto device = parse_hex(e.substr(9));
        KX_ASSIGN(auto version, sys.read_hex(dir + "/version"));
        if (!device || !version)
            continue;
        std::array<uint8_t, bp::edd_info_size> info{};
        info[0] = static_cast<uint8_t>(*device);
        info[1] = static_cast<uint8_t>(*version);
        if (*version != 0) {
            uint16_t ext = 0;
            KX_ASSIGN(auto t, sys.read_text_if_exists(dir + "/extensions"));
            if (t) {
                for (const std::string& line : split_lines(*t)) {
                    if (starts_with(line, "Fixed disk access")) ext |= 1;
                    if (starts_with(line, "Device locking and ejecting")) ext |= 2;
                    if (starts_with(line, "Enhanced Disk Drive support")) ext |= 4;
                    if (starts_with(line, "64-bit extensions")) ext |= 8;
                }
            }
            put_le16(&info[2], ext);
            uint64_t geometry[3] = {};
            const char* const names[3] = {"legacy_max_cylinder", "legacy_max_head", "legacy_sectors_per_track"};
            for (int i = 0; i < 3; i++) {
                KX_ASSIGN(auto text, sys.read_text_if_exists(dir + "/" + names[i]));
                geometry[i] = text ? parse_u64(trim(*text)).value_or(0) : 0;
            }
            put_le16(&info[4], static_cast<uint16_t>(geometry[0]));
            info[6] = static_cast<uint8_t>(geometry[1]);
            info[7] = static_cast<uint8_t>(geometry[2]);
            KX_ASSIGN(auto raw, sys.read_text_if_exists(dir + "/raw_data"));
            if (raw)
                std::memcpy(&info[8], raw->data(), std::min<size_t>(raw->size(), 74));
        }
        p.edd.entries.push_back(info);
        KX_ASSIGN(auto sig, sys.read_hex(dir + "/mbr_signature"));
        if (sig && p.edd.mbr_signatures.size() < bp::edd_mbr_sig_max)
            p.edd.mbr_signatures.push_back(static_cast<uint32_t>(*sig));
    }
    return {};
}

void set_screen_info(ZeroPage& page, const BootParamsRequest& req, const PlatformInfo& p,
                     std::vector<std::string>& notes) {
    using namespace bp;
    const auto& fb = p.framebuffer;
    // VGA text defaults, which a framebuffer then overrides (as kexec-tools).
    page.u8(screen_info + si_orig_video_cols) = 80;
    page.u8(screen_info + si_orig_video_lines) = 25;
    page.u8(screen_info + si_orig_video_isVGA) = kVideoTypeVga;
    page.put16(screen_info + si_orig_video_points, 16);
    std::optional<uint8_t> fb_type;
    if (fb && fb->id == "VESA VGA")
        fb_type = kVideoTypeVlfb;
    else if (fb && fb->id == "EFI VGA")
        fb_type = kVideoTypeEfi;
    else if (fb && req.reuse_video_type && p.current)
        fb_type = p.current->bytes()[screen_info + si_orig_video_isVGA];
    if (fb && fb_type) {
        page.u8(screen_info + si_orig_video_isVGA) = *fb_type;
        page.put16(screen_info + si_lfb_width, static_cast<uint16_t>(fb->width));
        page.put16(screen_info + si_lfb_height, static_cast<uint16_t>(fb->height));
        page.put16(screen_info + si_lfb_depth, static_cast<uint16_t>(fb->depth));
        page.put32(screen_info + si_lfb_base, static_cast<uint32_t>(fb->base));
        page.put32(screen_info + si_ext_lfb_base, static_cast<uint32_t>(fb->base >> 32));
        if (fb->base >> 32)
            page.put32(screen_info + si_capabilities, 2);  // VIDEO_CAPABILITY_64BIT_BASE
        page.put16(screen_info + si_lfb_linelength, static_cast<uint16_t>(fb->line_length));
        page.put32(screen_info + si_lfb_size, static_cast<uint32_t>((fb->size + 65535) / 65536));
        page.put16(screen_info + si_pages, static_cast<uint16_t>((fb->size + 4095) / 4096));
        if (fb->depth > 8) {
            const uint8_t colours[] = {fb->red_size,  fb->red_pos,  fb->green_size, fb->green_pos,
                                       fb->blue_size, fb->blue_pos, fb->rsvd_size,  fb->rsvd_pos};
            page.copy_in(screen_info + si_red_size, colours);
        }
        notes.push_back("screen_info: framebuffer " + quote(fb->id) + " " + std::to_string(fb->width) + "x" +
                        std::to_string(fb->height));
        return;
    }
    if (p.current) {
        // No framebuffer we understand: hand on the screen the firmware set up.
        page.copy_in(screen_info, p.current->bytes().subspan(screen_info, screen_info_size));
        notes.push_back("screen_info: copied from the running kernel's boot parameters");
    }
}

void set_e820(ZeroPage& page, BootParams& out, const std::vector<MemoryRange>& map) {
    using namespace bp;
    std::string ext;
    size_t n = 0;
    for (const MemoryRange& r : map) {
        uint8_t entry[e820_entry_size];
        put_le64(entry, r.start);
        put_le64(entry + 8, r.size());
        put_le32(entry + 16, static_cast<uint32_t>(r.type));
        if (n < e820_max_zeropage)
            page.copy_in(e820_table + n * e820_entry_size, entry);
        else
            ext.append(reinterpret_cast<char*>(entry), sizeof entry);
        n++;
    }
    page.u8(e820_entries) = static_cast<uint8_t>(std::min(n, e820_max_zeropage));
    if (!ext.empty())
        out.setup_data.push_back({SETUP_E820_EXT, ext});
    // ext_mem_k/alt_mem_k: RAM above 1 MiB in the range that holds 1 MiB.
    for (const MemoryRange& r : map) {
        if (r.type != E820Type::Ram || r.start > 0x100000 || r.end <= 0x100000)
            continue;
        uint64_t mem_k = (r.end >> 10) - (0x100000 >> 10);
        page.put16(screen_info + si_ext_mem_k, static_cast<uint16_t>(std::min<uint64_t>(mem_k, 0xfc00)));
        page.put32(alt_mem_k, static_cast<uint32_t>(std::min<uint64_t>(mem_k, 0xffffffff)));
    }
}

void set_efi(ZeroPage& page, BootParams& out, const BootParamsRequest& req, const PlatformInfo& p,
             uint16_t xloadflags) {
    using namespace bp;
    if (!p.booted_via_efi())
        return;  // not booted through EFI: nothing to pass
    if (!req.efi) {
        out.notes.push_back("--noefi: EFI runtime services are not passed on");
        return;
    }
    if (!(xloadflags & XLF_EFI_KEXEC)) {
        out.notes.push_back("the new kernel lacks XLF_EFI_KEXEC: EFI runtime services are not passed on");
        return;
    }
    if (!p.efi.present) {
        out.notes.push_back("no /sys/firmware/efi/runtime-map: EFI runtime services are not passed on");
        return;
    }
    page.copy_in(efi_info, p.current->bytes().subspan(efi_info, efi_info_size));
    page.put32(efi_memdesc_size, kEfiMemdescSize);
    page.put32(efi_memdesc_version, 1);
    page.put32(efi_memmap_size, static_cast<uint32_t>(p.efi.runtime_map.size()));
    out.efi_memmap = p.efi.runtime_map;
    std::string esd(96, '\0');  // struct efi_setup_data
    put_le64(reinterpret_cast<uint8_t*>(esd.data()), p.efi.fw_vendor);
    put_le64(reinterpret_cast<uint8_t*>(esd.data()) + 8, p.efi.runtime);
    put_le64(reinterpret_cast<uint8_t*>(esd.data()) + 16, p.efi.config_table);
    put_le64(reinterpret_cast<uint8_t*>(esd.data()) + 24, p.efi.smbios);
    out.setup_data.push_back({SETUP_EFI, esd});
    out.notes.push_back("EFI runtime services passed on (" + std::to_string(p.efi.runtime_map_entries) +
                        " runtime map entries)");
}

}  // namespace

void capture_framebuffer(SystemView& sys) {
    if (!sys.is_live())
        return;
    int fd = ::open("/dev/fb0", O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return;
    struct fb_fix_screeninfo fix {};
    struct fb_var_screeninfo var {};
    const bool ok = ioctl(fd, FBIOGET_FSCREENINFO, &fix) == 0 && ioctl(fd, FBIOGET_VSCREENINFO, &var) == 0;
    ::close(fd);
    if (ok)
        sys.set_file(kScreenInfoFile, std::string(reinterpret_cast<const char*>(&fix), sizeof fix) +
                                          std::string(reinterpret_cast<const char*>(&var), sizeof var));
}

Result<PlatformInfo> read_platform(const SystemView& sys) {
    PlatformInfo p;
    KX_ASSIGN(auto data, sys.read_text_if_exists("/sys/kernel/boot_params/data"));
    if (data && data->size() >= bp::kSize) {
        ZeroPage page;
        page.copy_in(0, {reinterpret_cast<const uint8_t*>(data->data()), bp::kSize});
        p.current = page;
        if (uint64_t rsdp = page.get64(bp::acpi_rsdp_addr))
            p.acpi_rsdp = rsdp;
    }
    KX_ASSIGN(p.memory_map, read_memory_map(sys));
    KX_TRY(read_efi(sys, p));
    p.framebuffer = read_framebuffer(sys);
    KX_TRY(read_edd(sys, p));
    return p;
}

BootParams build_boot_params(const BootParamsRequest& req, const PlatformInfo& p) {
    using namespace bp;
    BootParams out;
    ZeroPage& page = out.page;

    // 1. The kernel's setup header, as far as its own jump says it reaches.
    const size_t header_end = header + req.kernel[jump + 1];
    const size_t header_len = std::min<size_t>(header_end - hdr, edd_mbr_sig_buffer - hdr);
    page.copy_in(hdr, req.kernel.subspan(hdr, header_len));
    const uint16_t xloadflags = le16(req.kernel, bp::xloadflags);

    // 2. We are the boot loader.
    page.u8(type_of_loader) = kLoaderTypeKexec;
    page.u8(loadflags) = 0;

    // 3. Command line and initrd, with the high halves for addresses above 4 GiB.
    page.put32(cmd_line_ptr, static_cast<uint32_t>(req.cmdline_address));
    page.put32(ext_cmd_line_ptr, static_cast<uint32_t>(req.cmdline_address >> 32));
    page.put32(ramdisk_image, static_cast<uint32_t>(req.initrd_address));
    page.put32(ext_ramdisk_image, static_cast<uint32_t>(req.initrd_address >> 32));
    page.put32(ramdisk_size, static_cast<uint32_t>(req.initrd_size));
    page.put32(ext_ramdisk_size, static_cast<uint32_t>(req.initrd_size >> 32));

    // 4. What the running kernel was told at boot.
    if (p.current) {
        page.put32(hardware_subarch, p.current->get32(hardware_subarch));
        page.u8(secure_boot) = p.current->bytes()[secure_boot];
    }
    if (p.acpi_rsdp)
        page.put64(acpi_rsdp_addr, *p.acpi_rsdp);

    // 5. Screen, memory map, disks. The old (pre-2.02) command line pointer
    //    too, for parity with kexec-tools; 2.02+ kernels use cmd_line_ptr.
    set_screen_info(page, req, p, out.notes);
    page.put16(screen_info + si_cl_magic, 0xa33f);
    page.put16(screen_info + si_cl_offset, static_cast<uint16_t>(req.cmdline_address - req.params_address));
    set_e820(page, out, req.e820);
    page.u8(eddbuf_entries) = static_cast<uint8_t>(p.edd.entries.size());
    for (size_t i = 0; i < p.edd.entries.size(); i++)
        page.copy_in(eddbuf + i * edd_info_size, p.edd.entries[i]);
    page.u8(edd_mbr_sig_buf_entries) = static_cast<uint8_t>(p.edd.mbr_signatures.size());
    for (size_t i = 0; i < p.edd.mbr_signatures.size(); i++)
        page.put32(edd_mbr_sig_buffer + 4 * i, p.edd.mbr_signatures[i]);

    // 6. EFI runtime services, when the kernel can take them over.
    set_efi(page, out, req, p, xloadflags);

    // 7. A seed for the new kernel's RNG.
    if (!req.rng_seed.empty())
        out.setup_data.push_back({SETUP_RNG_SEED, req.rng_seed});
    return out;
}

std::string link_setup_data(BootParams& params, uint64_t address) {
    std::string out;
    uint64_t first = 0, prev_next_field = 0;
    bool have_prev = false;
    for (const SetupData& sd : params.setup_data) {
        while (out.size() % 8)
            out.push_back('\0');
        const uint64_t at = address + out.size();
        if (!have_prev)
            first = at;
        else
            put_le64(reinterpret_cast<uint8_t*>(out.data()) + prev_next_field, at);
        prev_next_field = out.size();
        have_prev = true;
        uint8_t header[16] = {};
        put_le32(header + 8, sd.type);
        put_le32(header + 12, static_cast<uint32_t>(sd.data.size()));
        out.append(reinterpret_cast<char*>(header), sizeof header);
        out += sd.data;
    }
    params.page.put64(bp::setup_data, first);
    if (!params.efi_memmap.empty()) {
        while (out.size() % 8)
            out.push_back('\0');
        const uint64_t map = address + out.size();
        params.page.put32(bp::efi_memmap, static_cast<uint32_t>(map));
        params.page.put32(bp::efi_memmap_hi, static_cast<uint32_t>(map >> 32));
        out += params.efi_memmap;
    }
    return out;
}

}  // namespace kx::x86
