// SPDX-License-Identifier: GPL-2.0-or-later
// What the running kernel will and will not accept (lockdown, Secure Boot,
// IMA), and the translation of kexec errnos into what the user should do.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "sys/sysroot.hpp"

namespace kx {

struct SecurityState {
    std::optional<std::string> lockdown;  // "none", "integrity", "confidentiality"
    std::optional<bool> secure_boot;      // from the SecureBoot EFI variable
    bool ima_present = false;             // securityfs has ima/
    std::optional<bool> kexec_load_disabled;  // kernel.kexec_load_disabled

    bool locked_down() const { return lockdown && *lockdown != "none"; }
    std::string describe() const;  // "lockdown integrity, Secure Boot on, IMA present"
};

// Reads securityfs and efivarfs through `sys`; no side effects.
SecurityState read_security_state(const SystemView& sys);

// Before planning, on the live system with securityfs not mounted: read
// lockdown in a child process's own mount namespace (this machine's mount
// table is never changed) and hand it to `sys` as the lockdown file.
void capture_security_state(SystemView& sys);

enum class LoadSyscall { FileLoad, Load };

struct LoadFailure {
    LoadSyscall syscall = LoadSyscall::FileLoad;
    int err = 0;
    std::string kernel;         // what the kernel was asked to verify: "foo.efi", ".linux of foo.efi"
    std::string image;          // the file the user named
    bool crash = false;
    bool uki_split = false;     // the kernel inside a UKI was loaded on its own
    bool whole_uki = false;     // the whole UKI: a kernel UKI loader took it (doc/kernel-uki-loader.md)
    bool whole_uki_with_caller_parts = false;  // the whole UKI, with an initrd or command line of the caller's
    uint64_t bytes = 0;         // kernel + initrd size, for ENOMEM advice
    bool initrd_from_uki = false;  // ENOMEM for a crash kernel: hint at a kdump initramfs
};

// One line: what happened and what to do about it.
std::string explain_load_failure(const LoadFailure& f, const SecurityState& sec);

// A crash kernel that does not fit with the UKI's own initrd: what kdump
// tools do instead (both syscalls' errors say it).
std::string kdump_initrd_hint();

}  // namespace kx
