// SPDX-License-Identifier: GPL-2.0-or-later
// Option parsing against the argument shapes distro scripts use, asserted on
// the resulting plan fields.
#include <criterion/criterion.h>

#include <algorithm>

#include "plan/cmdline.hpp"
#include "helpers.hpp"
#include "sys/kexec_abi.hpp"
#include "plan/options.hpp"
#include "plan/planner.hpp"
#include "uki_builder.hpp"

#include <unistd.h>

using namespace kx;
using namespace kxt;

namespace {

struct Fixture {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string initrd = write_file(dir + "/initrd.img", std::string(4096, 'I'));
    std::string sysroot = make_sysroot({
        {"/proc/cmdline", "BOOT_IMAGE=/vmlinuz-6.1 root=/dev/vda1 crashkernel=256M quiet\n"},
        {"/proc/sys/kernel/osrelease", "6.12.48+deb12-amd64\n"},
        {"/proc/iomem", "00001000-0009fbff : System RAM\n"
                        "00100000-3ffdffff : System RAM\n"
                        "  2b000000-3affffff : Crash kernel\n"},
    });
};

Options parse(std::vector<std::string> args) {
    auto r = parse_args(std::move(args));
    cr_assert(r.ok(), "parse failed: %s", r.ok() ? "" : r.error().message.c_str());
    return *r;
}

Invocation plan(const Fixture& f, std::vector<std::string> args) {
    Options o = parse(std::move(args));
    SystemView sys(f.sysroot);
    auto inv = plan_invocation(o, sys);
    cr_assert(inv.ok(), "plan failed: %s", inv.ok() ? "" : inv.error().message.c_str());
    return std::move(inv).value();
}

}  // namespace

Test(options, kdumpctl_shape) {
    Fixture f;
    Invocation inv = plan(f, {"-s", "-p", "--command-line=root=/dev/vda1 irqpoll nr_cpus=1", "--initrd=" + f.initrd, f.kernel});
    cr_assert(inv.load.has_value());
    const LoadPlan& l = *inv.load;
    cr_assert(l.crash);
    cr_assert_eq(l.file_calls.size(), 1u);
    cr_assert_eq(l.file_calls[0].flags, abi::KEXEC_FILE_ON_CRASH);
    cr_assert_str_eq(l.file_calls[0].cmdline->c_str(), "root=/dev/vda1 irqpoll nr_cpus=1");
    cr_assert_eq(l.file_calls[0].initrd->size(), 4096u);
    cr_assert(!l.falls_back() && !l.segment_load, "-s must not fall back");
    cr_assert(!inv.unload && !inv.shutdown && !inv.sync && !inv.exec && !inv.ifdown);
}

Test(options, debian_kdump_config_shape) {
    Fixture f;
    Invocation inv = plan(f, {"-p", "--command-line=root=/dev/vda1 irqpoll", "--initrd=" + f.initrd, f.kernel});
    const LoadPlan& l = *inv.load;
    cr_assert(l.crash);
    cr_assert_eq(l.file_calls[0].flags, abi::KEXEC_FILE_ON_CRASH);
    cr_assert(l.falls_back(), "default mode is -a");
    cr_assert(!inv.sync && !inv.exec && !inv.shutdown);
}

Test(options, old_systemctl_kexec_shape) {
    Fixture f;
    Invocation inv = plan(f, {"--load", f.kernel, "--append=root=/dev/vda1 quiet", "--initrd=" + f.initrd});
    const LoadPlan& l = *inv.load;
    cr_assert(!l.crash);
    cr_assert_eq(l.file_calls[0].flags, 0u);
    cr_assert_str_eq(l.boot.cmdline.c_str(), "root=/dev/vda1 quiet");
    cr_assert(inv.sync, "-l keeps kexec-tools' sync");
    cr_assert(!inv.exec && !inv.shutdown);
}

Test(options, no_action_loads_then_shuts_down) {
    Fixture f;
    Invocation inv = plan(f, {f.kernel});
    cr_assert(inv.load && inv.shutdown && inv.sync && !inv.exec);
}

Test(options, force_loads_and_execs_without_shutdown) {
    Fixture f;
    Invocation inv = plan(f, {"-f", f.kernel});
    cr_assert(inv.load && !inv.shutdown && inv.sync && inv.ifdown && inv.exec);
}

