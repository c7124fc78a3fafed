// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/image_builder.hpp"

#include "config.h"

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstring>

#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/purgatory.hpp"
#include "base/byte_reader.hpp"
#include "sys/kexec_abi.hpp"
#include "purgatory/abi.h"
#include "base/strings.hpp"

namespace kx::x86 {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t k4GiB = 1ull << 32;
// Low memory the real-mode path uses (kexec-tools: 0x3000 to 640 KiB).
constexpr uint64_t kLowMemoryStart = 0x3000, kLowMemoryEnd = 0xa0000;
// kexec-tools' defaults for kernels that do not say (ELF, old bzImages).
constexpr uint32_t kDefaultInitrdAddrMax = 0x37ffffff, kDefaultCmdlineSize = 2048;

// kexec-tools die()s when locate_hole() finds no room: exit status 1. The
// ENOMEM marks "no room" for callers that add context (crash loads).
Error no_room(const std::string& what, uint64_t size, const FreeMemory& free, bool crash) {
    Error e = usage_error("no room for the " + what + " (" + format_size(size) + ") in " +
                          (crash ? "the crash kernel region" : "free memory") + "; the largest free range is " +
                          format_size(free.largest()) +
                          (crash ? ": boot with a larger crashkernel= or pass a smaller --initrd" : ""));
    e.sys_errno = ENOMEM;
    return e;
}

// The initrd's segments, each to start on a fresh page. An archive that is
// one slice of a file (a UKI's .ucode or .initrd, an addon's .initrd, a
// plain --initrd) gets a segment of its own, so kexec_load reads it from our
// mapping of the file and it is never copied into our memory; the small
// generated archives between those (cpio headers, /.extra files) share one.
// The zeros the page alignment leaves between archives are skipped by the
// kernel's unpackers: init/initramfs.c unpack_to_rootfs() steps over zero
// bytes before an archive, lib/earlycpio.c find_cpio_data() (early
// microcode) over zero words.
constexpr uint64_t kOwnSegmentMin = 64 << 10;  // smaller archives are not worth a segment and its padding
constexpr size_t kMaxInitrdSegments = 8;       // of the 16 kexec_load takes

std::vector<Payload> initrd_segment_data(const Payload& initrd) {
    std::vector<Payload> out;
    Payload generated;
    for (const Payload& archive : initrd.archives()) {
        const Payload data = archive.subrange(0, archive.size() - archive.trailing_padding());
        if (data.pieces().size() == 1 && data.size() >= kOwnSegmentMin) {
            if (!generated.empty())
                out.push_back(std::move(generated));
            generated = Payload{};
            out.push_back(data);
        } else {
            generated.append(archive);
        }
    }
    if (!generated.empty())
        out.push_back(std::move(generated));
    if (out.size() > kMaxInitrdSegments)
        return {initrd};
    return out;
}

struct PlacedInitrd {
    uint64_t at = 0, size = 0;  // as the boot parameters give it (gaps included)
};

// Place the initrd as high as possible below `hi` and add its segments; or
// point at the first boot's, left where it is (--reuseinitrd).
Result<PlacedInitrd> place_initrd(const BootInputs& boot, const ImageOptions& options, uint64_t hi,
                                  FreeMemory& free, std::vector<Segment>& segments) {
    if (options.reused_initrd)
        return PlacedInitrd{options.reused_initrd->start, options.reused_initrd->end - options.reused_initrd->start};
    if (!boot.initrd || boot.initrd->empty())
        return PlacedInitrd{};
    const std::vector<Payload> parts = initrd_segment_data(*boot.initrd);
    std::vector<uint64_t> offsets;
    uint64_t size = 0;
    for (const Payload& part : parts) {
        size = page_align(size);
        offsets.push_back(size);
        size += part.size();
    }
    auto at = free.allocate(page_align(size), kPageSize, kMiB, hi, true);
    if (!at)
        return no_room("initrd", size, free, options.crash);
    for (size_t i = 0; i < parts.size(); i++)
        segments.push_back(Segment{i == 0 ? "initrd" : "initrd part " + std::to_string(i + 1), parts[i],
                                   *at + offsets[i], page_align(parts[i].size())});
    return PlacedInitrd{*at, size};
}

// How the purgatory enters the kernel; what a kernel format decided.
struct Entry {
    uint32_t mode = KX_ENTRY_64;
    kx_entry_regs regs64{};
    kx_entry32_regs regs32{};
    kx_entry16_regs regs16{};
    bool legacy_pic = false;
};

// The zero page with its command line and setup_data, in one segment below
// 4 GiB (anywhere for a crash region that is all high memory: the 64-bit
// entry takes any address). `header_source` carries the setup header to copy.
struct PlacedParams {
    uint64_t address = 0;
    Segment segment;
};

Result<PlacedParams> place_boot_params(BootParamsRequest req, const std::string& cmdline,
                                       const PlatformInfo& platform, FreeMemory& free, bool crash,
                                       std::vector<std::string>& notes) {
    const uint64_t cmdline_offset = bp::kSize;
    const uint64_t tail_offset = (cmdline_offset + cmdline.size() + 1 + 15) & ~uint64_t{15};
    BootParams trial = build_boot_params(req, platform);  // once to learn the size
    const uint64_t size = tail_offset + link_setup_data(trial, 0).size();
    auto at = free.allocate(page_align(size), kPageSize, kMiB, k4GiB, true);
    if (!at)
        at = free.allocate(page_align(size), kPageSize, kMiB, kNoLimit, true);
    if (!at)
        return no_room("boot parameters", size, free, crash);
    req.params_address = *at;
    req.cmdline_address = *at + cmdline_offset;
    BootParams params = build_boot_params(req, platform);
    std::string tail = link_setup_data(params, *at + tail_offset);
    notes.insert(notes.end(), params.notes.begin(), params.notes.end());
    std::string bytes(reinterpret_cast<const char*>(params.page.bytes().data()), bp::kSize);
    bytes += cmdline;
    bytes.resize(tail_offset, '\0');
    bytes += tail;
    return PlacedParams{*at, Segment{"boot parameters", Payload::generated("boot parameters", bytes), *at, page_align(size)}};
}

Result<Purgatory> place_purgatory(FreeMemory& free, uint64_t lo, uint64_t hi, bool crash) {
    KX_ASSIGN(Purgatory purgatory, Purgatory::parse(embedded_purgatory()));
    const uint64_t align = std::max(purgatory.alignment(), kPageSize);
    auto at = free.allocate(page_align(purgatory.size()), align, lo, hi, true);
    if (!at && hi == k4GiB)  // the 64-bit entry runs the purgatory anywhere
        at = free.allocate(page_align(purgatory.size()), align, lo, kNoLimit, true);
    if (!at)
        return no_room("purgatory", purgatory.size(), free, crash);
    KX_TRY(purgatory.relocate(*at));
    return purgatory;
}

// --load-preserve-context: the rest of [min, max] as empty segments, so the
// kernel keeps all of that memory (kexec-tools' add_backup_segments()).
void add_backup_segments(std::vector<Segment>& segments, const FreeMemory& free, uint64_t min, uint64_t max) {
    for (const Interval& iv : free.intervals()) {
        const uint64_t start = page_align(std::max(iv.start, min));
        const uint64_t end = std::min(iv.end, end_after(max)) & ~(kPageSize - 1);
        if (start < end)
            segments.push_back(Segment{"preserved memory", Payload{}, start, end - start});
    }
}

// The regions the purgatory checks before it starts the kernel: every
// segment's data but those the kernel rewrites. A large segment is cut into
// chunks so that the digests are computed on every core here (the
// purgatory's single pass over the same bytes costs the same either way).
// The cut depends on the sizes alone: the same inputs give the same plan on
// any machine.
constexpr uint64_t kHashChunk = 16 << 20;

// The regions, and for each the bytes whose digest the purgatory finds in
// it; the digests themselves are written when the call is made
// (write_pending_digests), as -a plans this call and seldom makes it.
struct CheckedRegions {
    std::vector<kx_region> table;  // digests still zero
    std::vector<Payload> bytes;    // one per region
};

Result<CheckedRegions> checked_regions(const std::vector<Segment>& segments) {
    std::vector<const Segment*> checked;
    for (const Segment& s : segments)
        if (!s.data.empty() && s.checked)
            checked.push_back(&s);
    auto regions_for = [&](uint64_t chunk) {
        uint64_t n = 0;
        for (const Segment* s : checked)
            n += (s->data.size() + chunk - 1) / chunk;
        return n;
    };
    uint64_t chunk = kHashChunk;
    while (regions_for(chunk) > KX_MAX_REGIONS && checked.size() <= KX_MAX_REGIONS)
        chunk *= 2;
    if (checked.size() > KX_MAX_REGIONS)
        return make_error("too many segments for the purgatory (" + std::to_string(checked.size()) + ")");
    CheckedRegions regions;
    for (const Segment* s : checked) {
        for (uint64_t at = 0; at < s->data.size(); at += chunk) {
            const uint64_t size = std::min(chunk, s->data.size() - at);
            regions.table.push_back(kx_region{s->mem + at, size, {}});
            regions.bytes.push_back(size == s->data.size() ? s->data : s->data.subrange(at, size));  // shares its digest
        }
    }
    return regions;
}

// The common end: the purgatory learns the digests, consoles, backup and
// registers; segments are sorted and counted.
Result<SegmentLoadCall> finish(std::vector<Segment> segments, std::optional<Purgatory> purgatory, const Entry& entry,
                               uint64_t direct_entry, const FreeMemory& free, const ImageOptions& o,
                               std::vector<std::string>& notes) {
    SegmentLoadCall call;
    call.flags = abi::KEXEC_ARCH_X86_64 | o.extra_flags | (o.crash ? abi::KEXEC_ON_CRASH : 0) |
                 (o.preserve_context ? abi::KEXEC_PRESERVE_CONTEXT : 0);
    for (const Segment& s : o.extra_segments)
        segments.push_back(s);
    call.entry = direct_entry;
    if (purgatory) {
        // Digests of everything but the purgatory itself (it writes its own
        // stack and variables), for the purgatory to check before jumping.
        KX_ASSIGN(CheckedRegions regions, checked_regions(segments));
        KX_TRY(purgatory->set_symbol("kx_regions", {reinterpret_cast<const uint8_t*>(regions.table.data()),
                                                    regions.table.size() * sizeof(kx_region)}));
        KX_TRY(purgatory->set("kx_region_count", static_cast<uint32_t>(regions.table.size())));
        KX_ASSIGN(const uint64_t table_at, purgatory->symbol_address("kx_regions"));
        PendingDigests digests;
        for (size_t i = 0; i < regions.bytes.size(); i++)
            digests.entries.push_back({table_at - purgatory->load_address() + i * sizeof(kx_region) +
                                           offsetof(kx_region, sha256),
                                       std::move(regions.bytes[i])});
        call.digests = std::move(digests);
        KX_TRY(purgatory->set("kx_skip_checks", static_cast<uint32_t>(o.skip_checks)));
        kx_console console{};
        console.serial_port = o.serial_port;
        console.serial_baud = o.serial_baud;
        console.vga = o.console_vga;
        console.reset_vga = o.reset_vga;
        console.legacy_pic = entry.legacy_pic;
        KX_TRY(purgatory->set("kx_console", console));
        const kx_backup backup{o.backup_src, o.backup_dst, o.backup_size};
        KX_TRY(purgatory->set("kx_backup", backup));
        KX_TRY(purgatory->set("kx_entry_mode", entry.mode));
        KX_TRY(purgatory->set("kx_entry_regs", entry.regs64));
        KX_TRY(purgatory->set("kx_entry32_regs", entry.regs32));
        KX_TRY(purgatory->set("kx_entry16_regs", entry.regs16));
        KX_ASSIGN(call.entry, purgatory->symbol_address("purgatory_start"));
        segments.push_back(Segment{"purgatory", Payload::generated("purgatory", purgatory->image()),
                                   purgatory->load_address(), page_align(purgatory->size())});
    }
    if (o.entry) {
        notes.push_back("--entry: kexec_load starts at " + hex(*o.entry) + " instead of " + hex(call.entry));
        call.entry = *o.entry;
    }
    if (o.preserve_context)
        add_backup_segments(segments, free, o.backup_min, o.backup_max);
    std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) { return a.mem < b.mem; });
    if (segments.size() > abi::KEXEC_SEGMENT_MAX)
        return make_error(std::to_string(segments.size()) + " segments; the kernel takes at most 16" +
                          (o.preserve_context ? " (--load-preserve-context: narrow --mem-min/--mem-max)" : ""));
    if (call.digests) {
        const auto holder = std::find_if(segments.begin(), segments.end(),
                                         [&](const Segment& s) { return s.mem == purgatory->load_address(); });
        call.digests->segment = static_cast<size_t>(holder - segments.begin());
    }
    call.segments = std::move(segments);
    return call;
}

