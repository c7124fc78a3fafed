// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/bzimage.hpp"

#include "arch/x86_64/setup_header_layout.hpp"
#include "base/byte_reader.hpp"
#include "base/strings.hpp"

namespace kx::x86 {

bool has_setup_header(std::span<const uint8_t> image) {
    return fits(image, bp::boot_flag, bp::header + 4 - bp::boot_flag) && le16(image, bp::boot_flag) == 0xAA55 &&
           std::memcmp(image.data() + bp::header, "HdrS", 4) == 0;
}

Result<SetupHeader> parse_setup_header(std::span<const uint8_t> image, const std::string& name) {
    if (image.size() < 1024)
        return make_error(name + ": too small to be a bzImage (" + std::to_string(image.size()) +
                          " bytes)");
    if (!has_setup_header(image))
        return make_error(name + ": not a bzImage (no \"HdrS\" setup header at 0x202)");
    SetupHeader h;
    h.setup_sects = le8(image, bp::setup_sects);
    h.boot_flag = le16(image, bp::boot_flag);
    h.protocol = le16(image, bp::version);
    h.loadflags = le8(image, bp::loadflags);
    h.code32_start = le32(image, bp::code32_start);
    if (h.protocol >= 0x0203)
        h.initrd_addr_max = le32(image, bp::initrd_addr_max);
    else
        h.initrd_addr_max = 0x37ffffff;
    if (h.protocol >= 0x0205) {
        h.kernel_alignment = le32(image, bp::kernel_alignment);
        h.relocatable_kernel = le8(image, bp::relocatable_kernel);
    }
    if (h.protocol >= 0x020a)
        h.min_alignment = le8(image, bp::min_alignment);
    if (h.protocol >= 0x020c)
        h.xloadflags = le16(image, bp::xloadflags);
    h.cmdline_size = h.protocol >= 0x0206 ? le32(image, bp::cmdline_size) : 255;
    if (h.protocol >= 0x020a) {
        h.pref_address = le64(image, bp::pref_address);
        h.init_size = le32(image, bp::init_size);
    }
    if (h.protocol >= 0x020b)
        h.handover_offset = le32(image, bp::handover_offset);
    // kernel_version points (relative to 0x200) at a string in the setup code.
    uint16_t kv = le16(image, bp::kernel_version);
    if (kv != 0 && h.protocol >= 0x0200) {
        uint64_t at = 0x200 + uint64_t{kv};
        if (at < h.setup_size())
            h.kernel_version = c_string(image, at, 256);
    }
    if (h.setup_size() > image.size())
        return make_error(name + ": bzImage setup code (" + std::to_string(h.setup_size()) +
                          " bytes) is larger than the file (" + std::to_string(image.size()) +
                          " bytes): truncated?");
    return h;
}

Status check_cmdline_fits(const SetupHeader& header, const std::string& cmdline, const std::string& name) {
    if (cmdline.size() > header.cmdline_size)
        return make_error(name + ": the command line is " + std::to_string(cmdline.size()) +
                          " bytes but this kernel accepts at most " + std::to_string(header.cmdline_size) +
                          " (cmdline_size): shorten it");
    return {};
}

Status check_file_load_cmdline_fits(const SetupHeader& header, const std::optional<std::string>& cmdline,
                                    const std::string& name) {
    const uint64_t passed = cmdline ? cmdline->size() + 1 : 0;  // the syscall's length counts the NUL
    if (passed + kFileLoadCmdlineReserve <= header.cmdline_size)
        return {};
    const uint64_t most = header.cmdline_size > kFileLoadCmdlineReserve ? header.cmdline_size - kFileLoadCmdlineReserve - 1 : 0;
    return make_error(name + ": the command line is " + std::to_string(cmdline ? cmdline->size() : 0) +
                      " bytes but kexec_file_load takes at most " + std::to_string(most) + " (cmdline_size " +
                      std::to_string(header.cmdline_size) + " less the NUL and " +
                      std::to_string(kFileLoadCmdlineReserve) + " bytes it keeps for elfcorehdr=)");
}

Result<SetupHeader> parse_bzimage64(std::span<const uint8_t> image, const std::string& name) {
    KX_ASSIGN(SetupHeader h, parse_setup_header(image, name));
    if (h.protocol < 0x020c)
        return make_error(name + ": boot protocol " + protocol_string(h.protocol) +
                          " is too old for a 64-bit kexec (2.12 or newer needed)");
    if (!(h.loadflags & 1))
        return make_error(name + ": a zImage, not a bzImage (not loaded high)");
    if ((h.xloadflags & (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G)) !=
        (XLF_KERNEL_64 | XLF_CAN_BE_LOADED_ABOVE_4G))
        return make_error(name + ": not a relocatable 64-bit bzImage (xloadflags " +
                          hex(h.xloadflags) + ")");
    return h;
}

std::string protocol_string(uint16_t protocol) {
    return std::to_string(protocol >> 8) + "." + std::to_string(protocol & 0xff);
}

std::string xloadflags_string(uint16_t flags) {
    static const std::pair<uint16_t, const char*> names[] = {
        {XLF_KERNEL_64, "KERNEL_64"},
        {XLF_CAN_BE_LOADED_ABOVE_4G, "CAN_BE_LOADED_ABOVE_4G"},
        {XLF_EFI_HANDOVER_32, "EFI_HANDOVER_32"},
        {XLF_EFI_HANDOVER_64, "EFI_HANDOVER_64"},
        {XLF_EFI_KEXEC, "EFI_KEXEC"},
        {1 << 5, "5LEVEL"},
        {1 << 6, "5LEVEL_ENABLED"},
        {1 << 7, "MEM_ENCRYPTION"},
    };
    std::string out;
    for (auto [bit, name] : names) {
        if (!(flags & bit))
            continue;
        if (!out.empty())
            out += '|';
        out += name;
    }
    return out.empty() ? "none" : out;
}

}  // namespace kx::x86
