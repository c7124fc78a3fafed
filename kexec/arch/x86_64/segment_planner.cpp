// SPDX-License-Identifier: GPL-2.0-or-later
#include "arch/x86_64/segment_planner.hpp"

#include <algorithm>
#include <cerrno>

#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/crashdump.hpp"
#include "arch/x86_64/image_builder.hpp"
#include "sys/kexec_abi.hpp"
#include "sys/security.hpp"
#include "base/strings.hpp"

namespace kx {
namespace x86 {
namespace {

// kexec_load cannot work under lockdown, nor under Secure Boot with IMA's
// architecture policy (no file to appraise): say so before building anything.
Status check_kexec_load_allowed(const SystemView& sys) {
    SecurityState sec = read_security_state(sys);
    if (sec.locked_down())
        return make_error("the kernel is locked down (" + *sec.lockdown +
                          ") and refuses kexec_load (-c): use kexec -s (kexec_file_load) with a kernel signed "
                          "by a key the kernel trusts");
    if (sec.secure_boot.value_or(false) && sec.ima_present)
        return make_error("Secure Boot is on and IMA appraises kexec kernels, which it cannot do for "
                          "kexec_load (-c): use kexec -s (kexec_file_load)");
    if (sec.kexec_load_disabled.value_or(false))
        return make_error("kexec is disabled on this system (kernel.kexec_load_disabled=1)");
    return {};
}

// The kernel format's builder: a bzImage, or an ELF vmlinux.
Result<SegmentLoadCall> build_image(const BootInputs& boot, const std::vector<MemoryRange>& e820,
                                    const PlatformInfo& platform, FreeMemory free, const ImageOptions& io,
                                    std::vector<std::string>& notes) {
    if (boot.format == KernelFormat::Elf) {
        KX_ASSIGN(ElfKernel elf, parse_elf_kernel(boot.kernel.contiguous(), boot.kernel.describe()));
        return build_elf_image(elf, boot, e820, platform, std::move(free), io, notes);
    }
    return build_kexec_image(boot, e820, platform, std::move(free), io, notes);
}

// kexec -c -p: everything goes into the (highest) crash region, with the
// ELF core headers and the 640 KiB backup, and the crash kernel is told
// where the headers are (elfcorehdr=) and that only the crash region is its.
Result<SegmentLoadCall> plan_crash_image(const LoadPlan& load, const KexecLoadOptions& opts, const SystemView& sys,
                                         const PlatformInfo& platform, ImageOptions io,
                                         std::vector<std::string>& notes) {
    KX_ASSIGN(CrashDumpInfo info, read_crash_dump_info(sys));
    notes.insert(notes.end(), info.notes.begin(), info.notes.end());
    const Interval region = info.crash_regions.back();
    const uint64_t lo = std::max(region.start, opts.mem_min);
    const uint64_t hi = std::min(region.end, end_after(opts.mem_max.value_or(kNoLimit)));
    FreeMemory free(std::vector<Interval>{{lo, hi}});

    Backup backup = backup_source(info);
    auto backup_at = free.allocate(page_align(backup.size), 4096, 0, kNoLimit, true);
    if (!backup_at)
        return usage_error("the crash kernel region is too small even for the 640 KiB backup");
    backup.dst = *backup_at;
    std::string headers = build_elf_core_headers(info, backup);
    uint64_t headers_memsz = std::max<uint64_t>(page_align(headers.size()), 16 * 1024ull);
    if (opts.hotplug) {
        KX_ASSIGN(uint64_t hotplug_size, hotplug_headers_size(sys));
        headers_memsz = std::max(headers_memsz, page_align(hotplug_size));
        io.extra_flags |= abi::KEXEC_UPDATE_ELFCOREHDR;
        notes.push_back("--hotplug: ELF core headers of " + format_size(headers_memsz) +
                        " that the kernel updates (not checked by the purgatory)");
    }
    auto headers_at = free.allocate(headers_memsz, 4096, 0, kNoLimit, true);
    if (!headers_at)
        return usage_error("the crash kernel region is too small for the ELF core headers");
    KX_ASSIGN(std::vector<MemoryRange> e820,
              crash_kernel_e820(info, backup,
                                {{backup.dst, backup.dst + page_align(backup.size)}, {*headers_at, *headers_at + headers_memsz}}));

    BootInputs boot = load.boot;
    boot.cmdline += " elfcorehdr=" + std::to_string(*headers_at / 1024) + "K";
    if (opts.pass_memmap_cmdline)
        boot.cmdline += memmap_cmdline(e820);
    // Without EFI hand-over the crash kernel cannot find ACPI through the EFI
    // system table: tell it where the RSDP is (as kexec-tools does).
    if (platform.booted_via_efi() && (opts.noefi || !platform.efi.present) && platform.acpi_rsdp)
        boot.cmdline += " acpi_rsdp=" + hex(*platform.acpi_rsdp);

    io.extra_segments.push_back(Segment{"crash backup (640 KiB)", Payload{}, backup.dst, page_align(backup.size)});
    io.extra_segments.push_back(Segment{"ELF core headers", Payload::generated("elfcorehdr", headers), *headers_at,
                                        headers_memsz, !opts.hotplug});
    io.backup_src = backup.src;
    io.backup_dst = backup.dst;
    io.backup_size = backup.size;
    notes.push_back("crash region " + hex(region.start) + "-" + hex(region.end - 1) + ": ELF core headers at " +
                    hex(*headers_at) + " (" + std::to_string(info.cpu_notes.size()) + " CPU notes), backup of " +
                    hex(backup.src) + "+" + hex(backup.size) + " at " + hex(backup.dst));

    auto call = build_image(boot, e820, platform, std::move(free), io, notes);
    if (!call.ok() && call.error().sys_errno == ENOMEM) {  // no room in the region
        // Say how much the load needs: the kernel's decompression window,
        // the initrd, and about a MiB for everything else.
        auto h = parse_bzimage64(load.boot.kernel.contiguous(), load.image);
        const uint64_t needed = (h.ok() ? h->init_size : 0) + (load.boot.initrd ? load.boot.initrd->size() : 0) +
                                page_align(backup.size) + headers_memsz + (1 << 20);
        const std::string hint = load.initrd_from_uki ? " (" + kdump_initrd_hint() + ")" : "";
        Error e = call.take_error();
        e.message += " (the region is " + format_size(region.end - region.start) + "; this load needs about " +
                     format_size(needed) + ")" + hint + ".";
        return e;
    }
    return call;
}

// --reuseinitrd: the initrd the running kernel booted with, which
// retain_initrd keeps in RAM; its place comes from the boot parameters.
Result<Interval> retained_initrd(const PlatformInfo& platform) {
    if (!platform.current)
        return make_error("--reuseinitrd: /sys/kernel/boot_params/data is missing, so the first boot's initrd "
                          "cannot be found");
    const ZeroPage& p = *platform.current;
    const uint64_t at = p.get32(bp::ramdisk_image) | (uint64_t{p.get32(bp::ext_ramdisk_image)} << 32);
    const uint64_t size = p.get32(bp::ramdisk_size) | (uint64_t{p.get32(bp::ext_ramdisk_size)} << 32);
    if (at == 0 || size == 0)
        return make_error("--reuseinitrd: the running kernel was booted without an initrd");
    return Interval{at, at + size};
}

}  // namespace
}  // namespace x86

Result<SegmentLoadCall> plan_segment_load(const LoadPlan& load, const x86::KexecLoadOptions& opts,
                                          const SystemView& sys, std::vector<std::string>& notes) {
    using namespace x86;
    KX_TRY(check_kexec_load_allowed(sys));
    KX_ASSIGN(PlatformInfo platform, read_platform(sys));

    ImageOptions io;
    io.crash = load.crash;
    io.skip_checks = opts.skip_checks;
    if (opts.console_serial) {
        io.serial_port = opts.serial_base.value_or(0x3f8);
        io.serial_baud = opts.serial_baud.value_or(0);
    }
    io.console_vga = opts.console_vga;
    io.reset_vga = opts.reset_vga;
    io.efi = !opts.noefi;
    io.reuse_video_type = opts.reuse_video_type;
    io.entry_mode = opts.real_mode ? EntryMode::Real16 : opts.entry_32bit ? EntryMode::Protected32 : EntryMode::Long64;
    io.elf_args = opts.elf_args.value_or(ElfArgStyle::Elf);  // kexec-tools' default for ELF kernels
    io.entry = opts.entry;
    io.rng_seed = sys.rng_seed().bytes;  // drawn before planning: planning draws no randomness
    if (!sys.rng_seed().note.empty())
        notes.push_back(sys.rng_seed().note);

    // Real mode needs low memory (the setup code and the purgatory below
    // 640 KiB); nothing else is placed there.
    const uint64_t low = io.entry_mode == EntryMode::Real16 ? 0x3000 : 0x100000;
    const uint64_t mem_min = std::max<uint64_t>(opts.mem_min, low);
    const uint64_t mem_max = opts.mem_max.value_or(kNoLimit);
    if (opts.preserve_context) {
        io.preserve_context = true;
        io.backup_min = opts.mem_min;
        io.backup_max = mem_max;
    }
    if (load.crash)
        return plan_crash_image(load, opts, sys, platform, io, notes);

    // Never overwrite a loaded crash kernel, nor an initrd being reused.
    KX_ASSIGN(std::vector<Interval> excluded, find_crash_regions(sys));
    if (load.boot.reuse_retained_initrd) {
        KX_ASSIGN(Interval initrd, retained_initrd(platform));
        io.reused_initrd = initrd;
        excluded.push_back({initrd.start & ~(kPageSize - 1), page_align(initrd.end)});
        notes.push_back("--reuseinitrd: the first boot's initrd at " + hex(initrd.start) + "+" +
                        hex(initrd.end - initrd.start) + " is passed on where it is");
    }
    if (io.entry_mode == EntryMode::Real16)
        excluded.push_back({0xa0000, 0x100000});  // the legacy video and BIOS area
    FreeMemory free(platform.memory_map, mem_min, mem_max, excluded);
    return build_image(load.boot, e820_for_next_kernel(platform.memory_map), platform, std::move(free), io, notes);
}

}  // namespace kx