uint64_t stack_end(const Purgatory& p) {
    auto at = p.symbol_address("kx_stack_end");
    return at.ok() ? *at : 0;
}

// --real-mode: the kernel's own setup code runs first and asks the BIOS for
// what a zero page would hold, so the block loaded low is the setup code,
// a heap up to 64 KiB, then the command line (as kexec-tools loads it).
Result<std::string> real_mode_block(std::span<const uint8_t> image, const SetupHeader& h, const std::string& cmdline,
                                    uint64_t block_at, uint64_t kernel_at, uint64_t initrd_at, uint64_t initrd_size,
                                    const std::string& name) {
    const uint64_t kern16 = h.setup_size();
    uint64_t needed = h.protocol >= 0x0201 ? le16(image, bp::heap_end_ptr) : kern16 + 8192;
    needed = std::max(needed, kern16);
    if (needed > 0xfffc)
        return make_error(name + ": the real-mode setup code and its heap exceed 64 KiB");
    const uint64_t heap = (0xfffc - needed) & ~uint64_t{0x1ff};
    const uint64_t cmdline_offset = needed + heap;
    std::string block(image.begin(), image.begin() + static_cast<long>(kern16));
    block.resize(cmdline_offset, '\0');
    block += cmdline;
    block.push_back('\0');
    uint8_t* b = reinterpret_cast<uint8_t*>(block.data());
    b[bp::type_of_loader] = kLoaderTypeKexec;
    b[bp::loadflags] = static_cast<uint8_t>((b[bp::loadflags] & ~0x80) | 0x80);  // CAN_USE_HEAP
    put_le16(b + bp::heap_end_ptr, static_cast<uint16_t>(needed + heap - 0x200));  // 512 bytes of stack
    put_le32(b + bp::code32_start, static_cast<uint32_t>(kernel_at));
    put_le32(b + bp::ramdisk_image, static_cast<uint32_t>(initrd_at));
    put_le32(b + bp::ramdisk_size, static_cast<uint32_t>(initrd_size));
    put_le16(b + bp::screen_info + bp::si_cl_magic, 0xa33f);
    put_le16(b + bp::screen_info + bp::si_cl_offset, static_cast<uint16_t>(cmdline_offset));
    if (h.protocol >= 0x0202)
        put_le32(b + bp::cmd_line_ptr, static_cast<uint32_t>(block_at + cmdline_offset));
    return block;
}

