// SPDX-License-Identifier: GPL-2.0-or-later
// The rest of kexec-tools 2.0.32's x86_64 options, each against the plan it
// makes on a tree captured from a real SeaBIOS guest: what kexec_load gets
// (entry, flags, segments) and what the purgatory is told (its variables,
// read back from the planned purgatory segment). Then ELF vmlinux kernels.
#include <criterion/criterion.h>

#include <algorithm>
#include <cstring>

#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/purgatory.hpp"
#include "base/byte_reader.hpp"
#include "helpers.hpp"
#include "sys/kexec_abi.hpp"
#include "plan/planner.hpp"
#include "purgatory/abi.h"
#include "base/sha256.hpp"
#include "base/strings.hpp"

using namespace kx;
using namespace kx::x86;
using namespace kxt;

namespace {

struct Guest {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string initrd = write_file(dir + "/initrd.img", std::string(5000, 'I'));
    std::string root;
    // The SeaBIOS guest's tree, with extra files (path -> contents).
    explicit Guest(std::initializer_list<std::pair<std::string, std::string>> extra = {}) {
        root = dir + "/sysroot";
        cr_assert_eq(run_shell("cp -a '" + fixture_sysroot("bios") + "' '" + root + "'"), 0);
        for (const auto& [path, contents] : extra)
            write_file(root + path, contents);
    }
};

Result<Invocation> try_plan(const Guest& g, std::vector<std::string> args) {
    auto o = parse_args(std::move(args));
    if (!o.ok())
        return o.take_error();
    return plan_invocation(*o, SystemView(g.root));
}

SegmentLoadCall plan_c(const Guest& g, std::vector<std::string> args) {
    auto inv = try_plan(g, std::move(args));
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    cr_assert(inv->load && inv->load->segment_load, "a kexec_load was planned");
    return *inv->load->segment_load;
}

const Segment* find(const SegmentLoadCall& call, const std::string& label) {
    for (const Segment& s : call.segments)
        if (starts_with(s.label, label))
            return &s;
    return nullptr;
}

// A purgatory variable (element `index` of it, for a table) in the bytes of
// a purgatory loaded at `mem`.
template <class T>
T purgatory_var_in(const std::string& bytes, uint64_t mem, const std::string& name, size_t index = 0) {
    auto p = Purgatory::parse(embedded_purgatory());
    cr_assert(p.ok() && p->relocate(mem).ok());
    const uint64_t at = *p->symbol_address(name) - mem + index * sizeof(T);
    cr_assert_leq(at + sizeof(T), bytes.size());
    T value;
    std::memcpy(&value, bytes.data() + at, sizeof value);
    return value;
}

// A purgatory variable as the planned purgatory segment holds it.
template <class T>
T purgatory_var(const SegmentLoadCall& call, const std::string& name) {
    const Segment* seg = find(call, "purgatory");
    cr_assert(seg, "no purgatory segment");
    return purgatory_var_in<T>(seg->data.bytes_copy(), seg->mem, name);
}

int exit_status_of(const Guest& g, std::vector<std::string> args, std::deque<int> results = {}) {
    RecordingBackend rec(0, 0);
    rec.results = std::move(results);
    args.insert(args.begin(), "--sysroot=" + g.root);
    return run_kexec(args, &rec).rc;
}

}  // namespace

// --entry: kexec_load starts there instead of at the purgatory (kexec-tools'
// my_load() overrides info.entry); kexec_file_load has no entry to set.
Test(kexec_tools_options, entry_overrides_the_kexec_load_entry) {
    Guest g;
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--entry=0x7c00", g.kernel});
    cr_assert_eq(call.entry, 0x7c00u);
    SegmentLoadCall plain = plan_c(g, {"-c", "-l", g.kernel});
    cr_assert_neq(plain.entry, 0x7c00u);
    cr_assert_eq(plain.entry, find(plain, "purgatory")->mem + (plain.entry - find(plain, "purgatory")->mem),
                 "by default the purgatory's start");
    cr_assert_eq(exit_status_of(g, {"-l", "--entry=zz", g.kernel}), 1, "bad value: usage, 1");
}