Test(options, exec_and_skips) {
    Fixture f;
    Invocation e = plan(f, {"-e"});
    cr_assert(!e.load && e.exec && e.sync && e.ifdown && !e.shutdown);
    Invocation exy = plan(f, {"-e", "-x", "-y"});
    cr_assert(exy.exec && !exy.sync && !exy.ifdown);
    Invocation yx = plan(f, {"-x", "-y", "-e"});  // order does not matter for -x/-y
    cr_assert(yx.exec && !yx.sync && !yx.ifdown);
}

Test(options, unload_variants) {
    Fixture f;
    Invocation u = plan(f, {"-u"});
    cr_assert(u.unload && !u.unload->crash && u.unload->file_syscall && u.unload->fallback_to_kexec_load);
    cr_assert(!u.load && !u.sync);
    Invocation pu = plan(f, {"-p", "-u"});
    cr_assert(pu.unload && pu.unload->crash && !pu.load);
    Invocation spu = plan(f, {"-s", "-p", "-u"});
    cr_assert(spu.unload->file_syscall && !spu.unload->fallback_to_kexec_load);
    Invocation cu = plan(f, {"-c", "-u"});
    cr_assert(!cu.unload->file_syscall);
}

Test(options, reuse_cmdline_strips_boot_image_and_crashkernel_for_panic) {
    Fixture f;
    Invocation l = plan(f, {"-l", "--reuse-cmdline", "--append=extra=1", f.kernel});
    cr_assert_str_eq(l.load->boot.cmdline.c_str(), "root=/dev/vda1 crashkernel=256M quiet extra=1");
    cr_assert_str_eq(l.load->cmdline_source.c_str(), "--reuse-cmdline + --append");
    Invocation p = plan(f, {"-p", "--reuse-cmdline", f.kernel});
    cr_assert_str_eq(p.load->boot.cmdline.c_str(), "root=/dev/vda1 quiet");
}

Test(options, command_line_and_append_last_wins) {
    Fixture f;
    Invocation a = plan(f, {"-l", "--command-line=first", "--append=second", f.kernel});
    cr_assert_str_eq(a.load->boot.cmdline.c_str(), "second");
    Invocation b = plan(f, {"-l", "--append=second", "--command-line=first", f.kernel});
    cr_assert_str_eq(b.load->boot.cmdline.c_str(), "first");
}

Test(options, debug_and_new_file_flags) {
    Fixture f;
    Invocation inv = plan(f, {"-s", "-l", "-d", "--no-cma", "--force-dtb", f.kernel});
    cr_assert_eq(inv.load->file_calls[0].flags, abi::KEXEC_FILE_DEBUG | abi::KEXEC_FILE_NO_CMA |
                                                  abi::KEXEC_FILE_FORCE_DTB | abi::KEXEC_FILE_NO_INITRAMFS);
}

Test(options, status_defaults_to_crash_kernel) {
    cr_assert(parse({"-S"}).crash);
    cr_assert(!parse({"-S", "-l"}).crash);
    cr_assert(parse({"-S", "-p"}).crash);
    Options s = parse({"-S"});
    cr_assert(!s.do_load && !s.do_sync && !s.do_exec);
}

Test(options, status_exit_codes_follow_kexec_tools) {
    RecordingBackend loaded(1, 0);
    cr_assert_eq(run_kexec({"-S", "-l"}, &loaded).rc, 1);
    cr_assert_eq(run_kexec({"-S"}, &loaded).rc, 0);
    RecordingBackend crash(0, 1);
    cr_assert_eq(run_kexec({"-S"}, &crash).rc, 1);
    cr_assert_eq(run_kexec({"-S", "-p"}, &crash).rc, 1);
    RecordingBackend unknown;
    cr_assert_eq(run_kexec({"-S"}, &unknown).rc, 255);
}

Test(options, unknown_option_is_one_line_and_no_syscall) {
    RecordingBackend b;
    RunResult r = run_kexec({"--bogus"}, &b);
    cr_assert_eq(r.rc, 1);
    cr_assert_str_eq(r.err.c_str(), "kexec: unrecognized option \"--bogus\" (see kexec --help)\n");
    cr_assert(b.calls.empty());
    RunResult s = run_kexec({"-Z"}, &b);
    cr_assert(contains(s.err, "\"-Z\""));
}

