// SPDX-License-Identifier: GPL-2.0-or-later
// The kexec_load image builder on captured /proc and /sys trees from real
// SeaBIOS, OVMF and Secure Boot guests (tests/fixtures/sysroot-*), plus the
// purgatory's pieces: its SHA-256 (generic and SHA-NI), its relocator.
#include <criterion/criterion.h>

#include <cpuid.h>
#include <cstddef>
#include <cstring>
#include <linux/fb.h>
#include <random>

#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/image_builder.hpp"
#include "arch/x86_64/memory_map.hpp"
#include "arch/x86_64/purgatory.hpp"
#include "base/byte_reader.hpp"
#include "helpers.hpp"
#include "uki_styles.hpp"
#include "sys/kexec_abi.hpp"
#include "base/sha256.hpp"
#include "base/strings.hpp"

extern "C" {
#include "../../purgatory/purgatory.h"
}

using namespace kx;
using namespace kx::x86;
using namespace kxt;

namespace {


std::string purgatory_sha(void (*blocks)(uint32_t*, const uint8_t*, size_t), const std::string& data,
                          size_t chunk) {
    struct kx_sha256 h;
    kx_sha256_init(&h, blocks);
    for (size_t at = 0; at < data.size(); at += chunk)
        kx_sha256_update(&h, data.data() + at, std::min(chunk, data.size() - at));
    uint8_t out[32];
    kx_sha256_final(&h, out);
    return hex_bytes(out, 32);
}

bool host_has_sha_ni() {
    unsigned a, b, c, d;
    return __get_cpuid_count(7, 0, &a, &b, &c, &d) && (b >> 29 & 1);
}

}  // namespace

Test(purgatory_sha256, generic_matches_openssl) {
    std::mt19937 rng(7);
    for (size_t len : {0ul, 1ul, 55ul, 56ul, 63ul, 64ul, 65ul, 119ul, 1000ul, 65536ul + 17}) {
        std::string data(len, '\0');
        for (auto& c : data)
            c = static_cast<char>(rng());
        for (size_t chunk : {1ul, 7ul, 64ul, 4096ul})
            kx_assert_str(purgatory_sha(kx_sha256_blocks_generic, data, chunk), sha256_hex(data));
    }
}

Test(purgatory_sha256, sha_ni_matches_openssl) {
    // The purgatory picks SHA-NI at run time from CPUID; on a CPU without it
    // that code cannot run here (the generic code is tested above, and the
    // guests run whichever their virtual CPU has).
    if (!host_has_sha_ni())
        cr_skip_test("this CPU lacks SHA-NI (CPUID.7.0:EBX bit 29), so the SHA-NI code cannot run here");
    std::mt19937 rng(9);
    for (size_t len : {0ul, 3ul, 64ul, 128ul, 200ul, 1ul << 20}) {
        std::string data(len, '\0');
        for (auto& c : data)
            c = static_cast<char>(rng());
        kx_assert_str(purgatory_sha(kx_sha256_blocks_ni, data, 4096), sha256_hex(data));
    }
}

Test(purgatory, relocates_and_exposes_its_variables) {
    auto p = Purgatory::parse(embedded_purgatory());
    cr_assert(p.ok(), "%s", p.ok() ? "" : p.error().message.c_str());
    cr_assert_gt(p->size(), 16384u, "code plus its 16 KiB stack");
    cr_assert_eq(*p->symbol_size("kx_regions"), KX_MAX_REGIONS * 48u);
    cr_assert_eq(*p->symbol_size("kx_entry_regs"), 17u * 8u);
    auto q = Purgatory::parse(embedded_purgatory());
    cr_assert(p->relocate(0x100000).ok());
    cr_assert(q->relocate(0x7654000).ok());
    cr_assert_eq(*p->symbol_address("purgatory_start") + 0x7554000, *q->symbol_address("purgatory_start"));
    // Code is RIP-relative: only the absolute pointer to the round constants moves.
    int differing = 0;
    for (size_t i = 0; i < p->image().size(); i++)
        differing += p->image()[i] != q->image()[i];
    cr_assert_leq(differing, 8, "%d bytes differ between placements", differing);
    cr_assert(!p->relocate(0x200000).ok(), "relocating twice is refused");
    auto r = Purgatory::parse(embedded_purgatory());
    cr_assert(!r->relocate(0x100001).ok(), "a misaligned address is refused");
    const uint64_t too_big = 0;  // kx_region_count is 4 bytes
    cr_assert(!p->set("kx_region_count", too_big).ok(), "a value larger than the variable is refused");
    cr_assert(!Purgatory::parse(std::span<const uint8_t>(reinterpret_cast<const uint8_t*>("not elf"), 7)).ok());
}