// A setup header for a kernel that has none (ELF): what kexec-tools'
// init_linux_parameters() fakes, protocol 2.06.
std::string faked_setup_header() {
    std::string h(1024, '\0');
    uint8_t* b = reinterpret_cast<uint8_t*>(h.data());
    b[bp::jump + 1] = bp::cmdline_size + 4 - bp::header;  // the header reaches through cmdline_size
    constexpr uint8_t kHeaderMagic[4] = {'H', 'd', 'r', 'S'};
    std::memcpy(b + bp::header, kHeaderMagic, sizeof kHeaderMagic);
    put_le16(b + bp::version, 0x0206);
    put_le32(b + bp::initrd_addr_max, kDefaultInitrdAddrMax);
    put_le32(b + bp::cmdline_size, kDefaultCmdlineSize);
    return h;
}

// kexec-tools' ELF boot notes (--args-elf): an Elf_Bhdr and three notes,
// the boot loader's name and version and the command line, IP-checksummed.
std::string elf_boot_notes(const std::string& cmdline) {
    auto note = [](uint32_t type, const std::string& desc) {
        std::string n(12, '\0');
        put_le32(reinterpret_cast<uint8_t*>(n.data()) + 4, static_cast<uint32_t>(desc.size()));
        put_le32(reinterpret_cast<uint8_t*>(n.data()) + 8, type);
        n += desc;
        n.resize((n.size() + 3) & ~size_t{3}, '\0');
        return n;
    };
    std::string body = note(2, std::string("kexec") + '\0') + note(3, std::string(PACKAGE_VERSION) + '\0') +
                       note(4, cmdline + '\0');
    std::string notes(12, '\0');
    uint8_t* h = reinterpret_cast<uint8_t*>(notes.data());
    put_le32(h, 0x0E1FB007);  // ELF_BOOT_MAGIC
    put_le32(h + 4, static_cast<uint32_t>(12 + body.size()));
    put_le16(h + 10, 3);      // records
    notes += body;
    uint32_t sum = 0;         // the IP checksum: ones' complement sum of 16-bit words
    for (size_t i = 0; i + 1 < notes.size(); i += 2)
        sum += le16({reinterpret_cast<const uint8_t*>(notes.data()), notes.size()}, i);
    if (notes.size() % 2)
        sum += static_cast<uint8_t>(notes.back());
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    put_le16(reinterpret_cast<uint8_t*>(notes.data()) + 8, static_cast<uint16_t>(~sum));
    return notes;
}

