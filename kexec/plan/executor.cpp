// SPDX-License-Identifier: GPL-2.0-or-later
#include "plan/executor.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "sys/kexec_abi.hpp"
#include "data/memfd.hpp"
#include "base/strings.hpp"

namespace kx {
namespace {

void debug(ExecEnv& env, const std::string& line) {
    if (env.debug)
        std::fprintf(env.debug, "kexec: %s\n", terminal_line(line).c_str());  // labels name files
}

bool contains(const std::vector<int>& v, int e) { return std::find(v.begin(), v.end(), e) != v.end(); }

Error load_error(const LoadPlan& plan, LoadSyscall syscall, int err, const std::string& kernel,
                 uint64_t bytes, ExecEnv& env, const FileLoadCall* call = nullptr) {
    LoadFailure f;
    f.syscall = syscall;
    f.err = err;
    f.kernel = kernel;
    f.image = plan.image;
    f.crash = plan.crash;
    f.uki_split = call && call->kind == FileCallKind::SplitUki;
    f.whole_uki = call && call->kind == FileCallKind::WholeUki;
    f.whole_uki_with_caller_parts =
        f.whole_uki &&
        (call->initrd.has_value() || (call->cmdline && call->cmdline->find_first_not_of(' ') != std::string::npos));
    f.bytes = bytes;
    f.initrd_from_uki = plan.initrd_from_uki;
    return make_error(explain_load_failure(f, read_security_state(env.sys)), err);
}

// One kexec_file_load call; returns the errno (0 on success).
Result<int> file_load(const FileLoadCall& call, ExecEnv& env) {
    KX_ASSIGN(PayloadFd kernel, payload_fd(call.kernel, "kexec-kernel"));
    PayloadFd initrd;
    if (call.initrd) {
        KX_ASSIGN(initrd, payload_fd(*call.initrd, "kexec-initrd"));
    }
    // What the kernel is about to read must be one version of each file.
    KX_TRY(check_inputs_unchanged());
    const std::string* cmdline = call.cmdline ? &*call.cmdline : nullptr;
    debug(env, "kexec_file_load(" + call.label + ", flags " + abi::file_flag_names(call.flags) + ")");
    const int err = env.backend.kexec_file_load(kernel.fd(), initrd.fd(), cmdline, call.flags);
    debug(env, "kexec_file_load(" + call.label + "): " + (err ? errno_name(err) : "ok"));
    return err;
}

Status segment_load(const LoadPlan& plan, SegmentLoadCall call, ExecEnv& env) {
    KX_TRY(write_pending_digests(call));  // a dry run wrote them to print them
    std::vector<PayloadView> views;
    std::vector<abi::kexec_segment> segs;
    uint64_t total = 0;
    views.reserve(call.segments.size());
    for (const Segment& s : call.segments) {
        KX_ASSIGN(PayloadView v, PayloadView::of(s.data, "kexec-" + s.label));
        segs.push_back({v.bytes().data(), v.bytes().size(), reinterpret_cast<const void*>(s.mem),
                        static_cast<size_t>(s.memsz)});
        total += s.memsz;
        views.push_back(std::move(v));
    }
    KX_TRY(check_inputs_unchanged());
    debug(env, "kexec_load(" + std::to_string(segs.size()) + " segments, entry " + hex(call.entry) +
                   ", flags " + abi::load_flag_names(call.flags) + ")");
    int err = env.backend.kexec_load(call.entry, segs, call.flags);
    if (err)
        return load_error(plan, LoadSyscall::Load, err, plan.image, total, env);
    return {};
}

}  // namespace

Status execute_load(const LoadPlan& plan, ExecEnv& env) {
    for (size_t i = 0; i < plan.file_calls.size(); i++) {
        const FileLoadCall& call = plan.file_calls[i];
        KX_ASSIGN(int err, file_load(call, env));
        if (err == 0)
            return {};
        const bool last = i + 1 == plan.file_calls.size();
        if (!last && contains(call.next_on, err)) {
            debug(env, "kexec_file_load(" + call.label + "): " + errno_name(err) + " decides nothing about it: trying " +
                           plan.file_calls[i + 1].label);
            continue;
        }
        if (contains(plan.fallback_on, err)) {
            debug(env, "kexec_file_load: " + errno_name(err) + ": falling back to kexec_load");
            if (!plan.segment_load)  // it could not be planned: say why
                return plan.no_fallback ? *plan.no_fallback
                                        : make_error("kexec_file_load failed (" + errno_name(err) +
                                                     ") and no kexec_load fallback was planned");
            return segment_load(plan, *plan.segment_load, env);
        }
        const bool split = call.kind == FileCallKind::SplitUki;  // the kernel alone was checked
        uint64_t bytes = call.kernel.size() + (call.initrd ? call.initrd->size() : 0);
        Error e = load_error(plan, LoadSyscall::FileLoad, err, split ? call.kernel.describe() : plan.image, bytes,
                             env, &call);
        // kexec-tools' EFALLBACK: kexec_file_load cannot take this image
        // (or is missing), so kexec_load (-c) might.
        if (contains(abi::kFileLoadFallbackErrnos, err))
            e.exit_status = exit_status::kFallback;
        return e;
    }
    if (plan.segment_load)  // -c (the file calls, if any, returned above)
        return segment_load(plan, *plan.segment_load, env);
    return make_error("nothing to load");
}

Status execute_unload(const UnloadPlan& plan, ExecEnv& env) {
    auto failed = [&](int err) {
        return make_error(std::string("unloading the ") + (plan.crash ? "crash kernel" : "kexec kernel") +
                              " failed: " + std::strerror(err) + " (" + errno_name(err) + ")",
                          err);
    };
    if (plan.file_syscall) {
        unsigned long flags = abi::KEXEC_FILE_UNLOAD | (plan.crash ? abi::KEXEC_FILE_ON_CRASH : 0);
        int err = env.backend.kexec_file_load(-1, -1, nullptr, flags);
        debug(env, std::string("kexec_file_load(UNLOAD): ") + (err ? errno_name(err) : "ok"));
        if (err == 0)
            return {};
        if (err == ENOSYS && !plan.fallback_to_kexec_load)  // kexec-tools: EFALLBACK
            return with_exit_status(failed(err), exit_status::kFallback);
        if (err != ENOSYS)
            return failed(err);
    }
    unsigned long flags = abi::KEXEC_ARCH_X86_64 | (plan.crash ? abi::KEXEC_ON_CRASH : 0);
    if (int err = env.backend.kexec_load(0, {}, flags))
        return failed(err);
    return {};
}

// kexec-tools' my_load_jump_back_helper(): in the kexec'd kernel, load one
// empty segment with KEXEC_PRESERVE_CONTEXT entered at the jump back address.
Status execute_jump_back_helper(const JumpBackHelper& helper, ExecEnv& env) {
    if (env.backend.loaded(false).value_or(-1) != 0)  // unreadable counts as loaded, as there
        return make_error("a kexec kernel is loaded: --load-jump-back-helper belongs in the kexec'd kernel, "
                          "which has none");
    if (!helper.entry)
        return make_error("--load-jump-back-helper needs the jump back address: --entry=ADDR (the "
                          "kexec_jump_back_entry= on this kernel's command line)");
    const abi::kexec_segment empty{nullptr, 0, nullptr, 0};
    debug(env, "kexec_load(jump back helper, entry " + hex(*helper.entry) + ", flags PRESERVE_CONTEXT)");
    if (int err = env.backend.kexec_load(*helper.entry, {&empty, 1}, abi::KEXEC_PRESERVE_CONTEXT))
        return make_error(std::string("loading the jump back helper failed: ") + std::strerror(err) + " (" +
                              errno_name(err) + ")",
                          err);
    return {};
}

Status execute(const Invocation& inv, ExecEnv& env) {
    if (inv.unload)
        KX_TRY(execute_unload(*inv.unload, env));
    if (inv.load)
        KX_TRY(execute_load(*inv.load, env));
    // Do not reboot unless there is something to reboot into.
    if ((inv.shutdown || inv.exec) && env.backend.loaded(false) == 0)
        return usage_error("nothing has been loaded (load a kernel with kexec -l first)");
    if (inv.shutdown) {
        int err = env.backend.run_shutdown();
        if (err)
            return make_error(std::string("cannot run shutdown: ") + std::strerror(err), err);
    }
    if (inv.sync)
        env.backend.sync();
    if (inv.ifdown)
        env.backend.interfaces_down();
    if (inv.exec) {
        int err = env.backend.reboot_kexec();
        if (err != 0)  // only a recording backend returns success: the real call does not return
            return make_error(std::string("reboot(LINUX_REBOOT_CMD_KEXEC) failed: ") + std::strerror(err),
                              err);
    }
    if (inv.jump_back_helper)
        KX_TRY(execute_jump_back_helper(*inv.jump_back_helper, env));
    return {};
}

}  // namespace kx
