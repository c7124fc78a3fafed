// Option parsing against the argument shapes distro scripts use, asserted on
// the resulting plan fields.
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "kexec_abi.hpp"
#include "options.hpp"
#include "planner.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct Fixture {
    std::string dir = scratch_dir();
    std::string kernel = write_file(dir + "/vmlinuz", make_bzimage());
    std::string initrd = write_file(dir + "/initrd.img", std::string(4096, 'I'));
    std::string sysroot = make_sysroot({
        {"/proc/cmdline", "BOOT_IMAGE=/vmlinuz-6.1 root=/dev/vda1 crashkernel=256M quiet\n"},
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
    cr_assert(!l.fallback_to_kexec_load, "-s must not fall back");
    cr_assert(!inv.unload && !inv.shutdown && !inv.sync && !inv.exec && !inv.ifdown);
}

Test(options, debian_kdump_config_shape) {
    Fixture f;
    Invocation inv = plan(f, {"-p", "--command-line=root=/dev/vda1 irqpoll", "--initrd=" + f.initrd, f.kernel});
    const LoadPlan& l = *inv.load;
    cr_assert(l.crash);
    cr_assert_eq(l.file_calls[0].flags, abi::KEXEC_FILE_ON_CRASH);
    cr_assert(l.fallback_to_kexec_load, "default mode is -a");
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
    cr_assert(contains(run_kexec({"-l", "a", "b"}, &b).err, "unexpected argument \"b\""));
    cr_assert(b.calls.empty());
}

Test(options, serial_forms) {
    cr_assert_eq(*parse({"--serial=ttyS1"}).serial_base, 0x2f8);
    cr_assert_eq(*parse({"--serial=0x3e8"}).serial_base, 0x3e8);
    cr_assert_eq(*parse({"--serial-baud=9600"}).serial_baud, 9600u);
}

Test(options, unsupported_options_say_so) {
    Fixture f;
    RecordingBackend b;
    for (const char* opt : {"--load-preserve-context", "--load-jump-back-helper", "--reuseinitrd", "--hotplug",
                            "--entry-32bit", "--real-mode", "--entry=0x1000"}) {
        RunResult r = run_kexec({"-l", opt, f.kernel}, &b);
        cr_assert_eq(r.rc, 1, "%s", opt);
        cr_assert(contains(r.err, "not supported yet"), "%s: %s", opt, r.err.c_str());
    }
    RunResult x = run_kexec({"--load-live-update", f.kernel}, &b);
    cr_assert(contains(x.err, "Xen"));
    cr_assert(b.calls.empty());
}

Test(options, missing_kernel_file_names_the_file) {
    RecordingBackend b;
    RunResult r = run_kexec({"-s", "-l", "/nonexistent/vmlinuz"}, &b);
    cr_assert_eq(r.rc, 1);
    cr_assert_str_eq(r.err.c_str(), "/nonexistent/vmlinuz: cannot open: No such file or directory\n");
    cr_assert(b.calls.empty());
}

Test(options, wrong_type_is_refused) {
    Fixture f;
    RecordingBackend b;
    RunResult r = run_kexec({"-l", "-t", "uki", f.kernel}, &b);
    cr_assert_eq(r.rc, 1);
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
    RunResult r = run_kexec({"-s", "-l", "--append=" + std::string(2048, 'x'), f.kernel}, &b);
    cr_assert_eq(r.rc, 1);
    cr_assert(contains(r.err, "the command line is 2048 bytes but this kernel accepts at most 2047"), "%s",
              r.err.c_str());
    cr_assert(b.calls.empty());
}

Test(options, help_and_version) {
    RunResult h = run_kexec({"--help"}, nullptr);
    cr_assert_eq(h.rc, 0);
    cr_assert(contains(h.out, "Usage: kexec"));
    RunResult q = run_kexec({"-?"}, nullptr);
    cr_assert(contains(q.out, "Usage: kexec"));
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