// The kernel's protected-mode part, with room for init_size (the
// decompressor works in place inside that window), aligned as asked. The
// 32-bit and real-mode entries need it below initrd_addr_max, as
// kexec-tools places it.
Result<Segment> place_kernel(const Payload& bzimage, const SetupHeader& h, EntryMode mode, FreeMemory& free,
                             bool crash) {
    const uint64_t setup = h.setup_size();
    Payload kernel = bzimage.subrange(setup, bzimage.size() - setup);
    const uint64_t kernel_memsz = page_align(std::max<uint64_t>(h.init_size, kernel.size()));
    const uint64_t kernel_align = std::max<uint64_t>(h.kernel_alignment, kPageSize);
    const uint64_t kernel_lo = mode == EntryMode::Long64 ? kMiB : std::max<uint64_t>(kMiB, h.pref_address);
    const uint64_t kernel_hi = mode == EntryMode::Long64
                                   ? kNoLimit
                                   : std::min<uint64_t>(kDefaultInitrdAddrMax, h.initrd_addr_max) + 1;
    auto kernel_at = free.allocate(kernel_memsz, kernel_align, kernel_lo, kernel_hi, true);
    if (!kernel_at)
        return no_room("kernel", kernel_memsz, free, crash);
    return Segment{"kernel", std::move(kernel), *kernel_at, kernel_memsz};
}