Test(holes, top_down_bottom_up_alignment_and_limits) {
    std::vector<Interval> free = {{0x100000, 0x200000}, {0x1000000, 0x3000000}};
    cr_assert_eq(*find_hole(free, 0x10000, 0x1000, 0, ~0ull, true), 0x2ff0000u);
    cr_assert_eq(*find_hole(free, 0x10000, 0x1000, 0, ~0ull, false), 0x100000u);
    cr_assert_eq(*find_hole(free, 0x10000, 0x1000000, 0, ~0ull, true), 0x2000000u, "2nd interval, 16M aligned");
    cr_assert_eq(*find_hole(free, 0x10000, 0x1000, 0, 0x1800000, true), 0x17f0000u, "hi is exclusive");
    cr_assert(!find_hole(free, 0x3000000, 0x1000, 0, ~0ull, true), "too large");
    cr_assert(!find_hole(free, 0x1000, 0x3000, 0, ~0ull, true), "alignment must be a power of two");
    cr_assert_eq(*find_hole(free, 0x100000, 0x1000, 0, ~0ull, false), 0x100000u, "exact fit");
}

Test(holes, free_memory_takes_what_it_gives) {
    std::vector<MemoryRange> map = {{0x0, 0x9ffff, E820Type::Ram}, {0x100000, 0x3fffffff, E820Type::Ram},
                                    {0x40000000, 0x4fffffff, E820Type::Reserved}};
    FreeMemory f(map, 0x100000, ~0ull, {{0x2f000000, 0x3f000000}});
    cr_assert_eq(f.intervals().size(), 2u, "low memory dropped, crash region cut out");
    auto a = f.allocate(0x1000000, 0x200000, 0, ~0ull, true);
    cr_assert_eq(*a, 0x40000000u - 0x1000000u, "top of RAM, above the crash region");
    auto b = f.allocate(0x1000000, 0x200000, 0, ~0ull, true);
    cr_assert_eq(*b, 0x2f000000u - 0x1000000u, "next one below the crash region, never inside it");
    cr_assert(!f.reserve(*a, 0x1000), "taken memory is not free");
    FreeMemory limited(map, 0x100000, 0x0fffffff);
    cr_assert_eq(limited.intervals().back().end, 0x10000000u, "--mem-max is inclusive");
}

Test(sysfs_numbers, hex_with_or_without_0x) {
    // /proc/iomem and crash_notes print "%llx", vmcoreinfo "%pa", EFI "0x%lx".
    cr_assert_eq(parse_hex("7ffdf000"), std::optional<uint64_t>(0x7ffdf000));
    cr_assert_eq(parse_hex("0x1000\n"), std::optional<uint64_t>(0x1000));
    cr_assert_eq(parse_hex(" 0XaBc "), std::optional<uint64_t>(0xabc));
    cr_assert_eq(parse_hex("ffffffffffffffff"), std::optional<uint64_t>(~0ull));
    for (const char* bad : {"", "0x", "0x-1", "-1", "12g", "1 2", "10000000000000000"})
        cr_assert(!parse_hex(bad), "%s", bad);
    std::string root = make_sysroot({{"/sys/kernel/a", "0x2a\n"}, {"/sys/kernel/b", "nope\n"}});
    SystemView sys(root);
    cr_assert_eq(sys.read_hex("/sys/kernel/a").value(), std::optional<uint64_t>(42));
    cr_assert(!sys.read_hex("/sys/kernel/b").value() && !sys.read_hex("/sys/kernel/missing").value());
}

// Only ENOENT means "not there": a file that exists but cannot be read
// (EACCES for a normal user; EISDIR here, as tests run as root) is an error,
// so a missing permission never silently becomes "no crash region".
Test(sysfs_numbers, unreadable_is_an_error_not_absence) {
    std::string root = make_sysroot({{"/proc/iomem/x", ""}, {"/sys/kernel/a/x", ""}});
    SystemView sys(root);
    auto text = sys.read_text_if_exists("/proc/iomem");
    cr_assert(!text.ok());
    cr_assert_eq(text.error().sys_errno, EISDIR);
    cr_assert(!sys.read_hex("/sys/kernel/a").ok());
    cr_assert(sys.read_text_if_exists("/proc/missing").ok() && !sys.read_text_if_exists("/proc/missing")->has_value());
    cr_assert(!sys.probe_text("/proc/iomem"), "probes say unknown");
    RunResult r = run_kexec({"--sysroot=" + root, "--print-ckr-size"}, nullptr);
    cr_assert_eq(r.rc, 1, "kexec-tools die()s: %d", r.rc);
    cr_assert(r.err.find("/proc/iomem: cannot read") != std::string::npos, "%s", r.err.c_str());
}

