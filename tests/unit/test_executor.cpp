// SPDX-License-Identifier: GPL-2.0-or-later
// Executing plans through the RecordingBackend: the -a fallback, the errnos
// that must never fall back, error advice, unload, exec, status.
#include <criterion/criterion.h>

#include <chrono>

#include <cerrno>

#include "plan/executor.hpp"
#include "helpers.hpp"
#include "uki_styles.hpp"
#include "sys/kexec_abi.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct Files {
    std::string dir = scratch_dir();
    std::string kernel_bytes = make_bzimage();
    std::string kernel = write_file(dir + "/vmlinuz", kernel_bytes);
    std::string initrd = write_file(dir + "/initrd.img", std::string(1000, 'I'));
    std::string uki;
    explicit Files(UkiStyle style = UkiStyle::Objcopy) {
        UkiSpec spec;
        spec.cmdline = "quiet";
        spec.linux_image = kernel_bytes;
        uki = write_file(dir + "/foo.efi", build_uki(style, spec));
    }
};

int count(const RecordingBackend& b, const std::string& syscall) {
    int n = 0;
    for (const auto& c : b.calls)
        n += c.syscall == syscall;
    return n;
}

}  // namespace

Test(executor, auto_mode_falls_back_on_exactly_the_kexec_tools_errnos) {
    Files f;
    for (int err : {ENOSYS, EINVAL, ENOEXEC, EOPNOTSUPP}) {
        RecordingBackend rec;
        rec.results = {err};
        RunResult r = run_kexec({"-l", f.kernel}, &rec);
        cr_expect_eq(count(rec, "kexec_file_load"), 1);
        // kexec_load is planned only now; until it exists the error says so.
        cr_expect(contains(r.err, "kexec_load") || count(rec, "kexec_load") == 1,
                  "errno %d must fall back to kexec_load: %s", err, r.err.c_str());
    }
}

Test(executor, auto_mode_never_falls_back_on_signature_or_permission_errors) {
    Files f;
    for (int err : {EKEYREJECTED, ENOKEY, ENODATA, EBADMSG, ELIBBAD, ENOPKG, EPERM, EACCES, EBUSY, ENOMEM}) {
        RecordingBackend rec;
        rec.results = {err};
        RunResult r = run_kexec({"-l", f.kernel}, &rec);
        cr_expect_eq(r.rc, 255, "kexec-tools: EFAILED");
        cr_expect_eq(count(rec, "kexec_load"), 0, "errno %d fell back", err);
        cr_expect_eq(count(rec, "kexec_file_load"), 1);
        cr_expect(starts_with(r.err, "kexec: kexec_file_load of " + f.kernel + " failed ("), "%s", r.err.c_str());
        cr_expect_eq(std::count(r.err.begin(), r.err.end(), '\n'), 1, "one line: %s", r.err.c_str());
    }
}

Test(executor, file_syscall_only_never_falls_back) {
    Files f;
    RecordingBackend rec;
    rec.results = {ENOSYS};
    RunResult r = run_kexec({"-s", "-l", f.kernel}, &rec);
    cr_assert_eq(r.rc, 253, "kexec-tools: EFALLBACK, kexec_load might work");
    cr_assert(contains(r.err, "this kernel does not support kexec_file_load: use kexec -c"), "%s", r.err.c_str());
    cr_assert_eq(rec.calls.size(), 1u);
    for (int err : {EINVAL, ENOEXEC, EOPNOTSUPP}) {
        RecordingBackend other;
        other.results = {err};
        cr_assert_eq(run_kexec({"-s", "-l", f.kernel}, &other).rc, 253, "errno %d", err);
    }
}

Test(executor, fallback_runs_the_planned_kexec_load) {
    Files f;
    RecordingBackend rec;
    rec.results = {ENOEXEC, 0};
    ExecEnv env{rec, SystemView("/nonexistent"), nullptr};
    LoadPlan plan;
    plan.image = f.kernel;
    FileLoadCall call;
    call.label = "bzImage";
    call.kernel = Payload::whole_file(*MappedFile::open(f.kernel), f.kernel);
    plan.file_calls.push_back(call);
    plan.fallback_on = {ENOEXEC};
    SegmentLoadCall s;
    s.entry = 0x1000;
    s.flags = abi::KEXEC_ARCH_X86_64;
    s.segments.push_back(Segment{"blob", Payload::generated("blob", "0123456789"), 0x100000, 0x1000});
    plan.segment_load = s;
    Status st = execute_load(plan, env);
    cr_assert(st.ok(), "%s", st.ok() ? "" : st.error().message.c_str());
    cr_assert_eq(rec.calls.size(), 2u);
    cr_assert_str_eq(rec.calls[1].syscall.c_str(), "kexec_load");
    cr_assert_eq(rec.calls[1].entry, 0x1000u);
    cr_assert_eq(rec.calls[1].segments.size(), 1u);
    cr_assert_eq(rec.calls[1].segments[0].mem, 0x100000u);
    cr_assert_eq(rec.calls[1].segments[0].bufsz, 10u);
    kx_assert_str(rec.calls[1].segments[0].sha256, sha256_hex("0123456789"));
}

