#include "arch/x86_64/image_builder.hpp"

#include <algorithm>
#include <cerrno>

#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/purgatory.hpp"
#include "kexec_abi.hpp"
#include "strings.hpp"

namespace kx::x86 {
namespace {

constexpr uint64_t kMiB = 1 << 20;
constexpr uint64_t k4GiB = 1ull << 32;
constexpr uint64_t kNoLimit = ~0ull;

// ENOMEM marks "no room" for callers that add context (crash loads).
// kexec-tools die()s when locate_hole() finds no room: exit status 1.
Error no_room(const std::string& what, uint64_t size, const FreeMemory& free, bool crash) {
    Error e = usage_error("kexec: no room for the " + what + " (" + format_size(size) + ") in " +
                          (crash ? "the crash kernel region" : "free memory") + "; the largest free range is " +
                          format_size(free.largest()) +
                          (crash ? ": boot with a larger crashkernel= or pass a smaller --initrd" : ""));
    e.sys_errno = ENOMEM;
    return e;
}

// The purgatory's record of one segment: where, how long, what digest.
struct RegionRecord {
    uint64_t start, length;
    uint8_t sha256[32];
};

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

    SegmentLoadCall call;
    call.flags = abi::KEXEC_ARCH_X86_64 | (options.crash ? abi::KEXEC_ON_CRASH : 0);

    // 1. The kernel: its protected-mode part, with room for init_size (the
    //    decompressor works in place inside that window), aligned as asked.
    const uint64_t setup = h.setup_size();
    Payload kernel = boot.kernel.subrange(setup, image.size() - setup);
    const uint64_t kernel_memsz = page_align(std::max<uint64_t>(h.init_size, kernel.size()));
    const uint64_t kernel_align = std::max<uint64_t>(h.kernel_alignment, kPageSize);
    auto kernel_at = free.allocate(kernel_memsz, kernel_align, kMiB, kNoLimit, true);
    if (!kernel_at)
        return no_room("kernel", kernel_memsz, free, options.crash);

    // 2. The initrd, as high as the kernel allows.
    uint64_t initrd_at = 0, initrd_size = 0;
    if (boot.initrd && !boot.initrd->empty()) {
        initrd_size = boot.initrd->size();
        const uint64_t hi = (h.xloadflags & XLF_CAN_BE_LOADED_ABOVE_4G) ? kNoLimit : uint64_t{h.initrd_addr_max} + 1;
        auto at = free.allocate(page_align(initrd_size), kPageSize, kMiB, hi, true);
        if (!at)
            return no_room("initrd", initrd_size, free, options.crash);
        initrd_at = *at;
    }

    // 3. The zero page, command line, setup_data and EFI memory map, in one
    //    segment below 4 GiB. Built once to learn its size, once for real.
    BootParamsRequest req{image, 0, 0, initrd_at, initrd_size, e820, options.efi, options.reuse_video_type,
                          options.rng_seed};
    const uint64_t cmdline_offset = bp::kSize;
    const uint64_t tail_offset = (cmdline_offset + boot.cmdline.size() + 1 + 15) & ~uint64_t{15};
    BootParams trial = build_boot_params(req, platform);
    const uint64_t params_size = tail_offset + link_setup_data(trial, 0).size();
    // Below 4 GiB where possible; a crash region that is all high memory
    // (crashkernel=X,high) still works: the 64-bit entry takes any address.
    auto below_4g_or_anywhere = [&](uint64_t size, uint64_t align) {
        auto at = free.allocate(size, align, kMiB, k4GiB, true);
        return at ? at : free.allocate(size, align, kMiB, kNoLimit, true);
    };
    auto params_at = below_4g_or_anywhere(page_align(params_size), kPageSize);
    if (!params_at)
        return no_room("boot parameters", params_size, free, options.crash);
    req.params_address = *params_at;
    req.cmdline_address = *params_at + cmdline_offset;
    BootParams params = build_boot_params(req, platform);
    std::string tail = link_setup_data(params, *params_at + tail_offset);
    notes.insert(notes.end(), params.notes.begin(), params.notes.end());
    std::string params_bytes(reinterpret_cast<const char*>(params.page.bytes().data()), bp::kSize);
    params_bytes += boot.cmdline;
    params_bytes.resize(tail_offset, '\0');
    params_bytes += tail;