Test(memory_map, firmware_memmap_of_each_guest) {
    for (const char* mode : {"bios", "uefi", "secureboot"}) {
        auto map = read_memory_map(SystemView(fixture_sysroot(mode)));
        cr_assert(map.ok(), "%s: %s", mode, map.ok() ? "" : map.error().message.c_str());
        uint64_t ram = 0;
        for (const auto& r : *map)
            ram += r.type == E820Type::Ram ? r.size() : 0;
        cr_assert_gt(ram, 900ull << 20, "%s: about 1 GiB of RAM", mode);
        cr_assert_lt(ram, 1024ull << 20, "%s", mode);
        cr_assert(std::is_sorted(map->begin(), map->end(),
                                 [](const MemoryRange& a, const MemoryRange& b) { return a.start < b.start; }));
    }
}

Test(memory_map, iomem_fallback) {
    std::string root = make_sysroot({{"/proc/iomem", read_file(fixture_sysroot("uefi") + "/proc/iomem")}});
    auto map = read_memory_map(SystemView(root));
    cr_assert(map.ok());
    bool acpi = false, pci = false;
    for (const auto& r : *map) {
        acpi |= r.type == E820Type::Acpi;
        pci |= r.start == 0x40000000;  // "PCI Bus" is not memory
    }
    cr_assert(acpi && !pci);
}

