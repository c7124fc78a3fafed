#include "backend.hpp"

#include <cerrno>
#include <climits>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sha256.hpp"

namespace kx {
namespace {

struct FdContents {
    uint64_t size = 0;
    std::string sha256;
    bool sealed = false;
    std::string path;
    std::string bytes;
};

FdContents read_fd(int fd, bool keep) {
    FdContents c;
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
            c.bytes.append(reinterpret_cast<char*>(buf), static_cast<size_t>(r));
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
    FdContents k = read_fd(kernel_fd, keep_bytes), i = read_fd(initrd_fd, keep_bytes);
    call.kernel_size = k.size;
    call.kernel_sha256 = k.sha256;
    call.kernel_fd_sealed = k.sealed;
    call.kernel_fd_path = k.path;
    call.initrd_size = i.size;
    call.initrd_sha256 = i.sha256;
    call.initrd_fd_sealed = i.sealed;
    call.initrd_fd_path = i.path;
    if (keep_bytes) {
        kept_kernels.push_back(std::move(k.bytes));
        kept_initrds.push_back(std::move(i.bytes));
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
        Sha256 h;
        h.update({static_cast<const uint8_t*>(s.buf), s.bufsz});
        seg.sha256 = to_hex(h.finish());
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