Test(options, missing_value_and_bad_values) {
    RecordingBackend b;
    cr_assert(contains(run_kexec({"--mem-min=zz", "-l", "x"}, &b).err, "bad value for --mem-min: \"zz\""));
    cr_assert(contains(run_kexec({"--serial=ttyS9", "-l", "x"}, &b).err, "bad value for --serial"));
    cr_assert(contains(run_kexec({"--serial-baud=1234", "-l", "x"}, &b).err, "bad value for --serial-baud"));
    cr_assert(contains(run_kexec({"--dry-run=xml", "x"}, &b).err, "expected text or json"));
    cr_assert(contains(run_kexec({"-l", "--initrd"}, &b).err, "needs a value"));
    cr_assert(b.calls.empty());
    // kexec-tools' exit statuses: usage errors 1, but a bad --serial makes
    // its arch code return -1, which skips the load: 255.
    cr_assert_eq(run_kexec({"--mem-min=zz", "-l", "x"}, &b).rc, 1);
    cr_assert_eq(run_kexec({"--serial=ttyS9", "-l", "x"}, &b).rc, 255);
    cr_assert_eq(run_kexec({"--serial-baud=1234", "-l", "x"}, &b).rc, 255);
    cr_assert_eq(run_kexec({"-l", "--initrd"}, &b).rc, 1);
}

Test(options, serial_forms) {
    cr_assert_eq(*parse({"--serial=ttyS1"}).kexec_load.serial_base, 0x2f8);
    cr_assert_eq(*parse({"--serial=0x3e8"}).kexec_load.serial_base, 0x3e8);
    cr_assert_eq(*parse({"--serial-baud=9600"}).kexec_load.serial_baud, 9600u);
}

Test(options, missing_kernel_file_names_the_file) {
    RecordingBackend b;
    RunResult r = run_kexec({"-s", "-l", "/nonexistent/vmlinuz"}, &b);
    cr_assert_eq(r.rc, 255, "kexec-tools' kexec_file_load path: EFAILED");
    cr_assert_str_eq(r.err.c_str(), "kexec: /nonexistent/vmlinuz: cannot open: No such file or directory\n");
    cr_assert_eq(run_kexec({"-l", "/nonexistent/vmlinuz"}, &b).rc, 255, "-a tries kexec_file_load first");
    cr_assert_eq(run_kexec({"-c", "-l", "/nonexistent/vmlinuz"}, &b).rc, 1, "kexec_load: slurp_file() die()s");
    cr_assert(b.calls.empty());
}

Test(options, wrong_type_is_refused) {
    Fixture f;
    RecordingBackend b;
    RunResult r = run_kexec({"-l", "-t", "uki", f.kernel}, &b);
    cr_assert_eq(r.rc, 255);
    cr_assert(contains(r.err, "wrong file type \"uki\", file matches type bzImage64"), "%s", r.err.c_str());
    RunResult m = run_kexec({"-l", "-t", "multiboot-x86", f.kernel}, &b);
    cr_assert(contains(m.err, "not supported by kexec-uki"));
    RunResult u = run_kexec({"-l", "-t", "nonsense", f.kernel}, &b);
    cr_assert(contains(u.err, "unsupported kernel type \"nonsense\""));
    cr_assert(b.calls.empty());
}

Test(options, crash_load_needs_reserved_memory) {
    Fixture f;
    std::string bare = make_sysroot({{"/proc/iomem", "00100000-3ffdffff : System RAM\n"}});
    RecordingBackend b;
    RunResult r = run_kexec({"--sysroot=" + bare, "-p", f.kernel}, &b);
    cr_assert_eq(r.rc, 1);
    cr_assert(contains(r.err, "crashkernel="), "%s", r.err.c_str());
    cr_assert(b.calls.empty());
}

Test(options, print_ckr_size) {
    Fixture f;
    RunResult r = run_kexec({"--sysroot=" + f.sysroot, "--print-ckr-size"}, nullptr);
    cr_assert_eq(r.rc, 0);
    cr_assert_str_eq(r.out.c_str(), "268435456\n");
    std::string bare = make_sysroot({{"/proc/iomem", "00100000-3ffdffff : System RAM\n"}});
    RunResult none = run_kexec({"--sysroot=" + bare, "--print-ckr-size"}, nullptr);
    cr_assert_str_eq(none.out.c_str(), "0\n");
}