// --console-vga and --reset-vga reach the purgatory, with the serial port.
Test(kexec_tools_options, consoles_reach_the_purgatory) {
    Guest g;
    SegmentLoadCall call =
        plan_c(g, {"-c", "-l", "--console-vga", "--reset-vga", "--console-serial", "--serial=ttyS1",
                   "--serial-baud=9600", g.kernel});
    const auto console = purgatory_var<kx_console>(call, "kx_console");
    cr_assert_eq(console.vga, 1);
    cr_assert_eq(console.reset_vga, 1);
    cr_assert_eq(console.serial_port, 0x2f8);
    cr_assert_eq(console.serial_baud, 9600u);
    const auto quiet = purgatory_var<kx_console>(plan_c(g, {"-c", "-l", g.kernel}), "kx_console");
    cr_assert(quiet.vga == 0 && quiet.reset_vga == 0 && quiet.serial_port == 0);
}

// --entry-32bit: startup_32 in protected mode, esi = boot parameters; the
// kernel below kexec-tools' 0x37ffffff limit; the purgatory below 4 GiB.
Test(kexec_tools_options, entry_32bit_uses_the_32_bit_boot_protocol) {
    Guest g;
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--entry-32bit", "--initrd=" + g.initrd, g.kernel});
    cr_assert_eq(purgatory_var<uint32_t>(call, "kx_entry_mode"), static_cast<uint32_t>(KX_ENTRY_32));
    const auto regs = purgatory_var<kx_entry32_regs>(call, "kx_entry32_regs");
    cr_assert_eq(regs.eip, find(call, "kernel")->mem, "startup_32 is at the start of the protected-mode kernel");
    cr_assert_eq(regs.esi, find(call, "boot parameters")->mem);
    cr_assert_lt(find(call, "kernel")->mem + find(call, "kernel")->memsz, 0x38000000u);
    cr_assert_lt(find(call, "initrd")->mem, 0x80000000u, "the initrd below initrd_addr_max, not above 4 GiB");
    cr_assert_lt(find(call, "purgatory")->mem, 1ull << 32);
    // kexec-tools' kexec_file_load path refuses it (EFAILED, no fallback).
    cr_assert_eq(exit_status_of(g, {"-s", "-l", "--entry-32bit", g.kernel}), 255);
    cr_assert_eq(exit_status_of(g, {"-l", "--entry-32bit", g.kernel}), 255, "-a does not fall back either");
}

// --real-mode: the kernel's setup code below 640 KiB, entered at its
// 16-bit entry (cs = setup segment + 0x20, ip 0) with the BIOS's PIC set up.
Test(kexec_tools_options, real_mode_starts_the_setup_code) {
    Guest g;
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--real-mode", "--append=quiet", g.kernel});
    cr_assert_eq(purgatory_var<uint32_t>(call, "kx_entry_mode"), static_cast<uint32_t>(KX_ENTRY_16));
    const Segment* setup = find(call, "real-mode setup code");
    cr_assert(setup);
    cr_assert_lt(setup->mem + setup->memsz, 0xa0000u);
    cr_assert_geq(setup->mem, 0x3000u);
    const std::string block = setup->data.bytes_copy();
    const std::string kernel = read_file(g.kernel);
    cr_assert(block.substr(0x40, 0x1b0) == kernel.substr(0x40, 0x1b0), "the setup code itself");
    cr_assert_eq(static_cast<uint8_t>(block[bp::type_of_loader]), 0xd0, "type_of_loader: kexec");
    cr_assert_eq(static_cast<uint8_t>(block[bp::loadflags]) & 0x80, 0x80, "CAN_USE_HEAP");
    cr_assert_eq(peek32(block, bp::code32_start), find(call, "kernel")->mem, "code32_start: where the kernel is");
    const uint32_t cmdline_ptr = peek32(block, bp::cmd_line_ptr);
    cr_assert(contains(block.substr(cmdline_ptr - setup->mem), "quiet"));
    const auto regs = purgatory_var<kx_entry16_regs>(call, "kx_entry16_regs");
    cr_assert_eq(regs.ds, setup->mem >> 4);
    cr_assert_eq(regs.cs, (setup->mem >> 4) + 0x20);
    cr_assert_eq(regs.ip, 0);
    cr_assert_lt(find(call, "purgatory")->mem + find(call, "purgatory")->memsz, 0xa0000u);
    cr_assert_gt(find(call, "purgatory")->mem, setup->mem, "the setup code lies below the purgatory");
    cr_assert_eq(purgatory_var<kx_console>(call, "kx_console").legacy_pic, 1);
    auto crash = try_plan(g, {"-c", "-p", "--real-mode", g.kernel});
    cr_assert(!crash.ok() && contains(crash.error().message, "a crash kernel cannot start in real mode"));
}