// KEXEC_FILE_DEBUG (Linux 6.8+) is asked for only from a kernel known to
// have it: an EINVAL is never read as "no debug flag" (it also means a bad
// command line or image), and nothing is retried.
UKI_TEST(executor, debug_flag_follows_the_running_kernel_version) {
    Files f(style);
    for (const char* release : {"6.8.0-1-amd64\n", "6.12.48+deb12-amd64\n"}) {
        RecordingBackend rec;
        const std::string root = make_sysroot({{"/proc/sys/kernel/osrelease", release}});
        RunResult r = run_kexec({"--sysroot=" + root, "-s", "-l", "-d", f.uki}, &rec);
        cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
        for (const auto& c : rec.calls)
            cr_assert(c.syscall != "kexec_file_load" || (c.flags & abi::KEXEC_FILE_DEBUG), "%s", release);
    }
    for (const char* release : std::initializer_list<const char*>{"6.1.0-26-amd64\n", "5.10.0\n", nullptr}) {
        RecordingBackend rec;
        rec.results = {EINVAL, EINVAL};  // the whole UKI, then the split: both refused
        const std::string root = release ? make_sysroot({{"/proc/sys/kernel/osrelease", release}})
                                         : make_sysroot({{"/proc/cmdline", "quiet\n"}});
        RunResult r = run_kexec({"--sysroot=" + root, "-s", "-l", "-d", f.uki}, &rec);
        cr_assert_eq(count(rec, "kexec_file_load"), 2, "no retry without the flag");
        for (const auto& c : rec.calls)
            cr_assert(!(c.flags & abi::KEXEC_FILE_DEBUG), "%s", release ? release : "(unknown)");
        cr_assert(contains(r.err, "KEXEC_FILE_DEBUG left out: it needs Linux 6.8"), "%s", r.err.c_str());
        cr_assert(contains(r.err, "(EINVAL)"), "a real EINVAL is reported as one: %s", r.err.c_str());
    }
}

Test(executor, gzip_kernel_goes_through_a_memfd) {
    Files f;
    cr_assert_eq(run_shell("gzip -k -9 '" + f.kernel + "'"), 0);
    RecordingBackend rec;
    rec.keep_bytes = true;
    RunResult r = run_kexec({"-s", "-l", f.kernel + ".gz"}, &rec);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(rec.kept_kernels[0] == f.kernel_bytes, "the kernel sees the decompressed bzImage");
    cr_assert(rec.calls[0].kernel.sealed);
    RunResult plan = run_kexec({"-l", "--dry-run", f.kernel + ".gz"}, nullptr);
    cr_assert(contains(plan.out, "(bzImage64 (gzip))"), "%s", plan.out.c_str());
    std::string bomb = write_file(f.dir + "/trunc.gz", read_file(f.kernel + ".gz").substr(0, 100));
    RunResult t = run_kexec({"-s", "-l", bomb}, &rec);
    kx_assert_str(t.err, "kexec: " + bomb + ": gzip data is truncated\n");
}

// A gzip bomb is refused after its first 64 KiB, not after inflating it all
// (1 GiB of zeros took 11 s and, under ulimit -v, an abort).
Test(executor, gzip_bomb_stops_at_the_sniff) {
    Files f;
    const std::string bomb = f.dir + "/bomb.gz";
    cr_assert_eq(run_shell("head -c 1073741824 /dev/zero | gzip -1 > '" + bomb + "'"), 0);
    RecordingBackend rec;
    auto start = std::chrono::steady_clock::now();
    RunResult r = run_kexec({"-s", "-l", bomb}, &rec);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    cr_assert_eq(r.rc, 1);
    kx_assert_str(r.err, "kexec: " + bomb + ": the gzip data does not decompress to a kernel (no bzImage, ELF or PE "
                                            "header at its start)\n");
    cr_assert(rec.calls.empty());
    cr_assert_lt(seconds, 2.0, "inflated the whole bomb? %.1f s", seconds);
}

// A kernel that starts right but is larger than the memory available (half
// of MemAvailable) is refused before it is all in memory.
Test(executor, gzip_kernel_bounded_by_available_memory) {
    Files f;
    const std::string big = f.dir + "/big.gz";
    cr_assert_eq(run_shell("{ cat '" + f.kernel + "'; head -c 8388608 /dev/zero; } | gzip -1 > '" + big + "'"), 0);
    std::string root = make_sysroot({{"/proc/meminfo", "MemTotal:       16384 kB\nMemAvailable:    8192 kB\n"}});
    RecordingBackend rec;
    RunResult r = run_kexec({"--sysroot=" + root, "-s", "-l", big}, &rec);
    cr_assert_eq(r.rc, 1, "%s", r.err.c_str());
    cr_assert(contains(r.err, big + ": decompresses to more than 4.0 MiB"), "%s", r.err.c_str());
    cr_assert(rec.calls.empty());
}