Test(options, cmdline_longer_than_the_kernel_accepts) {
    Fixture f;
    RecordingBackend b;
    RunResult r = run_kexec({"-c", "-l", "--append=" + std::string(2048, 'x'), f.kernel}, &b);
    cr_assert_eq(r.rc, 255);
    cr_assert(contains(r.err, "the command line is 2048 bytes but this kernel accepts at most 2047"), "%s",
              r.err.c_str());
    cr_assert(b.calls.empty());
}

// Two rules, at their exact boundaries (cmdline_size 2047). The boot
// protocol, which -c images follow: up to cmdline_size bytes. The kernel's
// kexec_file_load (kexec-bzimage64.c): length + NUL + 30 <= cmdline_size,
// so up to 2016 bytes.
Test(options, cmdline_rules_at_their_boundaries) {
    Fixture f;
    auto loads = [](const RecordingBackend& b) {
        return std::count_if(b.calls.begin(), b.calls.end(),
                             [](const RecordedCall& c) { return c.syscall != "sync"; });
    };
    auto run = [&](std::vector<std::string> args, size_t length, RecordingBackend& b) {
        args.insert(args.begin(), "--sysroot=" + fixture_sysroot("bios"));
        args.push_back("--command-line=" + std::string(length, 'x'));
        args.push_back(f.kernel);
        return run_kexec(args, &b);
    };
    {
        RecordingBackend b;
        cr_assert_eq(run({"-c", "-l"}, 2047, b).rc, 0, "-c takes cmdline_size bytes");
        cr_assert_eq(loads(b), 1);
        RecordingBackend too_long;
        cr_assert_eq(run({"-c", "-l"}, 2048, too_long).rc, 255);
        cr_assert_eq(loads(too_long), 0);
    }
    {
        RecordingBackend b;
        cr_assert_eq(run({"-s", "-l"}, 2016, b).rc, 0, "-s takes cmdline_size - 31 bytes");
        cr_assert_eq(loads(b), 1);
        RecordingBackend too_long;
        RunResult r = run({"-s", "-l"}, 2017, too_long);
        cr_assert_eq(r.rc, 255);
        kx_assert_str(r.err, "kexec: " + f.kernel + ": the command line is 2017 bytes but kexec_file_load takes "
                             "at most 2016 (cmdline_size 2047 less the NUL and 30 bytes it keeps for elfcorehdr=): "
                             "shorten it, or load with -c\n");
        cr_assert_eq(loads(too_long), 0, "refused before the call, not by an EINVAL");
    }
    {
        // The default mode goes straight to kexec_load, which takes it,
        // instead of an EINVAL first.
        RecordingBackend b;
        RunResult r = run({"-l", "-d"}, 2017, b);
        cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
        cr_assert_eq(loads(b), 1);
        kx_assert_str(b.calls[0].syscall, "kexec_load");
        cr_assert(contains(r.err, "bzImage left out, kexec_load takes it"), "%s", r.err.c_str());
    }
}

Test(options, help_and_version) {
    RunResult h = run_kexec({"--help"}, nullptr);
    cr_assert_eq(h.rc, 0);
    cr_assert(contains(h.out, "Usage: kexec"));
    RunResult q = run_kexec({"-?"}, nullptr);
    cr_assert(contains(q.out, "Usage: kexec"));
    cr_assert_eq(q.rc, 1, "kexec-tools: getopt's '?' prints the usage and returns 1");
    RunResult v = run_kexec({"-v"}, nullptr);
    cr_assert(contains(v.out, "kexec-uki"));
}

Test(docs, every_long_option_is_in_help_and_man_page) {
    RunResult h = run_kexec({"--help"}, nullptr);
    std::string man = read_file(KX_SRCDIR "/doc/kexec.8");
    cr_assert(!man.empty(), "doc/kexec.8 not found");
    // groff escapes '-' as '\-'.
    std::string man_plain;
    for (size_t i = 0; i < man.size(); i++)
        if (!(man[i] == '\\' && i + 1 < man.size() && man[i + 1] == '-'))
            man_plain.push_back(man[i]);
    for (const std::string& name : long_option_names()) {
        cr_expect(contains(h.out, "--" + name), "--%s missing from --help", name.c_str());
        cr_expect(contains(man_plain, "--" + name), "--%s missing from doc/kexec.8", name.c_str());
    }
}

// --- drop-in exactness: kexec-tools 2.0.32's exit statuses, argument rules --