// --hotplug: the kernel updates the crash image's ELF core headers on CPU
// and memory hotplug (KEXEC_UPDATE_ELFCOREHDR), so their segment is as large
// as it asks and the purgatory does not check their digest.
Test(kexec_tools_options, hotplug_sizes_and_unchecks_the_elf_headers) {
    Guest g({{"/sys/kernel/crash_elfcorehdr_size", "0x80000\n"}});
    SegmentLoadCall call = plan_c(g, {"-c", "-p", "--hotplug", "--initrd=" + g.initrd, g.kernel});
    cr_assert(call.flags & abi::KEXEC_UPDATE_ELFCOREHDR);
    const Segment* headers = find(call, "ELF core headers");
    cr_assert_eq(headers->memsz, 0x80000u);
    cr_assert(!headers->checked);
    uint32_t with_data = 0;
    for (const Segment& s : call.segments)
        with_data += !s.data.empty() && s.label != "purgatory";
    cr_assert_eq(purgatory_var<uint32_t>(call, "kx_region_count"), with_data - 1, "all but the headers");
    SegmentLoadCall plain = plan_c(g, {"-c", "-p", g.kernel});
    cr_assert(!(plain.flags & abi::KEXEC_UPDATE_ELFCOREHDR));
    Guest old;  // no CONFIG_CRASH_HOTPLUG
    cr_assert_eq(exit_status_of(old, {"-s", "-p", "--hotplug", g.kernel}), 1, "kexec-tools die()s");
}

// --load-preserve-context: KEXEC_PRESERVE_CONTEXT, and every free page of
// [--mem-min, --mem-max] becomes a segment the kernel keeps.
Test(kexec_tools_options, preserve_context_keeps_the_memory_range) {
    Guest g;
    SegmentLoadCall call = plan_c(g, {"-c", "--load-preserve-context", "--mem-min=0x1000000", "--mem-max=0x7ffffff",
                                      g.kernel});
    cr_assert(call.flags & abi::KEXEC_PRESERVE_CONTEXT);
    uint64_t covered = 0;
    for (const Segment& s : call.segments) {
        cr_assert(s.mem >= 0x1000000 && s.mem + s.memsz <= 0x8000000, "%s outside the range", s.label.c_str());
        covered += s.memsz;
    }
    cr_assert_eq(covered, 0x7000000u, "all of the range is a segment");
    cr_assert_eq(exit_status_of(g, {"-c", "--load-preserve-context", g.kernel}), 1, "needs --mem-max: die()");
    cr_assert_eq(exit_status_of(g, {"--load-preserve-context", "--mem-max=0x7ffffff", g.kernel}), 1,
                 "not with kexec_file_load (-a tries it first): die()");
}

