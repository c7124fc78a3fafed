// SPDX-License-Identifier: GPL-2.0-or-later
// The one interface through which kexec-uki touches the running kernel:
// kexec syscalls, reboot, sync, network shutdown. Two implementations: the
// real Linux one, and a recording one used by --dry-run and the tests (it can
// be told which errno each kexec call returns).
#pragma once

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sys/kexec_abi.hpp"
#include "sys/sysroot.hpp"

namespace kx {

class Backend {
public:
    virtual ~Backend() = default;
    // Return 0 on success or the errno the kernel gave.
    virtual int kexec_file_load(int kernel_fd, int initrd_fd, const std::string* cmdline,
                                unsigned long flags) = 0;
    virtual int kexec_load(uint64_t entry, std::span<const abi::kexec_segment> segments,
                           unsigned long flags) = 0;
    virtual int reboot_kexec() = 0;
    virtual int run_shutdown() = 0;  // exec `shutdown -r now`
    virtual void sync() = 0;
    virtual void interfaces_down() = 0;
    // /sys/kernel/kexec_loaded or kexec_crash_loaded; nullopt when unreadable.
    virtual std::optional<int> loaded(bool crash) = 0;
};

// What was behind a file descriptor handed to kexec_file_load.
struct RecordedFd {
    uint64_t size = 0;
    std::string sha256;  // empty when the fd was -1
    bool sealed = false;  // a memfd sealed against writes, growing, shrinking
    std::string path;     // readlink of /proc/self/fd/N
};

// What a RecordingBackend saw, with the bytes behind every fd and segment
// digested (so tests compare contents, not fd numbers).
struct RecordedCall {
    std::string syscall;  // "kexec_file_load", "kexec_load", "reboot", "shutdown", "sync", "ifdown"
    unsigned long flags = 0;
    std::optional<std::string> cmdline;  // kexec_file_load: bytes before the NUL
    RecordedFd kernel, initrd;
    uint64_t entry = 0;
    struct Seg {
        uint64_t mem, memsz, bufsz;
        std::string sha256;
        std::string bytes;  // keep_bytes only
    };
    std::vector<Seg> segments;
    int result = 0;
};

class RecordingBackend : public Backend {
public:
    explicit RecordingBackend(std::optional<int> loaded = std::nullopt,
                              std::optional<int> crash_loaded = std::nullopt);
    // Errnos for the next kexec_file_load/kexec_load calls, in order (0 = success).
    std::deque<int> results;
    std::vector<RecordedCall> calls;
    // Keep a copy of the bytes behind kexec_file_load fds and of every
    // kexec_load segment (tests that compare).
    bool keep_bytes = false;
    // Read and digest what is behind fds and segments. The dry run turns it
    // off: its plan already shows every digest.
    bool digest = true;
    std::vector<std::string> kept_kernels, kept_initrds;

    int kexec_file_load(int kernel_fd, int initrd_fd, const std::string* cmdline,
                        unsigned long flags) override;
    int kexec_load(uint64_t entry, std::span<const abi::kexec_segment> segments,
                   unsigned long flags) override;
    int reboot_kexec() override;
    int run_shutdown() override;
    void sync() override;
    void interfaces_down() override;
    std::optional<int> loaded(bool crash) override;

private:
    int next_result();
    std::optional<int> loaded_, crash_loaded_;
};

class LinuxBackend : public Backend {
public:
    explicit LinuxBackend(const SystemView& sys) : sys_(sys) {}
    int kexec_file_load(int kernel_fd, int initrd_fd, const std::string* cmdline,
                        unsigned long flags) override;
    int kexec_load(uint64_t entry, std::span<const abi::kexec_segment> segments,
                   unsigned long flags) override;
    int reboot_kexec() override;
    int run_shutdown() override;
    void sync() override;
    void interfaces_down() override;
    std::optional<int> loaded(bool crash) override;

private:
    const SystemView& sys_;
};

// Test safety net: when KEXEC_UKI_NO_REAL_SYSCALLS is set in the environment,
// the Linux backend refuses every kexec, reboot and shutdown with EPERM.
bool real_syscalls_forbidden();

}  // namespace kx