// --- advice ----------------------------------------------------------------

namespace {
std::string secure_boot_efivar(bool on) { return std::string("\x06\x00\x00\x00", 4) + (on ? '\x01' : '\x00'); }
const char* kSbVar = "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";
}  // namespace

UKI_TEST(advice, locked_down_signature_failure_of_a_split_uki) {
    Files f(style);
    std::string root = make_sysroot({{"/sys/kernel/security/lockdown", "none [integrity] confidentiality\n"},
                                     {kSbVar, secure_boot_efivar(true)}});
    RecordingBackend rec;
    rec.results = {ENOEXEC, EPERM};
    RunResult r = run_kexec({"--sysroot=" + root, "-s", "-l", f.uki}, &rec);
    cr_assert_eq(r.rc, 255);
    kx_assert_str(r.err, "kexec: kexec_file_load of " + f.uki + " failed (EPERM): the kernel is locked down (integrity) "
                         "and could not verify the signature of .linux of " + f.uki + ": sign .linux inside " + f.uki +
                         " with a key in the platform (UEFI db) or machine (MOK) keyring\n");
}

Test(advice, each_signature_errno_says_what_to_do) {
    Files f;
    struct Case {
        int err;
        const char* says;
    } cases[] = {
        {EKEYREJECTED, "was rejected (it does not match the image)"},
        {ENOKEY, "is signed, but by a key the kernel does not trust"},
        {ENODATA, "is not signed and this kernel only loads signed kernels"},
        {EBADMSG, "is malformed: re-sign it"},
        {ELIBBAD, "is malformed: re-sign it"},
        {ENOPKG, "lacks the crypto algorithm"},
        {EBUSY, "another kexec load or unload is in progress"},
        {EACCES, "IMA appraisal or file permissions refused"},
    };
    for (const Case& c : cases) {
        RecordingBackend rec;
        rec.results = {c.err};
        RunResult r = run_kexec({"-s", "-l", f.kernel}, &rec);
        cr_expect(contains(r.err, c.says), "errno %d: %s", c.err, r.err.c_str());
    }
}

Test(advice, enomem_for_a_crash_kernel_mentions_crashkernel) {
    Files f;
    std::string root = make_sysroot({{"/proc/iomem", "01000000-10ffffff : Crash kernel\n"}});
    RecordingBackend rec;
    rec.results = {ENOMEM};
    RunResult r = run_kexec({"--sysroot=" + root, "-s", "-p", "--initrd=" + f.initrd, f.kernel}, &rec);
    cr_assert(contains(r.err, "the reserved crash kernel memory is too small for " + f.kernel + " plus its initrd"),
              "%s", r.err.c_str());
    cr_assert(contains(r.err, "larger crashkernel="));
}

Test(advice, kexec_load_refused_under_secure_boot_points_to_s) {
    std::string root = make_sysroot({{"/sys/kernel/security/lockdown", "[none] integrity confidentiality\n"},
                                     {kSbVar, secure_boot_efivar(true)}});
    SecurityState sec = read_security_state(SystemView(root));
    cr_assert(sec.secure_boot && *sec.secure_boot);
    cr_assert(!sec.locked_down());
    LoadFailure fl;
    fl.syscall = LoadSyscall::Load;
    fl.err = EACCES;
    fl.image = fl.kernel = "k";
    std::string m = explain_load_failure(fl, sec);
    cr_assert(contains(m, "IMA refuses kernels loaded with kexec_load while Secure Boot is on"), "%s", m.c_str());
    cr_assert(contains(m, "use kexec -s"));
}

// --- unload, exec, status --------------------------------------------------