// --load-jump-back-helper: no load; one empty segment with
// KEXEC_PRESERVE_CONTEXT entered at --entry, in the kexec'd kernel.
Test(kexec_tools_options, jump_back_helper) {
    Guest g;
    RecordingBackend rec(0, 0);
    RunResult r = run_kexec({"--sysroot=" + g.root, "-c", "--load-jump-back-helper", "--entry=0x1000"}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 3u, "sync and ifdown (kexec-tools sets both), then the helper");
    const RecordedCall& helper = rec.calls.back();
    kx_assert_str(helper.syscall, "kexec_load");
    cr_assert_eq(helper.entry, 0x1000u);
    cr_assert_eq(helper.flags, abi::KEXEC_PRESERVE_CONTEXT);
    cr_assert_eq(helper.segments.size(), 1u);
    cr_assert_eq(helper.segments[0].bufsz, 0u);
    RecordingBackend loaded(1, 0);
    cr_assert_eq(run_kexec({"-c", "--load-jump-back-helper", "--entry=0x1000"}, &loaded).rc, 255,
                 "a kexec kernel is loaded here");
    RecordingBackend none(0, 0);
    cr_assert_eq(run_kexec({"-c", "--load-jump-back-helper"}, &none).rc, 255, "no --entry");
    cr_assert_eq(run_kexec({"-s", "--load-jump-back-helper", "--entry=0x1000"}, &none).rc, 1,
                 "not with kexec_file_load: die()");
    // kexec-tools sets KEXEC_PRESERVE_CONTEXT for it, which its
    // kexec_file_load path refuses: even -a must be -c.
    RecordingBackend automatic(0, 0);
    cr_assert_eq(run_kexec({"--load-jump-back-helper", "--entry=0x1000"}, &automatic).rc, 1);
    cr_assert(automatic.calls.empty());
}

// --reuseinitrd: retain_initrd kept the first boot's initrd in RAM; kexec_load
// points the new kernel at it without loading it again.
Test(kexec_tools_options, reuse_initrd_points_at_the_retained_one) {
    Guest g({{"/proc/cmdline", "console=ttyS0 retain_initrd crashkernel=256M\n"}});
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--reuseinitrd", g.kernel});
    cr_assert_null(find(call, "initrd"), "nothing loaded for it");
    const std::string params = find(call, "boot parameters")->data.bytes_copy();
    cr_assert_eq(peek32(params, bp::ramdisk_image), 0x3fdde000u, "ramdisk_image: where the first boot's initrd is");
    cr_assert_eq(peek32(params, bp::ramdisk_size), 0x1f1a00u);
    for (const Segment& s : call.segments)
        cr_assert(s.mem + s.memsz <= 0x3fdde000 || s.mem >= 0x3fdde000 + 0x1f1a00, "%s overlaps the initrd",
                  s.label.c_str());
    Guest plain;  // booted without retain_initrd
    cr_assert_eq(exit_status_of(plain, {"-c", "-l", "--reuseinitrd", g.kernel}), 1, "kexec-tools die()s");
    cr_assert_eq(exit_status_of(g, {"-s", "-l", "--reuseinitrd", g.kernel}), 255,
                 "kexec_file_load needs it as a file: /sys/firmware/initrd (Linux 6.5+)");
    Guest newer({{"/proc/cmdline", "retain_initrd\n"}, {"/sys/firmware/initrd", "FIRST-BOOT-INITRD"}});
    auto inv = try_plan(newer, {"-s", "-l", "--reuseinitrd", g.kernel});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    kx_assert_str(inv->load->file_calls[0].initrd->bytes_copy(), "FIRST-BOOT-INITRD");
    auto automatic = try_plan(g, {"-l", "--reuseinitrd", g.kernel});
    cr_assert(automatic.ok() && automatic->load->file_calls.empty() && automatic->load->segment_load,
              "-a goes straight to kexec_load when kexec_file_load cannot take it");
}

// --- -a's fallback, planned with the rest --------------------------------------

