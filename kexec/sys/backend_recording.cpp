// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/backend.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/sha256.hpp"

namespace kx {
namespace {

// The fd's description, and its bytes when asked to keep them.
RecordedFd read_fd(int fd, bool keep, std::string& bytes) {
    RecordedFd c;
    if (fd < 0)
        return c;
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[PATH_MAX];
    ssize_t n = readlink(link, target, sizeof target - 1);
    if (n > 0)
        c.path.assign(target, static_cast<size_t>(n));
    int seals = fcntl(fd, F_GET_SEALS);
    c.sealed = seals >= 0 && (seals & F_SEAL_WRITE) && (seals & F_SEAL_GROW) &&
               (seals & F_SEAL_SHRINK);
    Sha256 h;
    uint8_t buf[1 << 16];
    off_t off = 0;
    for (;;) {
        ssize_t r = pread(fd, buf, sizeof buf, off);
        if (r <= 0)
            break;
        h.update({buf, static_cast<size_t>(r)});
        if (keep)
            bytes.append(reinterpret_cast<char*>(buf), static_cast<size_t>(r));
        off += r;
    }
    c.size = static_cast<uint64_t>(off);
    c.sha256 = to_hex(h.finish());
    return c;
}

}  // namespace

RecordingBackend::RecordingBackend(std::optional<int> loaded, std::optional<int> crash_loaded)
    : loaded_(loaded), crash_loaded_(crash_loaded) {}

int RecordingBackend::next_result() {
    if (results.empty())
        return 0;
    int r = results.front();
    results.pop_front();
    return r;
}

int RecordingBackend::kexec_file_load(int kernel_fd, int initrd_fd, const std::string* cmdline,
                                      unsigned long flags) {
    RecordedCall call;
    call.syscall = "kexec_file_load";
    call.flags = flags;
    if (cmdline)
        call.cmdline = *cmdline;
    std::string kernel_bytes, initrd_bytes;
    if (digest) {
        call.kernel = read_fd(kernel_fd, keep_bytes, kernel_bytes);
        call.initrd = read_fd(initrd_fd, keep_bytes, initrd_bytes);
    }
    if (keep_bytes) {
        kept_kernels.push_back(std::move(kernel_bytes));
        kept_initrds.push_back(std::move(initrd_bytes));
    }
    call.result = next_result();
    if (call.result == 0) {
        bool crash = flags & abi::KEXEC_FILE_ON_CRASH;
        (crash ? crash_loaded_ : loaded_) = (flags & abi::KEXEC_FILE_UNLOAD) ? 0 : 1;
    }
    calls.push_back(std::move(call));
    return calls.back().result;
}

int RecordingBackend::kexec_load(uint64_t entry, std::span<const abi::kexec_segment> segments,
                                 unsigned long flags) {
    RecordedCall call;
    call.syscall = "kexec_load";
    call.flags = flags;
    call.entry = entry;
    for (const auto& s : segments) {
        RecordedCall::Seg seg;
        seg.mem = reinterpret_cast<uint64_t>(s.mem);
        seg.memsz = s.memsz;
        seg.bufsz = s.bufsz;
        if (digest)
            seg.sha256 = to_hex(sha256({static_cast<const uint8_t*>(s.buf), s.bufsz}));
        if (keep_bytes)
            seg.bytes.assign(static_cast<const char*>(s.buf), s.bufsz);
        call.segments.push_back(seg);
    }
    call.result = next_result();
    if (call.result == 0) {
        bool crash = flags & abi::KEXEC_ON_CRASH;
        (crash ? crash_loaded_ : loaded_) = segments.empty() ? 0 : 1;
    }
    calls.push_back(std::move(call));
    return calls.back().result;
}

int RecordingBackend::reboot_kexec() {
    calls.push_back(RecordedCall{.syscall = "reboot"});
    return 0;
}

int RecordingBackend::run_shutdown() {
    calls.push_back(RecordedCall{.syscall = "shutdown"});
    return 0;
}

void RecordingBackend::sync() { calls.push_back(RecordedCall{.syscall = "sync"}); }

void RecordingBackend::interfaces_down() { calls.push_back(RecordedCall{.syscall = "ifdown"}); }

std::optional<int> RecordingBackend::loaded(bool crash) { return crash ? crash_loaded_ : loaded_; }

}  // namespace kx