    // 4. The purgatory, relocated for its place below 4 GiB.
    KX_ASSIGN(Purgatory purgatory, Purgatory::parse(embedded_purgatory()));
    auto purgatory_at = below_4g_or_anywhere(page_align(purgatory.size()), std::max(purgatory.alignment(), kPageSize));
    if (!purgatory_at)
        return no_room("purgatory", purgatory.size(), free, options.crash);
    KX_TRY(purgatory.relocate(*purgatory_at));

    std::vector<Segment> segments = {
        Segment{"kernel", kernel, *kernel_at, kernel_memsz},
        Segment{"boot parameters", Payload::generated("boot parameters", std::move(params_bytes)), *params_at,
                page_align(params_size)},
    };
    if (initrd_size)
        segments.push_back(Segment{"initrd", *boot.initrd, initrd_at, page_align(initrd_size)});
    for (const Segment& s : options.extra_segments)
        segments.push_back(s);

    // 5. Digests of everything but the purgatory itself (it writes its own
    //    stack and variables), for the purgatory to check before jumping.
    std::vector<RegionRecord> regions;
    for (const Segment& s : segments) {
        if (s.data.empty())
            continue;
        RegionRecord r{s.mem, s.data.size(), {}};
        Sha256Digest d = s.data.sha256();
        std::copy(d.begin(), d.end(), r.sha256);
        regions.push_back(r);
    }
    if (regions.size() > 16)
        return make_error("kexec: too many segments for the purgatory (" + std::to_string(regions.size()) + ")");
    std::string region_bytes(reinterpret_cast<const char*>(regions.data()), regions.size() * sizeof(RegionRecord));
    KX_TRY(purgatory.set_symbol("kx_regions", {reinterpret_cast<const uint8_t*>(region_bytes.data()),
                                               region_bytes.size()}));
    KX_TRY(purgatory.set("kx_region_count", static_cast<uint32_t>(regions.size())));
    KX_TRY(purgatory.set("kx_skip_checks", static_cast<uint32_t>(options.skip_checks)));
    struct {
        uint16_t port;
        uint16_t pad;
        uint32_t baud;
    } console{options.serial_port, 0, options.serial_baud};
    KX_TRY(purgatory.set("kx_console", console));
    const uint64_t backup[3] = {options.backup_src, options.backup_dst, options.backup_size};  // struct kx_backup
    KX_TRY(purgatory.set("kx_backup", backup));
    uint64_t regs[17] = {};  // rax..r15, rip (struct kx_entry_regs)
    regs[4] = *params_at;        // rsi: the zero page
    regs[16] = *kernel_at + 0x200;  // the 64-bit entry point, startup_64
    KX_TRY(purgatory.set("kx_entry_regs", regs));
    KX_ASSIGN(call.entry, purgatory.symbol_address("purgatory_start"));
    segments.push_back(Segment{"purgatory", Payload::generated("purgatory", purgatory.image()), *purgatory_at,
                               page_align(purgatory.size())});

    std::sort(segments.begin(), segments.end(), [](const Segment& a, const Segment& b) { return a.mem < b.mem; });
    if (segments.size() > abi::KEXEC_SEGMENT_MAX)
        return make_error("kexec: " + std::to_string(segments.size()) + " segments; the kernel takes at most 16");
    call.segments = std::move(segments);
    call.cmdline = boot.cmdline;
    notes.push_back("kernel at " + hex(*kernel_at) + " (init_size " + hex(h.init_size) + "), boot parameters at " +
                    hex(*params_at) + (initrd_size ? ", initrd at " + hex(initrd_at) : "") + ", purgatory at " +
                    hex(*purgatory_at) + (options.skip_checks ? " (digest checks off: -i)" : ""));
    return call;
}

}  // namespace kx::x86