namespace {

// The kexec_load part of a text plan: its heading's entry and flags, then
// one line per segment (address, size, label, digest), without "(fallback)".
std::vector<std::string> kexec_load_lines(const std::string& plan) {
    std::vector<std::string> lines;
    bool in = false;
    for (const std::string& line : split_lines(plan)) {
        if (starts_with(line, "  kexec_load")) {
            in = true;
            lines.push_back(line.substr(line.find(": entry")));
            continue;
        }
        if (in && starts_with(line, "    0x"))
            lines.push_back(line);
        else if (!starts_with(line, "    "))  // "    command line given:" is the plan's
            in = false;
    }
    return lines;
}

}  // namespace

// The default mode's plan holds the kexec_load it falls back to: the same
// segments, byte for byte (digests included), as -c plans, and a dry run
// shows them under the errnos that lead there.
Test(fallback, dry_run_of_a_lists_the_kexec_load_of_c) {
    Guest g;
    for (const char* target : {"-l", "-p"}) {
        const std::vector<std::string> common = {"--sysroot=" + g.root, "--dry-run", target, "--initrd=" + g.initrd,
                                                 "--append=console=ttyS0", g.kernel};
        std::vector<std::string> a = common, c = common;
        c.insert(c.begin() + 2, "-c");
        RecordingBackend ra, rc;
        RunResult pa = run_kexec(a, &ra), pc = run_kexec(c, &rc);
        cr_assert_eq(pa.rc, 0, "%s", pa.err.c_str());
        cr_assert_eq(pc.rc, 0, "%s", pc.err.c_str());
        cr_assert(contains(pa.out, "  on ENOSYS, EINVAL, ENOEXEC, EOPNOTSUPP: fall back to kexec_load\n"), "%s",
                  pa.out.c_str());
        cr_assert(contains(pa.out, "  kexec_load (fallback): entry "), "%s", pa.out.c_str());
        const auto la = kexec_load_lines(pa.out), lc = kexec_load_lines(pc.out);
        cr_assert_geq(lc.size(), 4u, "%s", pc.out.c_str());
        cr_assert_eq(la.size(), lc.size(), "%s\n---\n%s", pa.out.c_str(), pc.out.c_str());
        for (size_t i = 0; i < la.size(); i++)
            kx_assert_str(la[i], lc[i]);
        cr_assert(contains(pa.out, "kexec_file_load #1: bzImage"), "the file call comes first");
        // JSON: the same segments under "kexec_load", the branch named.
        a.insert(a.begin() + 1, "--dry-run=json");
        a.erase(std::find(a.begin() + 2, a.end(), "--dry-run"));
        RecordingBackend rj;
        RunResult pj = run_kexec(a, &rj);
        cr_assert_eq(pj.rc, 0, "%s", pj.err.c_str());
        cr_assert(contains(pj.out, "\"fallback\": \"kexec_load\""), "%s", pj.out.c_str());
        cr_assert(contains(pj.out, "\"no_fallback\": null"), "%s", pj.out.c_str());
        for (const std::string& line : lc)
            if (starts_with(line, "    0x"))
                cr_assert(contains(pj.out, line.substr(line.rfind("sha256 ") + 7)), "%s", line.c_str());
    }
}