namespace {

struct Built {
    SegmentLoadCall call;
    std::vector<std::string> notes;
    std::string params;  // the boot parameters segment
    uint64_t params_at = 0;
};

Built build_for(const std::string& mode, const std::string& cmdline, std::string initrd_bytes, ImageOptions io = {}) {
    SystemView sys(fixture_sysroot(mode));
    auto platform = read_platform(sys);
    cr_assert(platform.ok(), "%s", platform.ok() ? "" : platform.error().message.c_str());
    BootInputs boot;
    boot.kernel = Payload::generated("vmlinuz", make_bzimage());
    if (!initrd_bytes.empty())
        boot.initrd = Payload::generated("initrd", std::move(initrd_bytes));
    boot.cmdline = cmdline;
    FreeMemory free(platform->memory_map, 0x100000, ~0ull);
    Built b;
    auto call = build_kexec_image(boot, e820_for_next_kernel(platform->memory_map), *platform, free, io, b.notes);
    cr_assert(call.ok(), "%s", call.ok() ? "" : call.error().message.c_str());
    b.call = std::move(call).value();
    for (const auto& s : b.call.segments)
        if (s.label == "boot parameters") {
            b.params = s.data.bytes_copy();
            b.params_at = s.mem;
        }
    cr_assert(!b.params.empty());
    return b;
}

uint32_t at32(const std::string& s, size_t o) { return le32({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, o); }
uint64_t at64(const std::string& s, size_t o) { return le64({reinterpret_cast<const uint8_t*>(s.data()), s.size()}, o); }

}  // namespace

Test(boot_params, seabios_guest) {
    Built b = build_for("bios", "console=ttyS0 root=/dev/vda1", std::string(10000, 'I'));
    const std::string& p = b.params;
    cr_assert_eq(b.call.flags, abi::KEXEC_ARCH_X86_64);
    cr_assert_eq(b.call.segments.size(), 4u, "kernel, initrd, boot parameters, purgatory");
    cr_assert_eq(static_cast<uint8_t>(p[bp::type_of_loader]), 0xd0, "type_of_loader: kexec");
    cr_assert_eq(static_cast<uint8_t>(p[bp::header]), 'H', "the kernel's setup header is copied");
    const uint64_t cmdline = at32(p, bp::cmd_line_ptr) | uint64_t{at32(p, bp::ext_cmd_line_ptr)} << 32;
    cr_assert_eq(cmdline, b.params_at + 4096);
    cr_assert_str_eq(p.c_str() + 4096, "console=ttyS0 root=/dev/vda1");
    cr_assert_eq(at32(p, bp::ramdisk_size), 10000u, "ramdisk_size");
    uint64_t initrd_at = 0;
    for (const auto& s : b.call.segments)
        if (s.label == "initrd")
            initrd_at = s.mem;
    cr_assert_eq(at32(p, bp::ramdisk_image), static_cast<uint32_t>(initrd_at));
    // e820 from /sys/firmware/memmap, but for the real-mode IVT.
    auto map = *read_memory_map(SystemView(fixture_sysroot("bios")));
    cr_assert_eq(map[0].start, 0u);
    cr_assert_eq(at64(p, bp::e820_table), 0x400u, "RAM below 0x400 is not reported");
    cr_assert_eq(at64(p, bp::e820_table + 8), map[0].size() - 0x400);
    map[0].start = 0x400;
    cr_assert_eq(static_cast<uint8_t>(p[bp::e820_entries]), map.size());
    for (size_t i = 0; i < map.size(); i++) {
        cr_assert_eq(at64(p, bp::e820_table + bp::e820_entry_size * i), map[i].start);
        cr_assert_eq(at64(p, bp::e820_table + bp::e820_entry_size * i + 8), map[i].size());
        cr_assert_eq(at32(p, bp::e820_table + bp::e820_entry_size * i + 16), static_cast<uint32_t>(map[i].type));
    }
    // No EFI on SeaBIOS; screen and subarch as the running kernel had them.
    for (size_t i = bp::efi_info; i < bp::alt_mem_k; i++)
        cr_assert_eq(p[i], 0, "efi_info stays zero");
    std::string current = read_file(fixture_sysroot("bios") + "/sys/kernel/boot_params/data");
    cr_assert_eq(p.substr(0, 0x20), current.substr(0, 0x20), "screen_info of the running kernel");
    cr_assert_eq(p.substr(0x24, 0x1c), current.substr(0x24, 0x1c));
    cr_assert_eq(le16({reinterpret_cast<const uint8_t*>(p.data()), p.size()}, 0x20), 0xa33fu, "cl_magic");
    cr_assert_eq(le16({reinterpret_cast<const uint8_t*>(p.data()), p.size()}, 0x22), 0x1000u, "cl_offset");
    cr_assert_eq(at32(p, bp::hardware_subarch), at32(current, bp::hardware_subarch), "hardware_subarch");
    cr_assert_eq(at64(p, bp::setup_data), 0u, "no setup_data without an RNG seed");
}

Test(boot_params, ovmf_guest_passes_efi_runtime) {
    ImageOptions io;
    io.rng_seed = std::string(32, 'S');
    Built b = build_for("uefi", "quiet", "", io);
    const std::string& p = b.params;
    std::string current = read_file(fixture_sysroot("uefi") + "/sys/kernel/boot_params/data");
    cr_assert_eq(at32(p, 0x1c0), at32(current, 0x1c0), "efi_loader_signature (EL64)");
    cr_assert_eq(at32(p, 0x1c4), at32(current, 0x1c4), "efi_systab");
    cr_assert_eq(at32(p, 0x1c8), 40u, "efi_memdesc_size");
    cr_assert_eq(at32(p, 0x1cc), 1u, "efi_memdesc_version");
    const size_t entries = SystemView(fixture_sysroot("uefi")).list_dir("/sys/firmware/efi/runtime-map").size();
    cr_assert_eq(at32(p, 0x1d4), entries * 40, "efi_memmap_size: the runtime map");
    const uint64_t memmap = at32(p, 0x1d0) | uint64_t{at32(p, 0x1dc)} << 32;
    cr_assert(memmap > b.params_at && memmap < b.params_at + p.size(), "memmap inside the segment");
    const size_t m = memmap - b.params_at;
    const std::string first = fixture_sysroot("uefi") + "/sys/firmware/efi/runtime-map/0";
    cr_assert_eq(at64(p, m + 8), *parse_u64(trim(read_file(first + "/phys_addr"))), "descriptor 0 phys_addr");
    cr_assert_eq(at64(p, m + 16), *parse_u64(trim(read_file(first + "/virt_addr"))), "descriptor 0 virt_addr");
    cr_assert_eq(at64(p, 0x70), 0x3f77d014u, "acpi_rsdp_addr (ACPI20 in the EFI system table)");
    // setup_data: SETUP_EFI, then the RNG seed.
    uint64_t sd = at64(p, bp::setup_data);
    std::vector<uint32_t> types;
    while (sd) {
        const size_t o = sd - b.params_at;
        types.push_back(at32(p, o + 8));
        if (at32(p, o + 8) == SETUP_EFI) {
            cr_assert_eq(at32(p, o + 12), 96u);
            std::string systab = read_file(fixture_sysroot("uefi") + "/sys/firmware/efi/systab");
            cr_assert_eq(at64(p, o + 16 + 24), 0x3f520000u, "smbios");
            cr_assert_eq(at64(p, o + 16), *parse_u64(trim(read_file(fixture_sysroot("uefi") + "/sys/firmware/efi/fw_vendor"))));
            cr_assert_eq(at64(p, o + 16 + 16), *parse_u64(trim(read_file(fixture_sysroot("uefi") + "/sys/firmware/efi/config_table"))));
        }
        if (at32(p, o + 8) == SETUP_RNG_SEED)
            cr_assert_eq(p.substr(o + 16, 32), std::string(32, 'S'));
        sd = at64(p, o);
    }
    cr_assert(types == (std::vector<uint32_t>{SETUP_EFI, SETUP_RNG_SEED}));
}

Test(boot_params, noefi_and_many_e820_entries) {
    SystemView sys(fixture_sysroot("uefi"));
    auto platform = read_platform(sys);
    cr_assert(platform.ok());
    std::vector<MemoryRange> e820;
    for (uint64_t i = 0; i < 130; i++)
        e820.push_back({i * 0x100000, i * 0x100000 + 0xfffff, i % 2 ? E820Type::Reserved : E820Type::Ram});
    std::string kernel = make_bzimage();
    BootParamsRequest req{.kernel = {reinterpret_cast<const uint8_t*>(kernel.data()), kernel.size()},
                          .params_address = 0x5000000,
                          .cmdline_address = 0x5001000,
                          .e820 = e820,
                          .efi = false};
    BootParams bpm = build_boot_params(req, *platform);
    cr_assert_eq(bpm.page.bytes()[bp::e820_entries], 128, "128 entries in the zero page");
    cr_assert_eq(bpm.setup_data.size(), 1u);
    cr_assert_eq(bpm.setup_data[0].type, SETUP_E820_EXT);
    cr_assert_eq(bpm.setup_data[0].data.size(), 2u * 20, "the rest in SETUP_E820_EXT");
    cr_assert_eq(bpm.page.get32(0x1d4), 0u, "--noefi: no EFI memory map");
    bool noted = false;
    for (const auto& n : bpm.notes)
        noted |= contains(n, "--noefi");
    cr_assert(noted);
}

Test(boot_params, edd_from_sysfs) {
    std::string root = make_sysroot({
        {"/proc/iomem", "00100000-3fffffff : System RAM\n"},
        {"/sys/firmware/edd/int13_dev80/version", "0x30\n"},
        {"/sys/firmware/edd/int13_dev80/mbr_signature", "0x12345678\n"},
        {"/sys/firmware/edd/int13_dev80/legacy_max_cylinder", "1023\n"},
        {"/sys/firmware/edd/int13_dev80/legacy_max_head", "254\n"},
        {"/sys/firmware/edd/int13_dev80/legacy_sectors_per_track", "63\n"},
        {"/sys/firmware/edd/int13_dev80/extensions", "Fixed disk access\nEnhanced Disk Drive support\n"},
        {"/sys/firmware/edd/int13_dev80/raw_data", std::string("\x1e\x00" "ABCDEF", 8)},
    });
    auto platform = read_platform(SystemView(root));
    cr_assert(platform.ok());
    std::string kernel = make_bzimage();
    BootParamsRequest req{.kernel = {reinterpret_cast<const uint8_t*>(kernel.data()), kernel.size()},
                          .e820 = platform->memory_map,
                          .efi = true};
    BootParams bpm = build_boot_params(req, *platform);
    auto page = bpm.page.bytes();
    cr_assert_eq(page[bp::eddbuf_entries], 1, "eddbuf_entries");
    cr_assert_eq(page[bp::edd_mbr_sig_buf_entries], 1, "edd_mbr_sig_buf_entries");
    cr_assert_eq(le32(page, bp::edd_mbr_sig_buffer), 0x12345678u);
    cr_assert_eq(page[0xd00], 0x80, "device");
    cr_assert_eq(page[0xd01], 0x30, "version");
    cr_assert_eq(le16(page, 0xd02), 5u, "interface_support bits");
    cr_assert_eq(le16(page, 0xd04), 1023u);
    cr_assert_eq(page[0xd06], 254);
    cr_assert_eq(page[0xd07], 63);
    cr_assert_eq(page[0xd08 + 2], 'A', "raw device parameters");
}

Test(image, digests_cover_every_segment_but_the_purgatory) {
    Built b = build_for("uefi", "x", std::string(5000, 'I'));
    cr_assert(b.call.digests.has_value(), "the digests are written when the call is made, not planned");
    cr_assert(write_pending_digests(b.call).ok());  // as the executor does before kexec_load
    cr_assert(!b.call.digests.has_value(), "written once");
    const Segment* purgatory = nullptr;
    for (const auto& s : b.call.segments) {
        cr_assert_eq(s.mem % 4096, 0u, "%s page aligned", s.label.c_str());
        cr_assert_geq(s.memsz, s.data.size());
        if (s.label == "purgatory")
            purgatory = &s;
    }
    cr_assert(purgatory);
    cr_assert(b.call.entry >= purgatory->mem && b.call.entry < purgatory->mem + purgatory->memsz);
    // Find kx_regions inside the purgatory image and check it lists the other segments.
    auto p = Purgatory::parse(embedded_purgatory());
    cr_assert(p->relocate(purgatory->mem).ok());
    const uint64_t regions = *p->symbol_address("kx_regions") - purgatory->mem;
    const uint64_t count_at = *p->symbol_address("kx_region_count") - purgatory->mem;
    std::string image = purgatory->data.bytes_copy();
    cr_assert_eq(at32(image, count_at), 3u);
    for (uint32_t i = 0; i < 3; i++) {
        const uint64_t entry = regions + sizeof(kx_region) * i;
        const uint64_t start = at64(image, entry + offsetof(kx_region, start));
        const uint64_t length = at64(image, entry + offsetof(kx_region, length));
        bool found = false;
        for (const auto& s : b.call.segments)
            if (s.mem == start && s.data.size() == length) {
                found = true;
                cr_assert_eq(image.substr(entry + offsetof(kx_region, sha256), sizeof(kx_region::sha256)),
                             std::string(reinterpret_cast<const char*>(s.data.sha256().data()), 32), "%s digest",
                             s.label.c_str());
            }
        cr_assert(found, "region %u matches a segment", i);
    }
    // rsi = boot parameters, rip = kernel + 0x200.
    const uint64_t regs = *p->symbol_address("kx_entry_regs") - purgatory->mem;
    uint64_t kernel_at = 0;
    for (const auto& s : b.call.segments)
        if (s.label == "kernel")
            kernel_at = s.mem;
    cr_assert_eq(at32(image, *p->symbol_address("kx_skip_checks") - purgatory->mem), 0u, "checks on by default");
    cr_assert_eq(at64(image, regs + offsetof(struct kx_entry_regs, rsi)), b.params_at);
    cr_assert_eq(at64(image, regs + offsetof(struct kx_entry_regs, rip)), kernel_at + 0x200);
    cr_assert_eq(kernel_at % 0x200000, 0u, "kernel_alignment honoured");
}

Test(image, no_checks_and_serial_console_reach_the_purgatory) {
    ImageOptions io;
    io.skip_checks = true;
    io.serial_port = 0x2f8;
    io.serial_baud = 57600;
    Built b = build_for("bios", "x", "", io);
    const Segment* purgatory = nullptr;
    for (const auto& s : b.call.segments)
        if (s.label == "purgatory")
            purgatory = &s;
    auto p = Purgatory::parse(embedded_purgatory());
    cr_assert(p->relocate(purgatory->mem).ok());
    std::string image = purgatory->data.bytes_copy();
    cr_assert_eq(at32(image, *p->symbol_address("kx_skip_checks") - purgatory->mem), 1u, "-i");
    const uint64_t console = *p->symbol_address("kx_console") - purgatory->mem;
    cr_assert_eq(le16({reinterpret_cast<const uint8_t*>(image.data()), image.size()}, console), 0x2f8u);
    cr_assert_eq(at32(image, console + 4), 57600u);
}

Test(image, kernel_window_is_init_size_and_limits_are_honoured) {
    SystemView sys(fixture_sysroot("bios"));
    auto platform = read_platform(sys);
    BootInputs boot;
    BzImageSpec spec;
    spec.init_size = 0x3000000;
    boot.kernel = Payload::generated("vmlinuz", make_bzimage(spec));
    std::vector<std::string> notes;
    FreeMemory capped(platform->memory_map, 0x100000, 0x1fffffff);
    auto call = build_kexec_image(boot, platform->memory_map, *platform, capped, {}, notes);
    cr_assert(call.ok());
    for (const auto& s : call->segments) {
        cr_assert_leq(s.mem + s.memsz, 0x20000000u, "--mem-max honoured by %s", s.label.c_str());
        if (s.label == "kernel")
            cr_assert_eq(s.memsz, 0x3000000u, "memsz is init_size");
    }
    FreeMemory tiny(std::vector<Interval>{{0x1000000, 0x1800000}});
    auto fail = build_kexec_image(boot, platform->memory_map, *platform, tiny, {}, notes);
    cr_assert(!fail.ok());
    cr_assert(contains(fail.error().message, "no room for the kernel (48.0 MiB"), "%s", fail.error().message.c_str());
}

UKI_TEST(image, kexec_c_plan_on_each_guest_tree) {
    std::string dir = scratch_dir();
    UkiSpec spec;
    spec.cmdline = "quiet";
    spec.linux_image = make_bzimage();
    spec.initrds = {std::string(3000, 'R')};
    std::string uki = write_file(dir + "/u.efi", build_uki(style, spec));
    RunResult bios = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-c", "-l", "--dry-run=json", uki}, nullptr);
    cr_assert_eq(bios.rc, 0, "%s", bios.err.c_str());
    cr_assert(contains(bios.out, "\"flag_names\": \"ARCH_X86_64\""));
    cr_assert(contains(bios.out, "\"label\": \"purgatory\""));
    cr_assert(contains(bios.out, "\"kexec_file_load\": []"), "-c makes no kexec_file_load call");
    RecordingBackend rec;
    RunResult uefi = run_kexec({"--sysroot=" + fixture_sysroot("uefi"), "-c", "-l", uki}, &rec);
    cr_assert_eq(uefi.rc, 0, "%s", uefi.err.c_str());
    cr_assert_eq(rec.calls[0].syscall, "kexec_load");
    cr_assert_eq(rec.calls[0].segments.size(), 4u);
    RecordingBackend sb;
    RunResult locked = run_kexec({"--sysroot=" + fixture_sysroot("secureboot"), "-c", "-l", uki}, &sb);
    cr_assert_eq(locked.rc, 255, "kexec-tools: kexec_load fails with EPERM, EFAILED");
    kx_assert_str(locked.err, "kexec: the kernel is locked down (integrity) and refuses kexec_load (-c): use kexec -s "
                              "(kexec_file_load) with a kernel signed by a key the kernel trusts\n");
    cr_assert(sb.calls.empty(), "nothing is attempted");
}

Test(image, auto_mode_falls_back_to_our_image_builder) {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    RecordingBackend rec;
    rec.results = {ENOSYS, 0};  // a kernel without kexec_file_load
    RunResult r = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-l", kernel, "--append=x"}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls[0].syscall, "kexec_file_load");
    cr_assert_eq(rec.calls[1].syscall, "kexec_load");
    cr_assert_eq(rec.calls[1].flags, abi::KEXEC_ARCH_X86_64);
}

Test(boot_params, framebuffer_and_reuse_video_type) {
    auto platform = read_platform(SystemView(fixture_sysroot("uefi")));
    cr_assert(platform.ok());
    PlatformInfo::Framebuffer fb;
    fb.id = "EFI VGA";
    fb.width = 1280;
    fb.height = 800;
    fb.depth = 32;
    fb.line_length = 5120;
    fb.base = 0x80000000;
    fb.size = 1280 * 800 * 4;
    fb.red_size = fb.green_size = fb.blue_size = fb.rsvd_size = 8;
    fb.red_pos = 16;
    fb.green_pos = 8;
    fb.rsvd_pos = 24;
    platform->framebuffer = fb;
    std::string kernel = make_bzimage();
    BootParamsRequest req{.kernel = {reinterpret_cast<const uint8_t*>(kernel.data()), kernel.size()},
                          .cmdline_address = 0x1000,
                          .e820 = platform->memory_map,
                          .efi = true};
    const BootParams with_fb = build_boot_params(req, *platform);
    auto page = with_fb.page.bytes();
    cr_assert_eq(page[0x0f], kVideoTypeEfi, "orig_video_isVGA: EFI");
    cr_assert_eq(le16(page, 0x12), 1280u);
    cr_assert_eq(le16(page, 0x14), 800u);
    cr_assert_eq(le16(page, 0x16), 32u);
    cr_assert_eq(le32(page, 0x18), 0x80000000u, "lfb_base");
    cr_assert_eq(le16(page, 0x24), 5120u, "lfb_linelength");
    cr_assert_eq(le32(page, 0x1c), (1280u * 800 * 4 + 65535) / 65536, "lfb_size in 64 KiB units");
    cr_assert_eq(page[0x27], 16, "red_pos");
    cr_assert_eq(page[0x07], 80, "VGA text defaults stay under the framebuffer values");
    // A framebuffer kexec does not know: the running kernel's screen_info,
    // unless --reuse-video-type asks to take its type with the fb geometry.
    platform->framebuffer->id = "simpledrmfb";
    const BootParams unknown_fb = build_boot_params(req, *platform);
    auto copied = unknown_fb.page.bytes();
    std::string current = read_file(fixture_sysroot("uefi") + "/sys/kernel/boot_params/data");
    cr_assert_eq(copied[0x0f], static_cast<uint8_t>(current[0x0f]));
    cr_assert_eq(le16(copied, 0x12), le16({reinterpret_cast<const uint8_t*>(current.data()), current.size()}, 0x12));
    req.reuse_video_type = true;
    platform->framebuffer->width = 1024;
    const BootParams reuse = build_boot_params(req, *platform);
    auto reused = reuse.page.bytes();
    cr_assert_eq(reused[0x0f], static_cast<uint8_t>(current[0x0f]), "the running kernel's video type");
    cr_assert_eq(le16(reused, 0x12), 1024u, "with the framebuffer's geometry");
}

// The framebuffer comes through SystemView like everything else: the
// ioctls' structs as /dev/fb0.screeninfo (captured on the live system
// before planning, or held by a fixture tree).
Test(boot_params, framebuffer_read_from_captured_screen_info) {
    SystemView sys(fixture_sysroot("uefi"));
    cr_assert(!read_platform(sys)->framebuffer, "no capture: no framebuffer");
    struct fb_fix_screeninfo fix {};
    struct fb_var_screeninfo var {};
    std::memcpy(fix.id, "EFI VGA", 7);
    fix.smem_start = 0x80000000;
    fix.smem_len = 1280 * 800 * 4;
    fix.line_length = 5120;
    var.xres = 1280;
    var.yres = 800;
    var.bits_per_pixel = 32;
    var.red = {16, 8, 0};
    var.green = {8, 8, 0};
    var.blue = {0, 8, 0};
    sys.set_file("/dev/fb0.screeninfo", std::string(reinterpret_cast<const char*>(&fix), sizeof fix) +
                                            std::string(reinterpret_cast<const char*>(&var), sizeof var));
    auto fb = read_platform(sys)->framebuffer;
    cr_assert(fb);
    kx_assert_str(fb->id, "EFI VGA");
    cr_assert_eq(fb->width, 1280u);
    cr_assert_eq(fb->base, 0x80000000u);
    cr_assert_eq(fb->line_length, 5120u);
    cr_assert_eq(fb->red_pos, 16);
    sys.set_file("/dev/fb0.screeninfo", "short");
    cr_assert(!read_platform(sys)->framebuffer, "a capture of the wrong size is ignored");
}

// Planning is a function of its inputs: no randomness, no mounts, so the
// same -c dry run prints the same plan (the RNG seed is a placeholder).
Test(boot_params, the_same_dry_run_twice_is_the_same_plan) {
    const std::string kernel = write_file(scratch_dir() + "/vmlinuz", make_bzimage());
    int planned = 0;
    for (const char* mode : {"bios", "uefi", "secureboot"})
        for (const char* action : {"-l", "-p"}) {
            const std::vector<std::string> args = {"--sysroot=" + fixture_sysroot(mode), "-c", action,
                                                   "--dry-run=json", "--append=quiet", kernel};
            RunResult a = run_kexec(args, nullptr), b = run_kexec(args, nullptr);
            cr_assert_eq(a.rc, b.rc);
            cr_assert(a.out == b.out, "%s %s: two dry runs differ", mode, action);
            cr_assert(a.err == b.err, "%s %s", mode, action);
            if (a.rc == 0) {
                planned++;
                cr_assert(contains(a.out, "RNG seed: 32 zero bytes in a dry run"), "%s: %s", mode, a.out.c_str());
            }
        }
    cr_assert_geq(planned, 2, "the BIOS and UEFI guests plan -c loads");
}