// 4 for --real-mode: the setup code, its heap and the command line below
// 640 KiB, entered where the setup code starts, as a BIOS boot loader would.
Result<uint64_t> place_real_mode_block(const BootInputs& boot, const SetupHeader& h, uint64_t kernel_at,
                                       const PlacedInitrd& initrd, const Purgatory& purgatory,
                                       const PlatformInfo& platform, FreeMemory& free, const ImageOptions& options,
                                       std::vector<Segment>& segments, Entry& entry, std::vector<std::string>& notes) {
    const uint64_t block_size = 0x10000 + boot.cmdline.size() + 1;  // setup, heap to 64 KiB, command line
    auto at = free.allocate(page_align(block_size), 16, kLowMemoryStart, kLowMemoryEnd, true);
    if (!at || *at > purgatory.load_address() || stack_end(purgatory) < 0x10000)
        return no_room("real-mode setup code (below 640 KiB)", block_size, free, options.crash);
    KX_ASSIGN(std::string block, real_mode_block(boot.kernel.contiguous(), h, boot.cmdline, *at, kernel_at, initrd.at,
                                                 initrd.size, boot.kernel.describe()));
    segments.push_back(Segment{"real-mode setup code", Payload::generated("real-mode setup", block), *at,
                               page_align(block.size())});
    const uint16_t seg = static_cast<uint16_t>(*at >> 4);
    entry.mode = KX_ENTRY_16;
    entry.regs16.ds = entry.regs16.es = entry.regs16.fs = entry.regs16.gs = seg;
    entry.regs16.cs = static_cast<uint16_t>(seg + 0x20);  // the setup code's entry, 512 bytes in
    entry.regs16.ss = static_cast<uint16_t>((stack_end(purgatory) - 0x10000) >> 4);
    entry.regs16.esp = 0xfffc;
    entry.legacy_pic = true;  // the setup code calls the BIOS
    if (platform.booted_via_efi())
        notes.push_back("--real-mode on a machine booted through EFI: there is no BIOS for the kernel's "
                        "setup code to call");
    return *at;
}

}  // namespace