// What a real run makes after ENOEXEC is the call the plan showed: the
// segments where a dry run of -c put them, the files' bytes as it hashed
// them, and a purgatory whose table holds the digests of what was loaded
// (written when the call was made; the boot parameters differ by the RNG
// seed a real run draws).
Test(fallback, the_call_made_after_enoexec_is_the_one_planned) {
    Guest g;
    const std::vector<std::string> args = {"--sysroot=" + g.root, "-l", "--initrd=" + g.initrd, g.kernel};
    auto inv = try_plan(g, {"-l", "--initrd=" + g.initrd, g.kernel});
    cr_assert(inv.ok() && inv->load->segment_load && inv->load->falls_back());
    cr_assert(inv->load->segment_load->digests.has_value(), "planning leaves the digests to the call");

    std::vector<std::string> c = args;
    c.insert(c.begin() + 1, "-c");
    c.insert(c.begin() + 1, "--dry-run");
    RecordingBackend dry;
    RunResult pc = run_kexec(c, &dry);
    cr_assert_eq(pc.rc, 0, "%s", pc.err.c_str());
    std::vector<std::string> planned;  // "    0xMEM+0xMEMSZ label: ..."
    for (const std::string& line : kexec_load_lines(pc.out))
        if (starts_with(line, "    0x"))
            planned.push_back(line);

    RecordingBackend rec;
    rec.keep_bytes = true;
    rec.results = {ENOEXEC, 0};
    RunResult r = run_kexec(args, &rec);  // a test's backend stands in for the kernel
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert_geq(rec.calls.size(), 2u);  // then sync, as kexec-tools does after -l
    kx_assert_str(rec.calls[0].syscall, "kexec_file_load");
    const RecordedCall& made = rec.calls[1];
    kx_assert_str(made.syscall, "kexec_load");
    cr_assert_eq(made.segments.size(), planned.size());
    uint64_t purgatory_at = 0;
    for (size_t i = 0; i < planned.size(); i++) {
        const auto& seg = made.segments[i];
        cr_assert(starts_with(planned[i], "    " + hex(seg.mem) + "+" + hex(seg.memsz) + " "), "%s", planned[i].c_str());
        if (contains(planned[i], " kernel: ") || contains(planned[i], " initrd: "))
            cr_assert(contains(planned[i], "sha256 " + seg.sha256), "%s", planned[i].c_str());
        if (contains(planned[i], " purgatory: "))
            purgatory_at = seg.mem;
    }
    cr_assert_neq(purgatory_at, 0u);
    const std::string* image = nullptr;
    for (const auto& seg : made.segments)
        if (seg.mem == purgatory_at)
            image = &seg.bytes;
    const auto count = purgatory_var_in<uint32_t>(*image, purgatory_at, "kx_region_count");
    cr_assert_geq(count, 3u, "kernel, boot parameters, initrd");
    for (uint32_t i = 0; i < count; i++) {
        const auto region = purgatory_var_in<kx_region>(*image, purgatory_at, "kx_regions", i);
        bool found = false;
        for (const auto& seg : made.segments) {
            if (region.start < seg.mem || region.start + region.length > seg.mem + seg.bytes.size())
                continue;
            const Sha256Digest d = sha256({reinterpret_cast<const uint8_t*>(seg.bytes.data()) +
                                               (region.start - seg.mem),
                                           region.length});
            cr_assert_eq(std::memcmp(d.data(), region.sha256, d.size()), 0, "region %u at %s", i,
                         hex(region.start).c_str());
            found = true;
        }
        cr_assert(found, "region %u at %s is in a segment", i, hex(region.start).c_str());
    }
}

