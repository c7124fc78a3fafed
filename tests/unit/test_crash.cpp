// SPDX-License-Identifier: GPL-2.0-or-later
// kdump with kexec_load (-c -p) on trees captured from real guests booted
// with crashkernel=256M and 2 CPUs: ELF core headers, the backup region, the
// crash kernel's e820 and command line, everything inside the crash region.
#include <criterion/criterion.h>

#include "arch/x86_64/crashdump.hpp"
#include "arch/x86_64/purgatory.hpp"
#include "base/byte_reader.hpp"
#include "helpers.hpp"
#include "uki_styles.hpp"
#include "sys/kexec_abi.hpp"
#include "base/strings.hpp"

using namespace kx;
using namespace kx::x86;
using namespace kxt;

namespace {

std::span<const uint8_t> bytes(const std::string& s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

struct Phdr {
    uint32_t type;
    uint64_t offset, vaddr, paddr, size;
};

std::vector<Phdr> phdrs(const std::string& elf) {
    std::vector<Phdr> out;
    auto b = bytes(elf);
    for (uint64_t i = 0; i < le16(b, 56); i++) {
        const uint64_t h = 64 + 56 * i;
        out.push_back({le32(b, h), le64(b, h + 8), le64(b, h + 16), le64(b, h + 24), le64(b, h + 32)});
    }
    return out;
}

}  // namespace

Test(crash, regions_low_and_high) {
    std::string root = make_sysroot({{"/proc/iomem", "00100000-bfffffff : System RAM\n"
                                                      "  7f000000-8effffff : Crash kernel\n"
                                                      "100000000-43fffffff : System RAM\n"
                                                      "  400000000-43fffffff : Crash kernel\n"}});
    auto regions = find_crash_regions(SystemView(root));
    cr_assert(regions.ok());
    cr_assert_eq(regions->size(), 2u);
    cr_assert_eq((*regions)[1].start, 0x400000000u);
    RunResult r = run_kexec({"--sysroot=" + root, "--print-ckr-size"}, nullptr);
    cr_assert_str_eq(r.out.c_str(), "1073741824\n", "the highest region, as kexec-tools reports");
}

Test(crash, dump_info_from_a_real_guest) {
    auto info = read_crash_dump_info(SystemView(fixture_sysroot("bios")));
    cr_assert(info.ok(), "%s", info.ok() ? "" : info.error().message.c_str());
    cr_assert_eq(info->crash_regions.size(), 1u);
    cr_assert_eq(info->crash_regions[0].end - info->crash_regions[0].start, 256u << 20, "crashkernel=256M");
    cr_assert_eq(info->cpu_notes.size(), 2u, "two CPUs, two PT_NOTEs");
    cr_assert(info->vmcoreinfo.has_value());
    cr_assert(info->kernel_paddr.has_value(), "Kernel code from /proc/iomem");
    // KASLR: the kernel text and the direct map moved; /proc/kcore says where.
    cr_assert(info->kernel_vaddr.has_value(), "the kernel text mapping found through _stext");
    const uint64_t stext = *parse_u64("0x" + read_file(fixture_sysroot("bios") + "/proc/kallsyms").substr(0, 16));
    cr_assert(*info->kernel_vaddr <= stext && stext < *info->kernel_vaddr + info->kernel_size);
    cr_assert_eq(*info->kernel_vaddr % 0x200000, 0u);
    cr_assert_geq(info->page_offset, 0xff00000000000000ull);
    cr_assert_eq(info->page_offset % (1ull << 30), 0u);
    for (const auto& r : info->ranges)
        if (r.type == E820Type::Ram)
            cr_assert(r.end < info->crash_regions[0].start || r.start >= info->crash_regions[0].end,
                      "RAM range %s-%s overlaps the crash region", hex(r.start).c_str(), hex(r.end).c_str());
}

Test(crash, elf_core_headers) {
    auto info = read_crash_dump_info(SystemView(fixture_sysroot("uefi")));
    cr_assert(info.ok());
    Backup backup = backup_source(*info);
    cr_assert_lt(backup.src + backup.size, 0xa0001u, "the first RAM range below 640 KiB");
    backup.dst = info->crash_regions[0].start + 0x100000;
    std::string elf = build_elf_core_headers(*info, backup);
    auto b = bytes(elf);
    cr_assert_eq(elf.substr(0, 4), std::string("\x7f" "ELF"));
    cr_assert_eq(b[4], 2, "ELF64");
    cr_assert_eq(le16(b, 16), 4u, "ET_CORE");
    cr_assert_eq(le16(b, 18), 62u, "EM_X86_64");
    auto ph = phdrs(elf);
    int notes = 0;
    uint64_t ram_dumped = 0, ram_total = 0;
    bool backup_seen = false;
    for (const auto& p : ph) {
        if (p.type == 4) {
            notes++;
            cr_assert_eq(p.offset, p.paddr, "a note is read at its physical address");
            continue;
        }
        cr_assert_eq(p.type, 1u);
        if (p.paddr == backup.src && p.size == backup.size) {
            backup_seen = true;
            cr_assert_eq(p.offset, backup.dst, "the first 640 KiB are read from the backup copy");
        }
        if (p.vaddr >= 0xffffffff80000000ull) {
            cr_assert_eq(p.paddr, *info->kernel_paddr, "kernel text at its physical address");
            continue;  // the kernel text mapping (also inside RAM)
        }
        cr_assert_eq(p.vaddr, info->page_offset + p.paddr, "direct-map virtual address");
        cr_assert(p.paddr + p.size <= info->crash_regions[0].start || p.paddr >= info->crash_regions[0].end,
                  "the crash region is not dumped");
        ram_dumped += p.size;
    }
    for (const auto& r : info->ranges)
        ram_total += r.type == E820Type::Ram ? r.size() : 0;
    cr_assert_eq(notes, 3, "two CPUs and vmcoreinfo");
    cr_assert(backup_seen);
    cr_assert_eq(ram_dumped, ram_total, "all RAM outside the crash region is described");
}

Test(crash, crash_kernel_e820_and_memmap) {
    auto info = read_crash_dump_info(SystemView(fixture_sysroot("bios")));
    cr_assert(info.ok());
    Backup backup = backup_source(*info);
    const Interval region = info->crash_regions[0];
    backup.dst = region.end - 0xa0000;
    const Interval headers{region.end - 0xb0000, region.end - 0xa0000};
    auto e820_result = crash_kernel_e820(*info, backup, {{backup.dst, region.end}, headers});
    cr_assert(e820_result.ok());
    const auto& e820 = *e820_result;
    uint64_t ram = 0;
    for (const auto& r : e820) {
        if (r.type != E820Type::Ram)
            continue;
        ram += r.size();
        const bool in_region = r.start >= region.start && r.end < region.end;
        const bool is_backup_src = r.start == backup.src;
        cr_assert(in_region || is_backup_src, "RAM %s-%s offered to the crash kernel", hex(r.start).c_str(),
                  hex(r.end).c_str());
        cr_assert(r.end < headers.start || r.start >= headers.end, "the ELF headers are not RAM for it");
    }
    cr_assert_eq(ram, (region.end - region.start) - 0xb0000 + backup.size);
    bool acpi = false;
    for (const auto& r : e820)
        acpi |= r.type == E820Type::Acpi || r.type == E820Type::Reserved;
    cr_assert(acpi, "firmware ranges are kept");
    std::string memmap = memmap_cmdline(e820);
    cr_assert(starts_with(memmap, " memmap=exactmap memmap=635K@4K"), "%s", memmap.c_str());
}

Test(crash, kexec_c_p_on_a_real_guest_tree) {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string initrd = write_file(dir + "/kdump.img", std::string(100000, 'K'));
    RecordingBackend rec;
    RunResult r = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-c", "-p", "--initrd=" + initrd,
                             "--command-line=irqpoll nr_cpus=1", kernel}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 1u);
    const RecordedCall& c = rec.calls[0];
    cr_assert_eq(c.flags, abi::KEXEC_ARCH_X86_64 | abi::KEXEC_ON_CRASH);
    cr_assert_eq(c.segments.size(), 6u, "kernel, initrd, params, purgatory, ELF headers, backup");
    auto region = find_crash_regions(SystemView(fixture_sysroot("bios"))).value()[0];
    for (const auto& s : c.segments)
        cr_assert(s.mem >= region.start && s.mem + s.memsz <= region.end, "segment %s outside the crash region",
                  hex(s.mem).c_str());
    // Dry run shows elfcorehdr= pointing at the ELF header segment.
    RunResult plan = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-c", "-p", "--dry-run", "--initrd=" + initrd,
                                "--command-line=irqpoll nr_cpus=1", "--pass-memmap-cmdline", kernel}, nullptr);
    cr_assert_eq(plan.rc, 0, "%s", plan.err.c_str());
    size_t at = plan.out.find("ELF core headers: ");
    cr_assert(at != std::string::npos, "%s", plan.out.c_str());
    size_t line = plan.out.rfind("\n", at);
    uint64_t hdr = *parse_u64(plan.out.substr(line + 5, plan.out.find('+', line) - line - 5));
    cr_assert(contains(plan.out, "elfcorehdr=" + std::to_string(hdr / 1024) + "K"), "%s", plan.out.c_str());
    cr_assert(contains(plan.out, "memmap=exactmap"));
}