Result<SegmentLoadCall> build_kexec_image(const BootInputs& boot, const std::vector<MemoryRange>& e820,
                                          const PlatformInfo& platform, FreeMemory free,
                                          const ImageOptions& options, std::vector<std::string>& notes) {
    const std::span<const uint8_t> image = boot.kernel.contiguous();
    const std::string kernel_name = boot.kernel.describe();
    KX_ASSIGN(SetupHeader h, parse_bzimage64(image, kernel_name));
    if (!h.relocatable_kernel)
        return make_error(kernel_name + ": not a relocatable kernel; kexec-uki only loads relocatable bzImages");
    KX_TRY(check_cmdline_fits(h, boot.cmdline, kernel_name));  // crash loads add elfcorehdr= and more
    const EntryMode mode = options.entry_mode;
    if (mode == EntryMode::Real16 && options.crash)
        return make_error(kernel_name + ": a crash kernel cannot start in real mode (kexec-tools refuses it too)");

    // 1. The kernel (place_kernel).
    KX_ASSIGN(Segment kernel_segment, place_kernel(boot.kernel, h, mode, free, options.crash));
    const uint64_t kernel_at = kernel_segment.mem;

    // 2. The initrd, as high as the kernel allows; or the first boot's, left
    //    where it is (--reuseinitrd).
    std::vector<Segment> segments = {std::move(kernel_segment)};
    const bool high_ok = (h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) && mode == EntryMode::Long64;
    KX_ASSIGN(const PlacedInitrd initrd,
              place_initrd(boot, options, high_ok ? kNoLimit : uint64_t{h.initrd_addr_max} + 1, free, segments));
    const uint64_t initrd_at = initrd.at, initrd_size = initrd.size;

    // 3. The purgatory, below 4 GiB (the 32-bit code that leaves long mode
    //    needs it there) or, for real mode, below 640 KiB.
    const bool low = mode == EntryMode::Real16;
    KX_ASSIGN(Purgatory purgatory, place_purgatory(free, low ? kLowMemoryStart : kMiB, low ? kLowMemoryEnd : k4GiB,
                                                   options.crash));

    // 4. The boot parameters: a zero page, or for real mode the setup code.
    Entry entry;
    uint64_t params_at = 0;
    if (mode == EntryMode::Real16) {
        KX_ASSIGN(params_at, place_real_mode_block(boot, h, kernel_at, initrd, purgatory, platform, free, options,
                                                   segments, entry, notes));
    } else {
        BootParamsRequest req{.kernel = image,  // the addresses are place_boot_params()'s
                              .initrd_address = initrd_at,
                              .initrd_size = initrd_size,
                              .e820 = e820,
                              .efi = options.efi,
                              .reuse_video_type = options.reuse_video_type,
                              .rng_seed = options.rng_seed};
        KX_ASSIGN(PlacedParams params, place_boot_params(req, boot.cmdline, platform, free, options.crash, notes));
        params_at = params.address;
        segments.push_back(std::move(params.segment));
        if (mode == EntryMode::Protected32) {
            entry.mode = KX_ENTRY_32;
            entry.regs32.esi = static_cast<uint32_t>(params_at);
            entry.regs32.eip = static_cast<uint32_t>(kernel_at);  // startup_32, at the start
            if (params_at >= k4GiB)
                return make_error("--entry-32bit needs the boot parameters below 4 GiB");
        } else {
            entry.regs64.rsi = params_at;
            entry.regs64.rip = kernel_at + 0x200;  // the 64-bit entry point, startup_64
        }
    }
    KX_ASSIGN(SegmentLoadCall call, finish(std::move(segments), std::move(purgatory), entry, 0, free, options, notes));
    call.cmdline = boot.cmdline;
    static const char* const mode_names[] = {"", " (32-bit entry)", " (real-mode entry)"};
    notes.push_back("kernel at " + hex(kernel_at) + " (init_size " + hex(h.init_size) + ")" +
                    mode_names[entry.mode] + ", " + (mode == EntryMode::Real16 ? "setup code" : "boot parameters") +
                    " at " + hex(params_at) +
                    (initrd_size ? ", initrd at " + hex(initrd_at) + (options.reused_initrd ? " (reused)" : "") : "") +
                    (options.skip_checks ? " (digest checks off: -i)" : ""));
    return call;
}