// Under lockdown kexec_load is refused: -a plans no fallback, says why in
// the dry run, and after ENOEXEC reports that instead of calling it.
Test(fallback, none_under_lockdown_and_the_reason_is_the_error) {
    Guest g({{"/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"}});
    RecordingBackend dry;
    RunResult p = run_kexec({"--sysroot=" + g.root, "--dry-run", "-l", g.kernel}, &dry);
    cr_assert_eq(p.rc, 0, "%s", p.err.c_str());
    cr_assert(contains(p.out, "  kexec_load (fallback): not possible: the kernel is locked down (integrity)"),
              "%s", p.out.c_str());
    RecordingBackend rec;
    rec.results = {ENOEXEC};
    RunResult r = run_kexec({"--sysroot=" + g.root, "-l", g.kernel}, &rec);
    cr_assert_neq(r.rc, 0);
    cr_assert(contains(r.err, "is locked down (integrity) and refuses kexec_load (-c)"), "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 1u, "only the file call is made, and nothing after the failure");
}

// --- ELF vmlinux ---------------------------------------------------------------

namespace {

// A minimal x86-64 ELF executable: two PT_LOAD segments at 16 MiB and
// 18 MiB, entry in the first.
std::string make_vmlinux(uint64_t paddr = 0x1000000) {
    std::string f(0x3000, '\0');
    std::memcpy(f.data(), "\x7f" "ELF", 4);
    f[4] = 2;
    f[5] = 1;
    f[6] = 1;
    poke16(f, 16, 2);   // ET_EXEC
    poke16(f, 18, 62);  // EM_X86_64
    poke32(f, 24, static_cast<uint32_t>(paddr + 0x40));  // e_entry (low half)
    poke32(f, 32, 64);  // e_phoff
    poke16(f, 52, 64);
    poke16(f, 54, 56);
    poke16(f, 56, 2);
    auto phdr = [&](int i, uint64_t offset, uint64_t pa, uint64_t filesz, uint64_t memsz) {
        const size_t h = 64 + static_cast<size_t>(i) * 56;
        poke32(f, h, 1);  // PT_LOAD
        poke32(f, h + 8, static_cast<uint32_t>(offset));
        poke32(f, h + 16, static_cast<uint32_t>(pa | 0xffffffff80000000ull));  // p_vaddr, low half
        poke32(f, h + 24, static_cast<uint32_t>(pa));
        poke32(f, h + 32, static_cast<uint32_t>(filesz));
        poke32(f, h + 40, static_cast<uint32_t>(memsz));
    };
    phdr(0, 0x1000, paddr, 0x1000, 0x1000);
    phdr(1, 0x2000, paddr + 0x200000, 0x1000, 0x5000);
    std::fill(f.begin() + 0x1000, f.begin() + 0x2000, 'T');
    std::fill(f.begin() + 0x2000, f.end(), 'D');
    return f;
}

}  // namespace

// --args-linux: PT_LOAD segments where the file says, a zero page with
// kexec-tools' faked protocol 2.06 header, rip = e_entry, rsi = the page.
Test(elf_kernel, args_linux) {
    Guest g;
    const std::string elf = write_file(g.dir + "/vmlinux", make_vmlinux());
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--args-linux", "--append=root=/dev/vda", "--initrd=" + g.initrd, elf});
    const Segment* text = find(call, "kernel PT_LOAD 0x1000000");
    const Segment* data = find(call, "kernel PT_LOAD 0x1200000");
    cr_assert(text && data);
    cr_assert_eq(text->mem, 0x1000000u);
    cr_assert(text->data.bytes_copy() == std::string(0x1000, 'T'));
    cr_assert_eq(data->memsz, 0x5000u, "p_memsz, the rest zero-filled");
    const auto regs = purgatory_var<kx_entry_regs>(call, "kx_entry_regs");
    cr_assert_eq(regs.rip, 0x1000040u);
    const Segment* params = find(call, "boot parameters");
    cr_assert_eq(regs.rsi, params->mem);
    const std::string page = params->data.bytes_copy();
    cr_assert(page.substr(bp::header, 4) == "HdrS");
    cr_assert_eq(peek32(page, bp::version) & 0xffff, 0x0206u);
    cr_assert(contains(page.substr(peek32(page, bp::cmd_line_ptr) - params->mem), "root=/dev/vda"));
    cr_assert_lt(find(call, "initrd")->mem, 0x38000000u);
}

// kexec-tools' default for an ELF kernel is --args-elf: ELF boot notes in
// rdi (magic 0x0E1FB007, IP-checksummed), and no initrd.
Test(elf_kernel, args_elf_is_the_default) {
    Guest g;
    const std::string elf = write_file(g.dir + "/vmlinux", make_vmlinux());
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--append=hello", elf});
    const Segment* notes = find(call, "ELF boot notes");
    cr_assert(notes);
    const std::string n = notes->data.bytes_copy();
    cr_assert_eq(peek32(n, 0), 0x0E1FB007u);
    cr_assert_eq(peek32(n, 4), n.size());
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n.size(); i += 2)
        sum += static_cast<uint8_t>(n[i]) | (static_cast<uint8_t>(n[i + 1]) << 8);
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    cr_assert_eq(sum, 0xffffu, "the IP checksum sums to all ones");
    cr_assert(contains(n, "hello"));
    cr_assert_eq(purgatory_var<kx_entry_regs>(call, "kx_entry_regs").rdi, notes->mem);
    cr_assert_eq(exit_status_of(g, {"-c", "-l", "--initrd=" + g.initrd, elf}), 1,
                 "kexec-tools die()s: Ramdisks not supported with generic elf arguments");
}