UKI_TEST(crash, too_small_a_region_says_so) {
    std::string dir = scratch_dir();
    UkiSpec spec;
    spec.cmdline = "x";
    spec.linux_image = make_bzimage();
    spec.initrds = {std::string(40 << 20, 'I')};
    std::string uki = write_file(dir + "/u.efi", build_uki(style, spec));
    std::string root = make_sysroot({
        {"/proc/iomem", "00001000-0009ffff : System RAM\n00100000-3fffffff : System RAM\n"
                        "  30000000-31ffffff : Crash kernel\n"},
        {"/sys/devices/system/cpu/cpu0/crash_notes", "3fe00000\n"},
        {"/sys/devices/system/cpu/cpu0/crash_notes_size", "424\n"},
    });
    RecordingBackend rec;
    RunResult r = run_kexec({"--sysroot=" + root, "-c", "-p", uki}, &rec);
    cr_assert_eq(r.rc, 1);
    cr_assert(contains(r.err, "no room for the initrd"), "%s", r.err.c_str());
    cr_assert(contains(r.err, "the region is 32.0 MiB"), "%s", r.err.c_str());
    cr_assert(contains(r.err, "this load needs about 45.6 MiB"), "%s", r.err.c_str());
    cr_assert(contains(r.err, "kdump tools pass a small kdump initramfs with --initrd"), "%s", r.err.c_str());
    cr_assert(rec.calls.empty());
    RecordingBackend file;
    file.results = {ENOEXEC, ENOMEM};
    RunResult s = run_kexec({"--sysroot=" + root, "-s", "-p", uki}, &file);
    cr_assert(contains(s.err, "too small") && contains(s.err, "the UKI's own initrd"), "%s", s.err.c_str());
}

Test(crash, purgatory_gets_the_backup) {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    RunResult plan = run_kexec({"--sysroot=" + fixture_sysroot("uefi"), "-c", "-p", "-d", "--dry-run", kernel}, nullptr);
    cr_assert_eq(plan.rc, 0, "%s", plan.err.c_str());
    cr_assert(contains(plan.err, "backup of 0x0+0xa0000") || contains(plan.err, "backup of 0x1000+"),
              "%s", plan.err.c_str());
}

// --mem-max is the last usable address: all ones is "no limit", and the
// end after it must not wrap to 0 (which left no room in the crash region).
Test(crash, mem_max_at_the_top_of_the_address_space) {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    for (const char* mem_max : {"--mem-max=0xffffffffffffffff", "--mem-max=18446744073709551615"}) {
        RecordingBackend rec;
        RunResult r = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-c", "-p", mem_max, kernel}, &rec);
        cr_assert_eq(r.rc, 0, "%s: %s", mem_max, r.err.c_str());
        RecordingBackend l;
        RunResult n = run_kexec({"--sysroot=" + fixture_sysroot("bios"), "-c", "-l", mem_max, kernel}, &l);
        cr_assert_eq(n.rc, 0, "%s: %s", mem_max, n.err.c_str());
    }
}