// Each shape with the status kexec-tools 2.0.32 returns from main() (kexec.h:
// EFAILED -1 = 255, ENOCRASHKERNEL -2 = 254, EFALLBACK -3 = 253; die() and
// usage errors 1). openSUSE's kdump load.sh passes it on as the service's.
Test(exit_status, kexec_tools_codes_shape_by_shape) {
    Fixture f;
    std::string bare = make_sysroot({{"/proc/iomem", "00100000-3ffdffff : System RAM\n"}});
    struct Case {
        std::vector<std::string> args;
        std::vector<int> results;  // what the kernel answers
        int rc;
        const char* why;
    };
    const Case cases[] = {
        {{"-s", "-l", "/missing"}, {}, 255, "do_kexec_file_load: Failed to open file: EFAILED"},
        {{"-l", "/missing"}, {}, 255, "-a opens it on the kexec_file_load path first"},
        {{"-c", "-l", "/missing"}, {}, 1, "my_load: slurp_decompress_file() die()s"},
        {{"-l"}, {}, 255, "No kernel specified: EFAILED"},
        {{"-s", "-l", "--initrd=/missing", f.kernel}, {}, 255, "Could not open initrd file: -1"},
        {{"-c", "-l", "--initrd=/missing", f.kernel}, {}, 1, "slurp_file() die()s"},
        {{"-l", f.kernel, "stray", "words"}, {0}, 0, "extra arguments are ignored"},
        {{"--sysroot=" + bare, "-p", f.kernel}, {}, 1, "Memory for crashkernel is not reserved: die()"},
        {{"--sysroot=" + bare, "-p", "/missing"}, {}, 1, "the crash check comes before the file"},
        {{"-s", "-l", f.kernel}, {ENOEXEC}, 253, "EFALLBACK"},
        {{"-s", "-l", f.kernel}, {ENOSYS}, 253, "EFALLBACK"},
        {{"-s", "-l", f.kernel}, {EKEYREJECTED}, 255, "a signature error is EFAILED"},
        {{"-c", "-u"}, {EPERM}, 255, "k_unload fails: -1"},
        {{"--bogus"}, {}, 1, "getopt '?': usage, return 1"},
        {{"-?"}, {}, 1, "the same '?'"},
        {{"-v", "--bogus"}, {}, 0, "-v returns before --bogus is read"},
        {{"--bogus", "-v"}, {}, 1, "--bogus returns before -v is read"},
        {{"-h", "--bogus"}, {}, 0, "-h likewise"},
        {{"--print-ckr-size", "--bogus"}, {}, 0, "--print-ckr-size returns at once"},
        {{"--exec-live-update"}, {}, 1, "only under Xen: return 1"},
        {{"--load-live-update", f.kernel}, {}, 1, "only under Xen: die()"},
        {{"-p", "-u", "--command-line=x"}, {}, 1, "an image option without a load: usage, return 1"},
        {{"-e", "--append=x"}, {}, 1, "likewise"},
        {{"-S", "--initrd=x"}, {}, 1, "likewise"},
        {{"-u", "--reset-vga"}, {0}, 0, "arch options below OPT_ARCH_MAX are allowed"},
    };
    for (const Case& c : cases) {
        RecordingBackend rec(0, 0);
        rec.results = std::deque<int>(c.results.begin(), c.results.end());
        std::vector<std::string> args = c.args;
        if (!contains(args[0], "--sysroot"))
            args.insert(args.begin(), "--sysroot=" + f.sysroot);
        RunResult r = run_kexec(args, &rec);
        std::string shape;
        for (const auto& a : c.args)
            shape += a + " ";
        cr_expect_eq(r.rc, c.rc, "kexec %s: exit %d, kexec-tools %d (%s); stderr: %s", shape.c_str(), r.rc, c.rc,
                     c.why, r.err.c_str());
    }
}

// openSUSE's load.sh builds the command with eval over /proc/cmdline: a
// parameter like acpi_osi="!Windows 2015" leaves a stray word. kexec-tools
// loads anyway; so do we, and -d says what was ignored.
Test(options, stray_arguments_are_ignored_as_by_kexec_tools) {
    Fixture f;
    Options o = parse({"-p", "--command-line=acpi_osi=!Windows", f.kernel, "2015\""});
    kx_assert_str(*o.kernel, f.kernel);
    cr_assert_eq(o.ignored_arguments.size(), 1u);
    RecordingBackend rec;
    RunResult r = run_kexec({"--sysroot=" + f.sysroot, "-s", "-p", "-d", f.kernel, "2015\""}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.err, "kexec: note: ignoring extra argument \"2015\\\"\" (kexec-tools ignores it too)"), "%s",
              r.err.c_str());
    cr_assert_eq(rec.calls[0].syscall, "kexec_file_load");
}