// --args-none: kexec_load enters the kernel directly: no purgatory.
Test(elf_kernel, args_none_jumps_straight_in) {
    Guest g;
    const std::string elf = write_file(g.dir + "/vmlinux", make_vmlinux());
    SegmentLoadCall call = plan_c(g, {"-c", "-l", "--args-none", elf});
    cr_assert_eq(call.entry, 0x1000040u);
    cr_assert_null(find(call, "purgatory"));
    cr_assert_eq(call.segments.size(), 2u);
}

// kexec_file_load takes bzImages only: -s gets ENOEXEC (exit 253, as
// kexec-tools' EFALLBACK) and the default mode falls back to kexec_load.
Test(elf_kernel, file_load_refuses_and_auto_falls_back) {
    Guest g;
    const std::string elf = write_file(g.dir + "/vmlinux", make_vmlinux());
    auto inv = try_plan(g, {"-s", "-l", "--args-linux", "--append=x", "--initrd=" + g.initrd, elf});
    cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
    const FileLoadCall& c = inv->load->file_calls[0];
    cr_assert(!c.initrd && !c.cmdline, "kexec-tools passes the ELF alone");
    cr_assert(c.flags & abi::KEXEC_FILE_NO_INITRAMFS);
    cr_assert_eq(exit_status_of(g, {"-s", "-l", "--args-linux", elf}, {ENOEXEC}), 253);
    RecordingBackend rec(0, 0);
    rec.results = {ENOEXEC, 0};
    RunResult r = run_kexec({"--sysroot=" + g.root, "-l", "--args-linux", elf}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    kx_assert_str(rec.calls[1].syscall, "kexec_load");
}

Test(elf_kernel, segments_outside_free_ram_and_hostile_files) {
    Guest g;
    const std::string low = write_file(g.dir + "/low", make_vmlinux(0x2000));  // below 1 MiB: not free
    auto r = try_plan(g, {"-c", "-l", "--args-linux", low});
    cr_assert(!r.ok() && contains(r.error().message, "is not in free RAM"), "%s", r.ok() ? "" : r.error().message.c_str());
    std::string cut = make_vmlinux();
    poke16(cut, 56, 300);  // 300 program headers: past the end
    const std::string bad = write_file(g.dir + "/bad", cut);
    auto b = try_plan(g, {"-c", "-l", "--args-linux", "-t", "elf-x86_64", bad});
    cr_assert(!b.ok() && contains(b.error().message, "program headers (300 at 0x40) extend past the end of the file"),
              "%s", b.ok() ? "" : b.error().message.c_str());
    // Found by fuzzing: a PT_LOAD ending in the last page of the address
    // space, whose end rounded up to a page wraps to 0.
    std::string top = make_vmlinux();
    const size_t h = 64 + 56;  // the second program header
    poke32(top, h + 24, 0xfffff100);
    poke32(top, h + 28, 0xffffffff);  // p_paddr 0xfffffffffffff100
    poke32(top, h + 32, 0x100);       // p_filesz
    poke32(top, h + 40, 0xe00);       // p_memsz: ends at 0xffffffffffffff00
    auto t = try_plan(g, {"-c", "-l", "--args-linux", write_file(g.dir + "/top", top)});
    cr_assert(!t.ok() && contains(t.error().message, "physical range 0xfffffffffffff100+0xe00 overflows"), "%s",
              t.ok() ? "" : t.error().message.c_str());
    auto crash = try_plan(g, {"-c", "-p", "--args-none", write_file(g.dir + "/v", make_vmlinux())});
    cr_assert(!crash.ok() && contains(crash.error().message, "a crash kernel needs --args-linux"));
}