Result<SegmentLoadCall> build_elf_image(const ElfKernel& k, const BootInputs& boot,
                                        const std::vector<MemoryRange>& e820, const PlatformInfo& platform,
                                        FreeMemory free, const ImageOptions& options,
                                        std::vector<std::string>& notes) {
    const std::string name = boot.kernel.describe();
    if (options.entry_mode != EntryMode::Long64)
        return make_error(name + ": --entry-32bit and --real-mode are for bzImages; an ELF kernel starts at its "
                                 "entry point");
    if (options.crash && options.elf_args != ElfArgStyle::Linux)
        return make_error(name + ": a crash kernel needs --args-linux (the ELF core headers are passed on its "
                                 "command line)");

    // 1. The PT_LOAD segments, where the file says (kexec-tools does not
    //    relocate them either): they must land in free RAM.
    std::vector<Segment> segments;
    for (const ElfLoad& l : k.loads) {
        const uint64_t mem = l.paddr & ~(kPageSize - 1);
        const uint64_t memsz = page_align(l.paddr + l.memsz) - mem;
        if (!free.reserve(mem, memsz))
            return make_error(name + ": PT_LOAD at " + hex(l.paddr) + "+" + hex(l.memsz) + " is not in " +
                              (options.crash ? "the crash kernel region" : "free RAM") +
                              " (kexec-tools: \"Invalid memory segment\")");
        Payload data;
        if (l.paddr != mem)
            data.append_zeros(l.paddr - mem, "alignment");
        data.append(boot.kernel.subrange(l.offset, l.filesz));
        segments.push_back(Segment{"kernel PT_LOAD " + hex(l.paddr), data, mem, memsz});
    }

    // 2. --args-none: no purgatory, kexec_load jumps to the entry point.
    if (options.elf_args == ElfArgStyle::None) {
        notes.push_back("--args-none: entering " + hex(k.entry) + " directly: no purgatory, no digest checks, "
                        "no arguments" + (boot.initrd ? " (the initrd is not loaded)" : ""));
        KX_ASSIGN(SegmentLoadCall call, finish(std::move(segments), std::nullopt, Entry{}, k.entry, free, options, notes));
        call.cmdline = boot.cmdline;
        return call;
    }

    KX_ASSIGN(Purgatory purgatory, place_purgatory(free, kMiB, k4GiB, options.crash));
    Entry entry;
    entry.regs64.rip = k.entry;
    if (options.elf_args == ElfArgStyle::Elf) {
        // 3a. --args-elf (kexec-tools' default for ELF): boot notes in rdi;
        // no initrd (the planner refuses one: plan_elf).
        const std::string n = elf_boot_notes(boot.cmdline);
        auto at = free.allocate(page_align(n.size()), kPageSize, kMiB, k4GiB, true);
        if (!at)
            return no_room("ELF boot notes", n.size(), free, options.crash);
        segments.push_back(Segment{"ELF boot notes", Payload::generated("ELF boot notes", n), *at, page_align(n.size())});
        entry.regs64.rdi = *at;
        notes.push_back("--args-elf: ELF boot notes at " + hex(*at) + "; a Linux kernel wants --args-linux");
    } else {
        // 3b. --args-linux: a zero page with a faked setup header, as for a bzImage.
        if (boot.cmdline.size() >= kDefaultCmdlineSize)
            return make_error(name + ": the command line is " + std::to_string(boot.cmdline.size()) +
                              " bytes; an ELF kernel is given at most " + std::to_string(kDefaultCmdlineSize - 1));
        const std::string header = faked_setup_header();
        KX_ASSIGN(const PlacedInitrd initrd,
                  place_initrd(boot, options, uint64_t{kDefaultInitrdAddrMax} + 1, free, segments));
        BootParamsRequest req{.kernel = {reinterpret_cast<const uint8_t*>(header.data()), header.size()},
                              .initrd_address = initrd.at,
                              .initrd_size = initrd.size,
                              .e820 = e820,
                              .efi = options.efi,
                              .reuse_video_type = options.reuse_video_type,
                              .rng_seed = options.rng_seed};
        KX_ASSIGN(PlacedParams params, place_boot_params(req, boot.cmdline, platform, free, options.crash, notes));
        entry.regs64.rsi = params.address;
        segments.push_back(std::move(params.segment));
    }
    KX_ASSIGN(SegmentLoadCall call, finish(std::move(segments), std::move(purgatory), entry, 0, free, options, notes));
    call.cmdline = boot.cmdline;
    notes.push_back("ELF kernel: " + std::to_string(k.loads.size()) + " PT_LOAD segments up to " + hex(k.end()) +
                    ", entry " + hex(k.entry));
    return call;
}

}  // namespace kx::x86