// Long options abbreviate as they do for kexec-tools users, though ours
// (--uki-*, --dry-run) share their first letters.
Test(options, kexec_tools_abbreviations_still_resolve) {
    cr_assert(parse({"--u"}).do_unload, "--u is --unload");
    cr_assert(parse({"--de", "-l", "k"}).debug, "--de is --debug");
    auto d = parse_args({"--d", "-l", "k"});  // kexec-tools 2.0.32: --debug or --dtb
    cr_assert(!d.ok());
    kx_assert_str(d.error().message, "option \"--d\" is ambiguous (--debug, --dtb, --dry-run)");
    cr_assert(parse({"--no-c", "-l", "k"}).kexec_load.skip_checks, "--no-c is --no-checks (2.0.32 had no --no-cma)");
    cr_assert(parse({"--comm=x", "-l", "k"}).append == std::optional<std::string>("x"), "--comm is --command-line");
    cr_assert(parse({"--uki-p=1", "-l", "k"}).uki_profile == std::optional<std::string>("1"), "ours still abbreviate");
    auto ambiguous = parse_args({"--load-p", "k"});  // load-panic or load-preserve-context, as for kexec-tools
    cr_assert(!ambiguous.ok());
    cr_assert(contains(ambiguous.error().message, "is ambiguous (--load-panic, --load-preserve-context)"));
    cr_assert_eq(ambiguous.error().exit_status, 1);
}

// --reuse-cmdline passes /proc/cmdline on as kexec-tools' get_command_line()
// does: tabs, runs of spaces and a trailing space stay; only BOOT_IMAGE=
// (and crashkernel= for -p) go, as its remove_parameter() removes them.
Test(options, reuse_cmdline_is_verbatim) {
    Fixture f;
    auto with = [&](const std::string& proc, std::vector<std::string> args) {
        std::string root = make_sysroot({{"/proc/cmdline", proc},
                                         {"/proc/iomem", "00100000-3ffdffff : System RAM\n  2b000000-3affffff : Crash kernel\n"}});
        auto o = parse(std::move(args));
        auto inv = plan_invocation(o, SystemView(root));
        cr_assert(inv.ok(), "%s", inv.ok() ? "" : inv.error().message.c_str());
        return inv->load->boot.cmdline;
    };
    kx_assert_str(with("BOOT_IMAGE=/vmlinuz root=/dev/vda1\tquiet  splash \n", {"-l", "--reuse-cmdline", f.kernel}),
                  "root=/dev/vda1\tquiet  splash ");
    // Only the first: kexec-tools' remove_parameter() strstr()s once.
    kx_assert_str(with("root=/dev/vda1 crashkernel=256M x crashkernel=1G,high y\n", {"-p", "--reuse-cmdline", f.kernel}),
                  "root=/dev/vda1 x crashkernel=1G,high y");
    kx_assert_str(with("root=/dev/vda1 crashkernel=256M x crashkernel=1G,high y\n", {"-l", "--reuse-cmdline", f.kernel}),
                  "root=/dev/vda1 crashkernel=256M x crashkernel=1G,high y");
    // kexec-tools stops at an occurrence inside a word and leaves the rest.
    kx_assert_str(with("nocrashkernel=1 crashkernel=256M\n", {"-p", "--reuse-cmdline", f.kernel}),
                  "nocrashkernel=1 crashkernel=256M");
    kx_assert_str(with("a BOOT_IMAGE=x\n", {"-l", "--reuse-cmdline", "--append=b", f.kernel}), "a  b");
}

