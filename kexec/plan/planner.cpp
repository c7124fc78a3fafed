// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/planner.hpp"

#include <cerrno>
#include <cstdio>

#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/crashdump.hpp"
#include "arch/x86_64/elf_kernel.hpp"
#include "arch/x86_64/segment_planner.hpp"
#include "plan/cmdline.hpp"
#include "plan/kernel_file.hpp"
#include "sys/kexec_abi.hpp"
#include "data/memfd.hpp"
#include "sys/security.hpp"
#include "base/strings.hpp"
#include "uki/boot.hpp"
#include "uki/verify.hpp"

namespace kx {
namespace {

// What kexec-tools' main() refuses before loading anything, in its order,
// with its exit statuses (die(): 1).
Status check_option_rules(const Options& o, const SystemView& sys) {
    if (o.do_load && o.crash) {
        KX_ASSIGN(auto regions, x86::find_crash_regions(sys));
        if (regions.empty())
            return x86::no_crash_region_error();
    }
    if (o.do_load && o.kexec_load.preserve_context && !o.kexec_load.mem_max)
        return usage_error("--load-preserve-context needs --mem-max: the memory the new kernel may use, "
                           "which is kept for the jump back");
    if (o.do_load && o.live_update)
        return usage_error("--load-live-update can only be used with Xen, which kexec-uki does not support");
    if (o.kexec_load.hotplug)
        KX_TRY(x86::hotplug_headers_size(sys));
    if (o.syscall_mode == SyscallMode::FileLoad && o.load_jump_back_helper)
        return usage_error("--load-jump-back-helper is not supported with kexec_file_load (-s)");
    if (o.syscall_mode != SyscallMode::Load && o.kexec_load.preserve_context)
        return usage_error("--load-preserve-context is not supported with kexec_file_load: add -c");
    if (o.reuse_initrd) {
        KX_ASSIGN(auto cmdline, sys.read_text_if_exists("/proc/cmdline"));
        if (!cmdline || cmdline->find("retain_initrd") == std::string::npos)
            return usage_error("--reuseinitrd: the running kernel did not keep its initrd (boot it with "
                               "retain_initrd)");
    }
    return {};
}

// The 16-bit and 32-bit entry points exist only for kexec_load; kexec-tools'
// kexec_file_load path fails (EFAILED, no fallback even with -a).
Status check_file_load_entry(const Options& o) {
    if (o.syscall_mode != SyscallMode::Load && (o.kexec_load.entry_32bit || o.kexec_load.real_mode))
        return make_error(std::string(o.kexec_load.real_mode ? "--real-mode" : "--entry-32bit") +
                          " works with kexec_load only (kexec_file_load always starts the 64-bit entry): add -c");
    return {};
}

// The running kernel's version from /proc/sys/kernel/osrelease ("6.1.0-26-amd64").
std::optional<std::pair<unsigned, unsigned>> running_kernel_version(const SystemView& sys) {
    auto release = sys.probe_text("/proc/sys/kernel/osrelease");
    if (!release)
        return std::nullopt;
    unsigned major = 0, minor = 0;
    if (std::sscanf(release->c_str(), "%u.%u", &major, &minor) != 2)
        return std::nullopt;
    return std::pair{major, minor};
}

// KEXEC_FILE_DEBUG is new in Linux 6.8; older kernels answer EINVAL, which
// also means "bad command line" or "not this image". So -d asks for it only
// from a kernel known to have it, instead of guessing from an EINVAL.
bool kernel_has_file_debug(const SystemView& sys) {
    auto v = running_kernel_version(sys);
    return v && *v >= std::pair{6u, 8u};
}

unsigned long file_load_flags(const Options& o, const SystemView& sys) {
    unsigned long f = 0;
    if (o.crash)
        f |= abi::KEXEC_FILE_ON_CRASH;
    if (o.debug && kernel_has_file_debug(sys))
        f |= abi::KEXEC_FILE_DEBUG;
    if (o.no_cma)
        f |= abi::KEXEC_FILE_NO_CMA;
    if (o.force_dtb)
        f |= abi::KEXEC_FILE_FORCE_DTB;
    return f;
}

FileLoadCall make_file_call(std::string label, Payload kernel, std::optional<Payload> initrd,
                            std::optional<std::string> cmdline, unsigned long flags) {
    FileLoadCall c;
    c.label = std::move(label);
    c.kernel = std::move(kernel);
    if (initrd && !initrd->empty())
        c.initrd = std::move(initrd);
    c.cmdline = std::move(cmdline);
    c.flags = flags | (c.initrd ? 0 : abi::KEXEC_FILE_NO_INITRAMFS);
    return c;
}

// A file kexec cannot read: kexec-tools' kexec_load path reads it with
// slurp_file(), which die()s (exit 1); its kexec_file_load path returns
// EFAILED (255). -a goes the kexec_file_load way first.
Error unreadable_input(Error e, const Options& o) {
    if (e.sys_errno != 0 && o.syscall_mode == SyscallMode::Load)
        e.exit_status = exit_status::kDie;
    return e;
}

// --reuseinitrd for kexec_file_load: the kernel takes the initrd as a file,
// which the first boot's is only as /sys/firmware/initrd (Linux 6.5+ with
// retain_initrd). -c passes it on in memory instead (segment_planner).
constexpr const char* kRetainedInitrd = "/sys/firmware/initrd";

Result<std::optional<Payload>> open_user_initrd(const Options& o, const SystemView& sys) {
    if (o.reuse_initrd) {
        if (o.syscall_mode == SyscallMode::Load)
            return std::optional<Payload>{};  // passed on in memory
        auto f = MappedFile::open(sys.resolve(kRetainedInitrd));
        if (f.ok())
            return std::optional<Payload>(Payload::whole_file(*f, kRetainedInitrd));
        if (o.syscall_mode == SyscallMode::Auto)
            return std::optional<Payload>{};  // plan_load goes the kexec_load way
        return make_error(std::string("--reuseinitrd with kexec_file_load needs ") + kRetainedInitrd +
                          " (Linux 6.5+): use -c, which passes the initrd on in memory");
    }
    if (!o.initrd)
        return std::optional<Payload>{};
    auto f = MappedFile::open(*o.initrd);
    if (!f.ok())
        return unreadable_input(f.take_error(), o);
    // Not "no initrd": the kernel's file loader refuses an empty file
    // (EINVAL), and booting on without the initrd asked for is worse.
    if ((*f)->size() == 0)
        return unreadable_input(make_error(*o.initrd + ": the initrd is empty (0 bytes)", EINVAL), o);
    return std::optional<Payload>(Payload::whole_file(*f, *o.initrd));
}

// kexec_file_load refuses (EINVAL) a command line within 31 bytes of
// cmdline_size, which the boot protocol and kexec_load allow. With -s that
// is an error now, not after the call; by default the calls it would fail
// are left out, so kexec_load takes the line without a failed call first.
Status apply_file_load_cmdline_rule(LoadPlan& plan, const x86::SetupHeader& h, const std::string& name,
                                    const Options& o) {
    if (o.syscall_mode == SyscallMode::Load)
        return {};
    for (auto call = plan.file_calls.begin(); call != plan.file_calls.end();) {
        Status st = x86::check_file_load_cmdline_fits(h, call->cmdline, name);
        if (st.ok()) {
            ++call;
            continue;
        }
        if (o.syscall_mode == SyscallMode::FileLoad)
            return make_error(st.error().message + ": shorten it, or load with -c");
        plan.notes.push_back(st.error().message + ": " + call->label + " left out, kexec_load takes it");
        call = plan.file_calls.erase(call);
    }
    return {};
}

// What the file-type step found that the kexec_file_load calls need beyond
// the boot inputs (LoadPlan::boot): the setup header whose cmdline_size they
// are held to, and for a UKI the whole file to offer first.
struct WholeUki {
    Payload file;                        // as verified (--uki-verify), or as given
    std::optional<Payload> user_initrd;  // --initrd: the caller's, for the kernel to judge
    std::optional<std::string> cmdline;  // the caller's, "@N" for a profile
    bool has_addons = false;             // which the whole UKI's kernel does not load
};

struct FileLoadFacts {
    std::string kernel_name;                 // in errors: the file, or ".linux of" the UKI
    std::optional<x86::SetupHeader> header;  // none: an ELF kernel, which kexec_file_load refuses
    std::optional<WholeUki> whole_uki;
};

Result<FileLoadFacts> plan_bzimage(LoadPlan& plan, const KernelFile& k, const Options& o, const SystemView& sys) {
    KX_ASSIGN(x86::SetupHeader h, x86::parse_bzimage64(k.contents->bytes(), k.original->path()));
    KX_ASSIGN(auto user, compose_user_cmdline(o, sys));
    plan.boot.kernel = Payload::whole_file(k.contents, k.contents->path());
    KX_ASSIGN(plan.boot.initrd, open_user_initrd(o, sys));
    plan.boot.cmdline = user ? user->text : "";
    plan.cmdline_source = user ? user->origin : "none given";
    KX_TRY(x86::check_cmdline_fits(h, plan.boot.cmdline, k.original->path()));
    return FileLoadFacts{k.original->path(), h, std::nullopt};
}

// The command line of the whole-UKI call: the caller's, as given. A kernel
// with a UKI loader reads a leading "@N" as systemd-stub does, so a profile
// chosen by --uki-profile alone goes to it that way.
std::optional<std::string> whole_uki_cmdline(const std::optional<UserCmdline>& user, unsigned profile) {
    if (profile == 0)
        return user ? std::optional(user->text) : std::nullopt;
    std::string rest = user ? user->text : "";
    uki::take_profile_prefix(rest);
    return "@" + std::to_string(profile) + (rest.empty() ? "" : " " + rest);
}

pe::SignaturePolicy signature_policy(const Options& o) {
    pe::SignaturePolicy policy;
    policy.allow_sha1 = o.uki_allow_sha1;
    return policy;
}

Result<FileLoadFacts> plan_uki(LoadPlan& plan, const KernelFile& k, const Options& o, const SystemView& sys) {
    const std::string& name = k.original->path();
    uint64_t copy_budget = memory_copy_limit(sys);  // for every sealed copy of this load
    // --uki-verify: the whole UKI, before anything is taken out of it, and
    // what is verified is what is loaded: a sealed copy, not a file that
    // could be rewritten in place between the two.
    FileRef contents = k.contents;
    std::shared_ptr<const pe::TrustStore> trust;
    if (o.uki_verify) {
        KX_ASSIGN(trust, uki::trust_store_for(o.uki_verify_option, *o.uki_verify, sys, signature_policy(o)));
        KX_ASSIGN(uki::VerifiedFile verified, uki::verify_sealed_copy(k.contents, *trust, copy_budget));
        contents = std::move(verified.copy);
        plan.notes.push_back(name + ": Authenticode verified, " + verified.vouched);
    }
    KX_ASSIGN(uki::Uki image, uki::Uki::parse(contents));
    if (image.pe().machine() != pe::kMachineAmd64)
        return make_error(name + ": PE machine " + hex(image.pe().machine()) +
                          " is not x86-64; this UKI cannot boot here");
    // kexec reads the sections from the file and boots what the stub would
    // have booted; that firmware would not have started it is worth saying.
    if (auto refusal = pe::firmware_load_refusal(image.pe()))
        plan.notes.push_back(name + ": " + *refusal + "; kexec loads it all the same");
    // --uki-strict: no caller part replaces a signed one. The command line
    // and the initrd are judged against the UKI's sections in
    // plan_uki_boot; --entry would start the machine somewhere else than
    // the signed kernel.
    if (o.uki_strict && o.kexec_load.entry)
        return make_error(name + ": --uki-strict: refusing --entry, which starts the new system at an address of "
                                 "the caller's instead of the UKI's kernel");
    KX_ASSIGN(auto user, compose_user_cmdline(o, sys));
    uki::BootRequest req;
    if (user) {
        req.user_cmdline = user->text;
        req.user_cmdline_origin = user->origin;
        if (o.reuse_cmdline)
            req.user_cmdline_from_running_kernel = "it is taken from the running kernel's";
        else if (o.crash)
            req.user_cmdline_from_running_kernel = "kdump tools build a crash kernel's from the running kernel's "
                                                   "(/proc/cmdline)";
    }
    req.profile = o.uki_profile;
    req.user_initrd = o.initrd ? "--initrd" : o.reuse_initrd ? "--reuseinitrd" : "";
    req.addon_files = o.uki_addons;
    req.search_addons = !o.uki_no_addons;
    req.strict = o.uki_strict;
    req.secure_boot = read_security_state(sys).secure_boot.value_or(false);
    req.addon_trust = uki::addon_trust_for(trust, o.uki_verify_option, req.secure_boot, sys, signature_policy(o));
    KX_ASSIGN(req.places, uki::sidecar_places(*k.original, sys));
    req.copy_limit = copy_budget;
    KX_ASSIGN(uki::UkiBoot boot, uki::plan_uki_boot(image, req));

    const std::string kernel_name = ".linux of " + name;
    KX_ASSIGN(x86::SetupHeader h, x86::parse_bzimage64(boot.kernel.contiguous(), kernel_name));
    KX_TRY(x86::check_cmdline_fits(h, boot.cmdline, kernel_name));

    KX_ASSIGN(std::optional<Payload> user_initrd, open_user_initrd(o, sys));
    plan.boot.kernel = boot.kernel;
    plan.boot.initrd = user_initrd ? user_initrd : (boot.initrd.empty() ? std::nullopt
                                                                         : std::optional(boot.initrd));
    plan.boot.cmdline = boot.cmdline;
    plan.initrd_from_uki = !user_initrd && plan.boot.initrd.has_value();
    plan.cmdline_source = boot.cmdline_source;
    plan.notes.insert(plan.notes.end(), boot.notes.begin(), boot.notes.end());
    for (const auto& a : boot.addons)
        plan.notes.push_back("addon (" + a.origin + ") " + a.path +
                             (a.cmdline.empty() ? "" : ": cmdline " + quote(a.cmdline)) +
                             (a.trusted_because.empty() ? "" : "; Authenticode verified, " + a.trusted_because));

    return FileLoadFacts{kernel_name, h,
                         WholeUki{Payload::whole_file(contents, contents->path()), user_initrd,
                                  whole_uki_cmdline(user, boot.profile), !boot.addons.empty()}};
}

// Linux 6.6+ counts kexec loads: kexec_load_limit_reboot (-l) and
// kexec_load_limit_panic (-p) say how many more calls of either syscall the
// kernel takes, failed ones included; -1 means no limit.
Result<std::optional<long long>> load_limit(const Options& o, const SystemView& sys) {
    const char* path = o.crash ? "/proc/sys/kernel/kexec_load_limit_panic" : "/proc/sys/kernel/kexec_load_limit_reboot";
    KX_ASSIGN(auto text, sys.read_text_if_exists(path));
    const std::string v = text ? trim(*text) : "";
    if (v.empty() || v[0] == '-')
        return std::optional<long long>();  // missing, or -1: no limit
    auto n = parse_u64(v);
    return n ? std::optional<long long>(static_cast<long long>(*n)) : std::optional<long long>();
}

// Spend the calls a finite limit allows where they count: a kernel that
// takes whole UKIs is still rare, so with room for one call only, that call
// is the one that loads today's kernels.
Status fit_load_limit(LoadPlan& plan, const Options& o, const SystemView& sys) {
    KX_ASSIGN(const auto limit, load_limit(o, sys));
    if (!limit)
        return {};
    const std::string name = o.crash ? "kexec_load_limit_panic" : "kexec_load_limit_reboot";
    if (*limit == 0)
        return make_error("/proc/sys/kernel/" + name + " is 0: this kernel takes no more kexec loads " +
                          (o.crash ? "of a crash kernel" : "") + " until it reboots");
    if (plan.file_calls.size() > 1 && static_cast<uint64_t>(*limit) < plan.file_calls.size()) {
        plan.notes.push_back(name + " allows " + std::to_string(*limit) + " more load" + (*limit == 1 ? "" : "s") +
                             ": not offering the whole UKI first (kernels today refuse it), only the split");
        plan.file_calls.erase(plan.file_calls.begin());
    }
    return {};
}

// An ELF vmlinux: only kexec_load can start one (the kernel's
// kexec_file_load takes bzImages), so the file call, as kexec-tools makes
// it (the ELF, no initrd, no command line), exists to be refused.
Result<FileLoadFacts> plan_elf(LoadPlan& plan, const KernelFile& k, const Options& o, const SystemView& sys) {
    const std::string& name = k.original->path();
    KX_TRY(x86::parse_elf_kernel(k.contents->bytes(), name));
    KX_ASSIGN(auto user, compose_user_cmdline(o, sys));
    plan.boot.format = KernelFormat::Elf;
    plan.boot.kernel = Payload::whole_file(k.contents, k.contents->path());
    KX_ASSIGN(plan.boot.initrd, open_user_initrd(o, sys));
    plan.boot.cmdline = user ? user->text : "";
    plan.cmdline_source = user ? user->origin : "none given";
    const x86::ElfArgStyle style = o.kexec_load.elf_args.value_or(x86::ElfArgStyle::Elf);
    if (style == x86::ElfArgStyle::Elf && (o.initrd || o.reuse_initrd))
        return usage_error(name + ": Ramdisks not supported with generic elf arguments (--args-elf is the default "
                                  "for ELF kernels; a Linux vmlinux wants --args-linux)");
    if (!o.kexec_load.elf_args)
        plan.notes.push_back("ELF kernel: arguments as ELF boot notes (--args-elf, kexec-tools' default); a Linux "
                             "vmlinux wants --args-linux");
    return FileLoadFacts{name, std::nullopt, std::nullopt};
}

// The whole UKI, then the split: see plan_file_calls.
void add_uki_calls(LoadPlan& plan, const WholeUki& uki, unsigned long flags) {
    // A kernel with a UKI loader (kernel/, not in Linux) boots the UKI as
    // signed, without addons (doc/kernel-uki-loader.md); today's kernels
    // refuse the whole UKI, and the split carries them.
    if (uki.has_addons)
        plan.notes.push_back("a kernel that takes the whole UKI (the first call) boots it without its addons; "
                             "today's kernels refuse it, and the split (the second) has them");
    // 1: the whole UKI, so a kernel that can verify UKIs verifies all of it.
    // Today's kernels say ENOEXEC (x86) or EINVAL; then 2: the parts.
    FileLoadCall whole_call = make_file_call("whole UKI", uki.file, uki.user_initrd, uki.cmdline, flags);
    whole_call.kind = FileCallKind::WholeUki;
    // Split only where it cannot get round what a kernel with a UKI loader
    // decided: it does not know UKIs (ENOEXEC, EINVAL), or the UKI carries
    // no signature (ENODATA), so no signed combination is at stake and the
    // kernel checks .linux as it checks any kernel, or it found no memory
    // to read the whole file into (ENOMEM: a kernel reads all of it, the
    // unused parts too, before any loader looks; the split passes less,
    // and a small machine starting kdump can take that). A signature it
    // rejected (EKEYREJECTED, ENOKEY, EBADMSG) or a refusal of the caller's
    // initrd or command line (EPERM) stands: splitting would load what it
    // refused. So does every failure after the loader verified the UKI
    // (ENOENT: no such profile, E2BIG: command line too long, ELIBBAD: the
    // profile's kernel cannot be loaded): our loader never answers ENOEXEC
    // once it has checked the signature (doc/kernel-uki-loader.md).
    whole_call.next_on = {ENOEXEC, EINVAL, ENODATA, ENOMEM};
    plan.file_calls.push_back(std::move(whole_call));
    FileLoadCall split_call = make_file_call("UKI split in memory (.linux, assembled initrd)", plan.boot.kernel,
                                             plan.boot.initrd, plan.boot.cmdline, flags);
    split_call.kind = FileCallKind::SplitUki;
    plan.file_calls.push_back(std::move(split_call));
}

// The syscall-mode step for -s and -a: the kexec_file_load calls, in the
// order they are tried, from the boot inputs and what the file type adds.
Status plan_file_calls(LoadPlan& plan, const FileLoadFacts& facts, const Options& o, const SystemView& sys) {
    if (o.debug && !kernel_has_file_debug(sys))
        plan.notes.push_back("-d: KEXEC_FILE_DEBUG left out: it needs Linux 6.8 or newer, and the running kernel "
                             "is older (or its version unknown)");
    const unsigned long flags = file_load_flags(o, sys);
    if (!facts.header) {  // as kexec-tools makes it: the ELF, no initrd, no command line
        plan.file_calls.push_back(make_file_call("ELF kernel (kexec_file_load takes bzImages only)",
                                                 plan.boot.kernel, std::nullopt, std::nullopt, flags));
        return fit_load_limit(plan, o, sys);
    }
    KX_TRY(check_file_load_entry(o));
    if (facts.whole_uki)
        add_uki_calls(plan, *facts.whole_uki, flags);
    else
        plan.file_calls.push_back(make_file_call("bzImage", plan.boot.kernel, plan.boot.initrd, plan.boot.cmdline,
                                                 flags));
    KX_TRY(apply_file_load_cmdline_rule(plan, *facts.header, facts.kernel_name, o));
    return plan.file_calls.empty() ? Status{} : fit_load_limit(plan, o, sys);
}

// -a: kexec_load, planned now so that the plan (and --dry-run) holds it.
// What stops it (lockdown, IMA, no room) is no error yet: it becomes one if
// a file call fails with an errno that would lead there.
void plan_fallback(LoadPlan& plan, const Options& o, const SystemView& sys) {
    plan.fallback_on = abi::kFileLoadFallbackErrnos;
    std::vector<std::string> notes;
    auto call = plan_segment_load(plan, o.kexec_load, sys, notes);
    if (!call.ok()) {
        plan.no_fallback = call.take_error();
        return;
    }
    plan.segment_load = std::move(call).value();
    for (const std::string& n : notes)
        plan.notes.push_back("kexec_load (fallback): " + n);
}

Status plan_kexec_load(LoadPlan& plan, const Options& o, const SystemView& sys) {
    KX_ASSIGN(plan.segment_load, plan_segment_load(plan, o.kexec_load, sys, plan.notes));
    return {};
}

// The syscall-mode step: from the boot inputs to the calls of -s, -c or -a.
Status plan_syscalls(LoadPlan& plan, const FileLoadFacts& facts, const Options& o, const SystemView& sys) {
    switch (o.syscall_mode) {
    case SyscallMode::FileLoad:
        for (auto& opt : o.kexec_load.ignored_by_file_load())
            plan.notes.push_back(opt + " only applies to kexec_load (-c); ignored");
        return plan_file_calls(plan, facts, o, sys);
    case SyscallMode::Load:
        return plan_kexec_load(plan, o, sys);
    case SyscallMode::Auto:
        break;
    }
    if (o.reuse_initrd && !sys.exists(kRetainedInitrd)) {
        // kexec_file_load cannot take the retained initrd here: go the way that can.
        plan.notes.push_back(std::string("--reuseinitrd: no ") + kRetainedInitrd +
                             " (Linux 6.5+), so kexec_load passes the first boot's initrd on in memory");
        return plan_kexec_load(plan, o, sys);
    }
    KX_TRY(plan_file_calls(plan, facts, o, sys));
    if (plan.file_calls.empty())  // kexec_file_load cannot take it (the command line rule)
        return plan_kexec_load(plan, o, sys);
    // kexec-tools ignores them too when kexec_file_load takes the image.
    for (auto& opt : o.kexec_load.ignored_by_file_load())
        plan.notes.push_back(opt + " only applies to kexec_load: used only if kexec_file_load cannot take "
                             "the image and kexec falls back");
    plan_fallback(plan, o, sys);
    return {};
}

Result<LoadPlan> plan_load(const Options& o, const SystemView& sys) {
    if (!o.kernel)
        return make_error("no kernel specified (see kexec --help)");
    auto opened = open_kernel_file(*o.kernel, o.type, decompression_limit(sys));
    if (!opened.ok())
        return unreadable_input(opened.take_error(), o);
    KernelFile k = std::move(opened).value();
    LoadPlan plan;
    plan.image = *o.kernel;
    plan.image_type = std::string(image_kind_name(k.kind)) + (k.decompressed ? " (gzip)" : "");
    plan.crash = o.crash;
    plan.boot.reuse_retained_initrd = o.reuse_initrd;

    if (o.uki_verify && k.kind != ImageKind::Uki)  // never load unverified what was to be verified
        return usage_error(k.original->path() + ": " + o.uki_verify_option + " verifies UKIs, and this is a " +
                           plan.image_type +
                           " (with -s the kernel checks a kernel's own signature)");
    FileLoadFacts facts;
    switch (k.kind) {
    case ImageKind::BzImage64: {
        KX_ASSIGN(facts, plan_bzimage(plan, k, o, sys));
        break;
    }
    case ImageKind::Uki: {
        KX_ASSIGN(facts, plan_uki(plan, k, o, sys));
        break;
    }
    case ImageKind::ElfX86_64: {
        KX_ASSIGN(facts, plan_elf(plan, k, o, sys));
        break;
    }
    case ImageKind::Addon: break;  // open_kernel_file() refused it already
    }
    KX_TRY(plan_syscalls(plan, facts, o, sys));
    return plan;
}

}  // namespace

Result<Invocation> plan_invocation(const Options& o, const SystemView& sys) {
    KX_TRY(check_option_rules(o, sys));
    Invocation inv;
    if (o.do_unload) {
        UnloadPlan u;
        u.crash = o.crash;
        u.file_syscall = o.syscall_mode != SyscallMode::Load;
        u.fallback_to_kexec_load = o.syscall_mode == SyscallMode::Auto;
        inv.unload = u;
    }
    if (o.do_load) {
        KX_ASSIGN(LoadPlan load, plan_load(o, sys));
        inv.load = std::move(load);
    }
    if (o.load_jump_back_helper)
        inv.jump_back_helper = JumpBackHelper{o.kexec_load.entry};
    inv.shutdown = o.do_shutdown;
    inv.sync = o.do_sync;
    inv.ifdown = o.do_ifdown;
    inv.exec = o.do_exec;
    return inv;
}

}  // namespace kx