Test(executor, unload_flags_and_fallback) {
    RecordingBackend rec;
    cr_assert_eq(run_kexec({"-u"}, &rec).rc, 0);
    cr_assert_eq(rec.calls[0].flags, abi::KEXEC_FILE_UNLOAD);
    RecordingBackend crash;
    cr_assert_eq(run_kexec({"-p", "-u"}, &crash).rc, 0);
    cr_assert_eq(crash.calls[0].flags, abi::KEXEC_FILE_UNLOAD | abi::KEXEC_FILE_ON_CRASH);
    RecordingBackend nosys;
    nosys.results = {ENOSYS, 0};
    cr_assert_eq(run_kexec({"-u"}, &nosys).rc, 0);
    cr_assert_str_eq(nosys.calls[1].syscall.c_str(), "kexec_load");
    cr_assert_eq(nosys.calls[1].flags, abi::KEXEC_ARCH_X86_64);
    cr_assert_eq(nosys.calls[1].segments.size(), 0u);
    RecordingBackend strict;
    strict.results = {ENOSYS};
    RunResult r = run_kexec({"-s", "-u"}, &strict);
    cr_assert_eq(r.rc, 253, "kexec-tools: EFALLBACK from kexec_file_unload");
    cr_assert_eq(strict.calls.size(), 1u);
    RecordingBackend busy;
    busy.results = {EBUSY};
    cr_assert_eq(run_kexec({"-u"}, &busy).rc, 255, "kexec-tools: EFAILED");
    RecordingBackend c;
    cr_assert_eq(run_kexec({"-c", "-p", "-u"}, &c).rc, 0);
    cr_assert_eq(c.calls[0].flags, abi::KEXEC_ARCH_X86_64 | abi::KEXEC_ON_CRASH);
}

Test(executor, exec_syncs_downs_interfaces_and_reboots_in_order) {
    RecordingBackend rec(1, 0);
    cr_assert_eq(run_kexec({"-e"}, &rec).rc, 0);
    cr_assert_eq(rec.calls.size(), 3u);
    cr_assert_str_eq(rec.calls[0].syscall.c_str(), "sync");
    cr_assert_str_eq(rec.calls[1].syscall.c_str(), "ifdown");
    cr_assert_str_eq(rec.calls[2].syscall.c_str(), "reboot");
    RecordingBackend quiet(1, 0);
    cr_assert_eq(run_kexec({"-e", "-x", "-y"}, &quiet).rc, 0);
    cr_assert_eq(quiet.calls.size(), 1u);
    cr_assert_str_eq(quiet.calls[0].syscall.c_str(), "reboot");
    RecordingBackend empty(0, 0);
    RunResult r = run_kexec({"-e"}, &empty);
    cr_assert_eq(r.rc, 1, "kexec-tools die()s: \"Nothing has been loaded!\"");
    cr_assert(contains(r.err, "nothing has been loaded"));
    cr_assert(empty.calls.empty(), "no sync, no reboot");
}

Test(executor, default_action_loads_then_runs_shutdown) {
    Files f;
    RecordingBackend rec(0, 0);
    cr_assert_eq(run_kexec({f.kernel}, &rec).rc, 0);
    cr_assert_eq(rec.calls.size(), 3u);
    cr_assert_str_eq(rec.calls[0].syscall.c_str(), "kexec_file_load");
    cr_assert_str_eq(rec.calls[1].syscall.c_str(), "shutdown");
    cr_assert_str_eq(rec.calls[2].syscall.c_str(), "sync");
    RecordingBackend force(0, 0);
    cr_assert_eq(run_kexec({"-f", f.kernel}, &force).rc, 0);
    cr_assert_str_eq(force.calls.back().syscall.c_str(), "reboot");
    cr_assert_eq(count(force, "shutdown"), 0);
}

Test(executor, failed_load_does_not_reboot) {
    Files f;
    RecordingBackend rec(1, 0);
    rec.results = {EKEYREJECTED};
    RunResult r = run_kexec({"-f", f.kernel}, &rec);
    cr_assert_eq(r.rc, 255);
    cr_assert_eq(rec.calls.size(), 1u, "no sync, ifdown or reboot after a failed load");
}

UKI_TEST(executor, dry_run_makes_no_kexec_syscall_and_prints_the_plan) {
    Files f(style);
    RunResult r = run_kexec({"-f", "--dry-run", f.uki}, nullptr);
    cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
    cr_assert(contains(r.out, "kexec plan (dry run: no kexec syscall is made)"));
    cr_assert(contains(r.out, "kexec_file_load #1: whole UKI"));
    cr_assert(contains(r.out, "kexec_file_load #2: UKI split in memory"));
    cr_assert(contains(r.out, "then: sync, ifdown, reboot(LINUX_REBOOT_CMD_KEXEC)"));
}

// Plans copy payloads into several calls; the digest is cached and shared by
// the copies, so a copy that grows must get its own digest.
Test(payload, cached_digest_follows_the_bytes_of_each_copy) {
    Payload a = Payload::generated("a", "abc");
    kx_assert_str(to_hex(a.sha256()), sha256_hex("abc"));
    Payload copy = a;
    copy.append(Payload::generated("d", "def"));
    kx_assert_str(to_hex(copy.sha256()), sha256_hex("abcdef"));
    kx_assert_str(to_hex(a.sha256()), sha256_hex("abc"));
    a.pad_to(8);
    kx_assert_str(to_hex(a.sha256()), sha256_hex(std::string("abc") + std::string(5, '\0')));
}
