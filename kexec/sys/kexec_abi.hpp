// SPDX-License-Identifier: GPL-2.0-or-later
// The kexec user ABI (include/uapi/linux/kexec.h, reboot.h), x86_64.
#pragma once

#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace kx::abi {

// kexec_file_load flags
constexpr unsigned long KEXEC_FILE_UNLOAD = 0x1;
constexpr unsigned long KEXEC_FILE_ON_CRASH = 0x2;
constexpr unsigned long KEXEC_FILE_NO_INITRAMFS = 0x4;
constexpr unsigned long KEXEC_FILE_DEBUG = 0x8;   // Linux 6.8+
constexpr unsigned long KEXEC_FILE_NO_CMA = 0x10;  // Linux 6.17+
constexpr unsigned long KEXEC_FILE_FORCE_DTB = 0x20;

// kexec_load flags
constexpr unsigned long KEXEC_ON_CRASH = 0x1;
constexpr unsigned long KEXEC_PRESERVE_CONTEXT = 0x2;
constexpr unsigned long KEXEC_UPDATE_ELFCOREHDR = 0x4;
constexpr unsigned long KEXEC_ARCH_X86_64 = 62ul << 16;

constexpr size_t KEXEC_SEGMENT_MAX = 16;

struct kexec_segment {
    const void* buf;
    size_t bufsz;
    const void* mem;
    size_t memsz;
};

// Errnos with which kexec_file_load says it cannot take the image at all
// (missing syscall, unknown format or flags): kexec-tools' EFALLBACK, after
// which -a retries with kexec_load. Never signature or permission errors:
// falling back would sidestep verification.
inline const std::vector<int> kFileLoadFallbackErrnos = {ENOSYS, EINVAL, ENOEXEC, EOPNOTSUPP};

std::string file_flag_names(unsigned long flags);  // "ON_CRASH|NO_INITRAMFS"
std::string load_flag_names(unsigned long flags);

}  // namespace kx::abi
