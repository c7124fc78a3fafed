// SPDX-License-Identifier: GPL-2.0-or-later
#include "cli/kexec_main.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <sys/random.h>

#include "arch/x86_64/boot_params.hpp"
#include "arch/x86_64/crashdump.hpp"
#include "plan/executor.hpp"
#include "plan/options.hpp"
#include "plan/planner.hpp"
#include "base/strings.hpp"
#include "uki/info.hpp"

namespace kx {
namespace {

// The one place errors are printed; the exit status is kexec-tools' for
// the same failure (exit_status::*). Messages carry text from files:
// terminal_line() keeps their bytes off the terminal and the error on one
// line (strings.hpp).
int fail(MainEnv& env, const Error& e) {
    std::fprintf(env.err, "kexec: %s\n", terminal_line(e.message).c_str());
    return e.exit_status;
}

// "kexec: note: ..." on standard error, one line, escaped as errors are.
void note(MainEnv& env, const std::string& text) {
    std::fprintf(env.err, "kexec: note: %s\n", terminal_line(text).c_str());
}

// What planning needs but cannot read as a file, read once here, so that
// planning is a function of its inputs: lockdown without securityfs
// mounted, the framebuffer's ioctls, and the RNG seed a kexec_load image
// passes on (a dry run gets a fixed placeholder, so two dry runs agree).
void capture_live_state(SystemView& sys, const Options& o) {
    capture_security_state(sys);
    if (!o.do_load || o.syscall_mode == SyscallMode::FileLoad)
        return;  // only kexec_load images use the framebuffer and the seed
    x86::capture_framebuffer(sys);
    if (o.dry_run != DryRunFormat::None) {
        sys.set_rng_seed({std::string(32, '\0'), "RNG seed: 32 zero bytes in a dry run; a load draws fresh ones"});
        return;
    }
    std::string seed(32, '\0');
    if (getrandom(seed.data(), seed.size(), GRND_NONBLOCK) == 32)
        sys.set_rng_seed({std::move(seed), ""});
    else
        sys.set_rng_seed({"", "no RNG seed passed on: the kernel's entropy pool is not ready yet"});
}

std::string sysroot_for(const Options& o) {
    if (o.sysroot)
        return *o.sysroot;
    if (const char* env = std::getenv("KEXEC_UKI_SYSROOT"); env && *env)
        return env;
    return "/";
}

// --sysroot and KEXEC_UKI_SYSROOT move where db, dbx, Secure Boot and
// lockdown are read, which are trust decisions: inherited by a root job,
// the variable would swap the trust anchors of a real load. They are
// honoured only where nothing reaches the kernel: a dry run, --uki-info,
// --print-ckr-size (and --help, --version). Anything else that would use
// the real Linux backend (load, unload, exec, -S) is refused before any
// file is read. A test's own backend (MainEnv::backend) is no real load.
Status check_sysroot_use(const Options& o, const MainEnv& env) {
    if (env.backend || o.immediate != Immediate::None || o.dry_run != DryRunFormat::None || o.uki_info)
        return {};
    const char* modes = "only --dry-run, --uki-info and --print-ckr-size honour it";
    if (o.sysroot)
        return usage_error("--sysroot=" + *o.sysroot + ": " + modes + "; a load, unload, exec or -S reads db, dbx, "
                           "Secure Boot and lockdown from this machine");
    if (const char* env_root = std::getenv("KEXEC_UKI_SYSROOT"); env_root && *env_root)
        return usage_error(std::string("KEXEC_UKI_SYSROOT is set (to ") + quote(env_root) + "): " + modes +
                           "; unset it for a load, unload, exec or -S, which read db, dbx, Secure Boot and "
                           "lockdown from this machine");
    return {};
}

// --dry-run: the plan, every segment's SHA-256 included, the purgatory's
// too, which holds the others' (-a's fallback among them): those are
// written first, as a load writes them before its call.
Status print_plan(Invocation& inv, const Options& o, MainEnv& env) {
    if (o.dry_run == DryRunFormat::None)
        return {};
    if (inv.load && inv.load->segment_load)
        KX_TRY(write_pending_digests(*inv.load->segment_load));
    if (o.dry_run == DryRunFormat::Text)
        std::fputs(format_plan_text(inv).c_str(), env.out);
    else
        std::fprintf(env.out, "%s\n", plan_json(inv).dump().c_str());
    return {};
}

int run(int argc, char** argv, MainEnv& env);

}  // namespace

int kexec_main(int argc, char** argv, MainEnv& env) {
    int status = run(argc, argv, env);
    // What we printed (a plan, --uki-info, --help) must have reached its
    // reader: `kexec --uki-info F >/dev/full` is a failure, not a success.
    const bool failed_before = std::ferror(env.out);  // a write already failed; errno is long gone
    if (std::fflush(env.out) != 0 || failed_before) {
        const std::string why = failed_before ? "a write failed" : std::strerror(errno);
        std::fprintf(env.err, "kexec: cannot write to standard output: %s\n", why.c_str());
        return status == exit_status::kOk ? exit_status::kDie : status;
    }
    return status;
}

namespace {

int run(int argc, char** argv, MainEnv& env) {
    auto parsed = parse_options(argc, argv);
    if (!parsed.ok())
        return fail(env, parsed.error());
    const Options& o = *parsed;
    if (Status st = check_sysroot_use(o, env); !st.ok())
        return fail(env, st.error());
    SystemView sys(sysroot_for(o));
    switch (o.immediate) {
    case Immediate::None: break;
    case Immediate::Help: print_usage(env.out); return exit_status::kOk;
    case Immediate::HelpAndFail: print_usage(env.out); return exit_status::kDie;  // "-?", as kexec-tools
    case Immediate::Version: print_version(env.out); return exit_status::kOk;
    case Immediate::PrintCkrSize: {
        auto size = x86::crash_region_size(sys);
        if (!size.ok())
            return fail(env, size.error());
        std::fprintf(env.out, "%llu\n", static_cast<unsigned long long>(*size));
        return exit_status::kOk;
    }
    case Immediate::ExecLiveUpdate:
        return fail(env, usage_error("--exec-live-update only works under Xen, which kexec-uki does not support"));
    }
    if (o.debug) {
        for (const auto& a : o.ignored_arguments)
            note(env, "ignoring extra argument " + quote(a) + " (kexec-tools ignores it too)");
        for (const auto& a : o.ignored_options)
            note(env, a + " has no effect on a bzImage or UKI (kexec-tools ignores it too)");
    }

    if (o.uki_info) {
        Status st = uki::print_uki_info({*o.uki_info, o.json, o.uki_verify, o.uki_verify_option, o.uki_allow_sha1}, sys, env.out);
        return st.ok() ? exit_status::kOk : fail(env, with_exit_status(st.take_error(), exit_status::kDie));
    }

    LinuxBackend linux_backend(sys);
    std::unique_ptr<RecordingBackend> dry_backend;
    Backend* backend = env.backend;
    if (!backend && o.dry_run != DryRunFormat::None) {
        // The dry run rehearses the whole load (files opened, memfds filled)
        // against a backend that records instead of loading.
        dry_backend = std::make_unique<RecordingBackend>(linux_backend.loaded(false),
                                                         linux_backend.loaded(true));
        dry_backend->digest = false;
        backend = dry_backend.get();
    }
    if (!backend)
        backend = &linux_backend;

    if (o.do_status) {
        auto loaded = backend->loaded(o.crash);
        if (!loaded)
            return fail(env, make_error(std::string("cannot read ") +
                                        (o.crash ? "/sys/kernel/kexec_crash_loaded" : "/sys/kernel/kexec_loaded")));
        return *loaded;  // kexec-tools: 1 when loaded, 0 when not
    }

    capture_live_state(sys, o);
    auto inv = plan_invocation(o, sys);
    if (!inv.ok())
        return fail(env, inv.error());
    // A file that shrank while we planned was read as zeros past its new end.
    if (Status st = check_inputs_unchanged(); !st.ok())
        return fail(env, st.error());
    if (Status st = print_plan(*inv, o, env); !st.ok())
        return fail(env, st.error());
    if (o.debug && inv->load)
        for (const auto& n : inv->load->notes)
            note(env, n);

    ExecEnv exec{*backend, sys, o.debug ? env.err : nullptr};
    Status st = execute(*inv, exec);
    return st.ok() ? 0 : fail(env, st.error());
}

}  // namespace

}  // namespace kx