// Linux 6.6+ counts every kexec load, failed ones included. With one call
// left, the whole-UKI attempt (refused by today's kernels) would spend it.
Test(options, load_limit_spends_calls_where_they_count) {
    Fixture f;
    UkiSpec spec;
    spec.cmdline = "quiet";
    spec.linux_image = make_bzimage();
    std::string uki = write_file(f.dir + "/u.efi", build_uki(UkiStyle::Ukify254, spec));
    auto plan_with = [&](const char* limit, std::vector<std::string> args) {
        std::string root = make_sysroot({{"/proc/sys/kernel/kexec_load_limit_reboot", limit},
                                         {"/proc/sys/kernel/kexec_load_limit_panic", "-1\n"},
                                         {"/proc/iomem", "00100000-3ffdffff : System RAM\n  2b000000-3affffff : Crash kernel\n"}});
        auto o = parse(std::move(args));
        return plan_invocation(o, SystemView(root));
    };
    auto one = plan_with("1\n", {"-s", "-l", uki});
    cr_assert(one.ok(), "%s", one.ok() ? "" : one.error().message.c_str());
    cr_assert_eq(one->load->file_calls.size(), 1u);
    kx_assert_str(one->load->file_calls[0].label, "UKI split in memory (.linux, assembled initrd)");
    bool noted = false;
    for (const auto& n : one->load->notes)
        noted |= contains(n, "kexec_load_limit_reboot allows 1 more load: not offering the whole UKI first");
    cr_assert(noted);
    cr_assert_eq(plan_with("-1\n", {"-s", "-l", uki})->load->file_calls.size(), 2u, "no limit: whole UKI first");
    cr_assert_eq(plan_with("5\n", {"-s", "-l", uki})->load->file_calls.size(), 2u);
    cr_assert_eq(plan_with("1\n", {"-s", "-p", uki})->load->file_calls.size(), 2u, "-p counts the panic limit");
    auto zero = plan_with("0\n", {"-s", "-l", uki});
    cr_assert(!zero.ok());
    cr_assert(contains(zero.error().message, "kexec_load_limit_reboot is 0"), "%s", zero.error().message.c_str());
}

// kexec-tools ignores kexec_load-only options when kexec_file_load takes
// the image; -a says so.
Test(options, auto_mode_notes_kexec_load_only_options) {
    Fixture f;
    Invocation inv = plan(f, {"-l", "--noefi", "--mem-min=0x2000000", f.kernel});
    bool noefi = false, memmin = false;
    for (const auto& n : inv.load->notes) {
        noefi |= contains(n, "--noefi only applies to kexec_load: used only if kexec_file_load cannot take the image");
        memmin |= contains(n, "--mem-min only applies to kexec_load");
    }
    cr_assert(noefi && memmin);
}

// Reading lockdown must not change this machine's mounts (kexec-tools never
// mounts; a read-only securityfs breaks later AppArmor/IMA policy writes).
// Run the real binary in a mount namespace without securityfs, as root.
Test(security, lockdown_is_read_without_mounting_anything) {
    if (geteuid() != 0 || !have_tool("unshare"))
        cr_skip_test("needs root and unshare(1) to make a namespace without securityfs");
    // In a chroot "/" is no mount point and cannot be made private; without
    // a private namespace the umount below could reach the host.
    if (run_shell("unshare -m --propagation private true 2>/dev/null") != 0)
        cr_skip_test("cannot make a private mount namespace here (a chroot?)");
    const std::string kexec = std::string(KX_BUILDDIR) + "/sbin/kexec";
    Fixture f;
    // After the run, the same namespace mounts securityfs itself to learn
    // the lockdown state to expect (the host may not have it mounted).
    const std::string out = shell_output(
        "unshare -m --propagation private sh -c 'umount /sys/kernel/security 2>/dev/null; "
        "before=$(grep -c securityfs /proc/self/mountinfo); KEXEC_UKI_NO_REAL_SYSCALLS=1 " + kexec +
        " -c -l --dry-run " + f.kernel + " >/dev/null 2>/tmp/kx-lockdown.err; echo rc=$?; "
        "echo before=$before after=$(grep -c securityfs /proc/self/mountinfo); cat /tmp/kx-lockdown.err; "
        "mount -t securityfs securityfs /sys/kernel/security 2>/dev/null; "
        "echo lockdown=$(cat /sys/kernel/security/lockdown 2>/dev/null)'");
    cr_assert(contains(out, "before=0 after=0"), "a securityfs mount was left behind: %s", out.c_str());
    const bool locked = contains(out, "lockdown=") && !contains(out, "lockdown=\n") && !contains(out, "[none]");
    if (locked)
        cr_assert(contains(out, "the kernel is locked down"), "lockdown was not read: %s", out.c_str());
    else
        cr_assert(contains(out, "rc=0"), "%s", out.c_str());
}

