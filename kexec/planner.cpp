#include "planner.hpp"

#include <cerrno>

#include "arch/x86_64/bzimage.hpp"
#include "arch/x86_64/crashdump.hpp"
#include "arch/x86_64/segment_planner.hpp"
#include "cmdline.hpp"
#include "kernel_file.hpp"
#include "kexec_abi.hpp"
#include "strings.hpp"
#include "uki/boot.hpp"

namespace kx {
namespace {

// Options that only matter to kexec_load (our own image builder).
std::vector<std::string> kexec_load_only_options(const Options& o) {
    std::vector<std::string> v;
    if (o.mem_min != 0) v.emplace_back("--mem-min");
    if (o.mem_max) v.emplace_back("--mem-max");
    if (o.reset_vga) v.emplace_back("--reset-vga");
    if (o.serial_base) v.emplace_back("--serial");
    if (o.serial_baud) v.emplace_back("--serial-baud");
    if (o.console_vga) v.emplace_back("--console-vga");
    if (o.console_serial) v.emplace_back("--console-serial");
    if (o.pass_memmap_cmdline) v.emplace_back("--pass-memmap-cmdline");
    if (o.noefi) v.emplace_back("--noefi");
    if (o.reuse_video_type) v.emplace_back("--reuse-video-type");
    if (o.skip_checks) v.emplace_back("-i");
    return v;
}

Status check_supported(const Options& o) {
    auto unsupported = [](const std::string& what) {
        return make_error("kexec: " + what + " is not supported yet");
    };
    if (o.live_update)
        return usage_error("kexec: --load-live-update can only be used with Xen, which kexec-uki does not support");
    if (o.preserve_context)
        return unsupported("--load-preserve-context");
    if (o.load_jump_back_helper)
        return unsupported("--load-jump-back-helper");
    if (o.entry)
        return unsupported("--entry");
    if (o.reuse_initrd)
        return unsupported("--reuseinitrd");
    if (o.hotplug)
        return unsupported("--hotplug");
    if (o.entry_32bit || o.real_mode)
        return unsupported(o.real_mode ? "--real-mode" : "--entry-32bit");
    return {};
}

unsigned long file_load_flags(const Options& o) {
    unsigned long f = 0;
    if (o.crash)
        f |= abi::KEXEC_FILE_ON_CRASH;
    if (o.debug)
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

Result<std::optional<Payload>> open_user_initrd(const Options& o) {
    if (!o.initrd)
        return std::optional<Payload>{};
    auto f = MappedFile::open(*o.initrd);
    if (!f.ok())
        return unreadable_input(f.take_error(), o);
    return std::optional<Payload>(Payload::whole_file(*f, *o.initrd));
}

Status plan_bzimage(LoadPlan& plan, const KernelFile& k, const Options& o, const SystemView& sys) {
    KX_ASSIGN(x86::SetupHeader h, x86::parse_bzimage64(k.contents->bytes(), k.original->path()));
    KX_ASSIGN(auto user, compose_user_cmdline(o, sys));
    plan.boot.kernel = Payload::whole_file(k.contents, k.contents->path());
    KX_ASSIGN(plan.boot.initrd, open_user_initrd(o));
    plan.boot.cmdline = user ? user->text : "";
    plan.cmdline_source = user ? user->origin : "none given";
    KX_TRY(x86::check_cmdline_fits(h, plan.boot.cmdline, k.original->path()));
    plan.file_calls.push_back(make_file_call("bzImage", plan.boot.kernel, plan.boot.initrd,
                                             plan.boot.cmdline, file_load_flags(o)));
    return {};
}

Status plan_uki(LoadPlan& plan, const KernelFile& k, const Options& o, const SystemView& sys) {
    KX_ASSIGN(uki::Uki image, uki::Uki::parse(k.contents));
    const std::string& name = k.original->path();
    if (image.pe().machine() != pe::kMachineAmd64)
        return make_error(name + ": PE machine " + hex(image.pe().machine()) +
                          " is not x86-64; this UKI cannot boot here");
    KX_ASSIGN(auto user, compose_user_cmdline(o, sys));
    uki::BootRequest req;
    if (user) {
        req.user_cmdline = user->text;
        req.user_cmdline_origin = user->origin;
    }
    req.profile = o.uki_profile;
    req.user_initrd = o.initrd.has_value();
    req.addon_files = o.uki_addons;
    req.search_addons = !o.uki_no_addons;
    req.strict = o.uki_strict;
    KX_ASSIGN(uki::UkiBoot boot, uki::plan_uki_boot(image, req, sys));

    const std::string kernel_name = ".linux of " + name;
    KX_ASSIGN(x86::SetupHeader h, x86::parse_bzimage64(boot.kernel.contiguous(), kernel_name));
    KX_TRY(x86::check_cmdline_fits(h, boot.cmdline, kernel_name));

    KX_ASSIGN(std::optional<Payload> user_initrd, open_user_initrd(o));
    plan.boot.kernel = boot.kernel;
    plan.boot.initrd = user_initrd ? user_initrd : (boot.initrd.empty() ? std::nullopt
                                                                         : std::optional(boot.initrd));
    plan.boot.cmdline = boot.cmdline;
    plan.initrd_from_uki = !user_initrd && plan.boot.initrd.has_value();
    plan.cmdline_source = boot.cmdline_source;
    plan.notes.insert(plan.notes.end(), boot.notes.begin(), boot.notes.end());
    for (const auto& a : boot.addons)
        plan.notes.push_back("addon (" + a.origin + ") " + a.path +
                             (a.cmdline.empty() ? "" : ": cmdline " + quote(a.cmdline)));

    // 1: the whole UKI, so a kernel that can verify UKIs verifies all of it.
    // Today's kernels say ENOEXEC (x86) or EINVAL; then 2: the parts.
    const unsigned long flags = file_load_flags(o);
    Payload whole = Payload::whole_file(k.contents, k.contents->path());
    FileLoadCall whole_call = make_file_call("whole UKI", whole, user_initrd,
                                             user ? std::optional(user->text) : std::nullopt, flags);
    whole_call.next_on = {ENOEXEC, EINVAL};
    plan.file_calls.push_back(std::move(whole_call));
    plan.file_calls.push_back(make_file_call("UKI split in memory (.linux, assembled initrd)",
                                             plan.boot.kernel, plan.boot.initrd, plan.boot.cmdline,
                                             flags));
    return {};
}

// Linux 6.6+ counts kexec loads: kexec_load_limit_reboot (-l) and
// kexec_load_limit_panic (-p) say how many more calls of either syscall the
// kernel takes, failed ones included; -1 means no limit.
std::optional<long long> load_limit(const Options& o, const SystemView& sys) {
    const char* path = o.crash ? "/proc/sys/kernel/kexec_load_limit_panic" : "/proc/sys/kernel/kexec_load_limit_reboot";
    auto text = sys.read_text_if_exists(path);
    if (!text)
        return std::nullopt;
    const std::string v = trim(*text);
    if (v.empty())
        return std::nullopt;
    try {
        const long long n = std::stoll(v);
        return n < 0 ? std::nullopt : std::optional<long long>(n);
    } catch (...) {
        return std::nullopt;
    }
}

// Spend the calls a finite limit allows where they count: a kernel that
// takes whole UKIs is still rare, so with room for one call only, that call
// is the one that loads today's kernels.
Status fit_load_limit(LoadPlan& plan, const Options& o, const SystemView& sys) {
    const auto limit = load_limit(o, sys);
    if (!limit)
        return {};
    const std::string name = o.crash ? "kexec_load_limit_panic" : "kexec_load_limit_reboot";
    if (*limit == 0)
        return make_error("kexec: /proc/sys/kernel/" + name + " is 0: this kernel takes no more kexec loads " +
                          (o.crash ? "of a crash kernel" : "") + " until it reboots");
    if (plan.file_calls.size() > 1 && static_cast<uint64_t>(*limit) < plan.file_calls.size()) {
        plan.notes.push_back(name + " allows " + std::to_string(*limit) + " more load" + (*limit == 1 ? "" : "s") +
                             ": not offering the whole UKI first (kernels today refuse it), only the split");
        plan.file_calls.erase(plan.file_calls.begin());
    }
    if (o.debug && !plan.file_calls.empty())
        plan.notes.push_back(name + " is " + std::to_string(*limit) + ": a kernel older than 6.8 that refuses "
                             "KEXEC_FILE_DEBUG costs one more call");
    return {};
}

Result<LoadPlan> plan_load(const Options& o, const SystemView& sys) {
    // In kexec-tools' order: no crash memory (die) before anything else.
    if (o.crash && x86::find_crash_regions(sys).empty())
        return x86::no_crash_region_error();
    if (!o.kernel)
        return make_error("kexec: no kernel specified (see kexec --help)");
    auto opened = open_kernel_file(*o.kernel, o.type);
    if (!opened.ok())
        return unreadable_input(opened.take_error(), o);
    KernelFile k = std::move(opened).value();
    LoadPlan plan;
    plan.image = *o.kernel;
    plan.image_type = std::string(image_kind_name(k.kind)) + (k.decompressed ? " (gzip)" : "");
    plan.crash = o.crash;

    switch (k.kind) {
    case ImageKind::BzImage64: KX_TRY(plan_bzimage(plan, k, o, sys)); break;
    case ImageKind::Uki: KX_TRY(plan_uki(plan, k, o, sys)); break;
    case ImageKind::ElfX86_64:
        return make_error(*o.kernel + ": ELF vmlinux kernels are not supported yet; use the bzImage "
                          "(vmlinuz)");
    case ImageKind::Addon: break;  // open_kernel_file() refused it already
    }

    switch (o.syscall_mode) {
    case SyscallMode::FileLoad:
        for (auto& opt : kexec_load_only_options(o))
            plan.notes.push_back(opt + " only applies to kexec_load (-c); ignored");
        KX_TRY(fit_load_limit(plan, o, sys));
        break;
    case SyscallMode::Auto:
        plan.fallback_to_kexec_load = true;
        plan.fallback_on = abi::kFileLoadFallbackErrnos;
        // kexec-tools ignores them too when kexec_file_load takes the image.
        for (auto& opt : kexec_load_only_options(o))
            plan.notes.push_back(opt + " only applies to kexec_load: used only if kexec_file_load cannot take "
                                 "the image and kexec falls back");
        KX_TRY(fit_load_limit(plan, o, sys));
        break;
    case SyscallMode::Load:
        plan.file_calls.clear();
        KX_ASSIGN(plan.segment_load, plan_segment_load(plan, o, sys, plan.notes));
        plan.boot.cmdline = plan.segment_load->cmdline;  // crash: with elfcorehdr= and memmap=
        break;
    }
    return plan;
}

}  // namespace

Result<Invocation> plan_invocation(const Options& o, const SystemView& sys) {
    KX_TRY(check_supported(o));
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
    inv.shutdown = o.do_shutdown;
    inv.sync = o.do_sync;
    inv.ifdown = o.do_ifdown;
    inv.exec = o.do_exec;
    return inv;
}

}  // namespace kx