// remove_parameter() with an empty name looped forever (found by fuzzing).
Test(options, remove_parameter_edges) {
    kx_assert_str(remove_parameter("a b c", ""), "a b c");
    kx_assert_str(remove_parameter("", "x"), "");
    kx_assert_str(remove_parameter("x=1 x=2 y", "x"), "x=2 y");
    kx_assert_str(remove_parameter("a x=1", "x"), "a ");
    kx_assert_str(remove_parameter("nox=1 x=2", "x"), "nox=1 x=2");
}

// --sysroot and KEXEC_UKI_SYSROOT choose where db, dbx, Secure Boot and
// lockdown are read: honoured for --dry-run, --uki-info and
// --print-ckr-size, refused (a usage error, exit 1) for anything that
// would reach the real backend, before any file is read (issue 24). The
// kernels named here do not exist, so the old code failed on them, not on
// a syscall; KEXEC_UKI_NO_REAL_SYSCALLS stays set as a second guard.
Test(sysroot, a_real_load_with_a_sysroot_is_refused_before_any_file_is_read) {
    setenv("KEXEC_UKI_NO_REAL_SYSCALLS", "1", 1);
    const std::string root = make_sysroot({{"/proc/cmdline", "BOOT_IMAGE=/vmlinuz\n"}});
    const std::vector<std::vector<std::string>> real = {
        {"-l", "/missing/kernel"}, {"-s", "-l", "/missing/kernel"}, {"-c", "-l", "/missing/kernel"},
        {"-p", "/missing/kernel"}, {"-S"}};
    for (const auto& args : real) {
        std::vector<std::string> with = args;
        with.insert(with.begin(), "--sysroot=" + root);
        RunResult r = run_kexec(with, nullptr);
        cr_expect_eq(r.rc, 1, "%s: %d", args[0].c_str(), r.rc);
        kx_assert_str(r.err, "kexec: --sysroot=" + root + ": only --dry-run, --uki-info and --print-ckr-size honour "
                             "it; a load, unload, exec or -S reads db, dbx, Secure Boot and lockdown from this machine\n");
    }
    setenv("KEXEC_UKI_SYSROOT", root.c_str(), 1);
    for (const auto& args : real) {
        RunResult r = run_kexec(args, nullptr);
        cr_expect_eq(r.rc, 1, "%s: %d", args[0].c_str(), r.rc);
        kx_assert_str(r.err, "kexec: KEXEC_UKI_SYSROOT is set (to \"" + root + "\"): only --dry-run, --uki-info and "
                             "--print-ckr-size honour it; unset it for a load, unload, exec or -S, which read db, dbx, "
                             "Secure Boot and lockdown from this machine\n");
    }
    // Where it is honoured, it still works; and a test's own backend is no real load.
    const std::string dir = scratch_dir();
    const std::string kernel = write_file(dir + "/bzImage", make_bzimage());
    RunResult dry = run_kexec({"-s", "-l", "--dry-run", kernel}, nullptr);
    cr_assert_eq(dry.rc, 0, "%s", dry.err.c_str());
    RunResult ckr = run_kexec({"--print-ckr-size"}, nullptr);
    cr_assert_eq(ckr.rc, 0, "%s", ckr.err.c_str());
    RunResult help = run_kexec({"--help"}, nullptr);
    cr_assert_eq(help.rc, 0);
    RecordingBackend rec(0, 0);
    RunResult injected = run_kexec({"-s", "-l", kernel}, &rec);
    cr_assert_eq(injected.rc, 0, "%s", injected.err.c_str());
    unsetenv("KEXEC_UKI_SYSROOT");
}

// A value given to a long option that takes none is named by the option
// typed, not by its internal number read as a character (outside review).
Test(options, a_value_for_an_option_that_takes_none_names_the_option) {
    for (const std::string opt : {"--uki-strict", "--no-cma", "--hotplug"}) {
        auto r = parse_args({opt + "=x", "-l", "k"});
        cr_assert(!r.ok());
        kx_assert_str(r.error().message, "option \"" + opt + "\" takes no value (see kexec --help)");
    }
    auto unknown = parse_args({"--no-such-option", "-l", "k"});
    cr_assert(!unknown.ok());
    kx_assert_str(unknown.error().message, "unrecognized option \"--no-such-option\" (see kexec --help)");
}
