// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/security.hpp"

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace kx {
namespace {

constexpr const char* kLockdownFile = "/sys/kernel/security/lockdown";
constexpr const char* kSecureBootVar =
    "/sys/firmware/efi/efivars/SecureBoot-8be4df61-93ca-11d2-aa0d-00e098032b8c";

std::optional<std::string> selected_lockdown(const std::string& text) {
    // "none [integrity] confidentiality"
    size_t open = text.find('['), close = text.find(']');
    if (open == std::string::npos || close == std::string::npos || close < open)
        return std::nullopt;
    return text.substr(open + 1, close - open - 1);
}

// Lockdown lives in securityfs, which may not be mounted (minimal systems,
// initramfs). Mounting it on the host would change the machine (kexec-tools
// never mounts anything, and a read-only securityfs breaks later AppArmor or
// IMA policy writes). A child process mounts it in a mount namespace of its
// own instead, reads the file and exits: the namespace goes with it.
std::optional<std::string> read_lockdown_in_private_namespace() {
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0)
        return std::nullopt;
    const pid_t pid = fork();
    if (pid < 0) {
        close(fds[0]);
        close(fds[1]);
        return std::nullopt;
    }
    if (pid == 0) {
        close(fds[0]);
        if (unshare(CLONE_NEWNS) == 0 && mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) == 0 &&
            mount("securityfs", "/sys/kernel/security", "securityfs", MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC,
                  nullptr) == 0) {
            const int fd = open("/sys/kernel/security/lockdown", O_RDONLY | O_CLOEXEC);
            char buf[256];
            const ssize_t n = fd >= 0 ? read(fd, buf, sizeof buf) : -1;
            if (n > 0 && write(fds[1], buf, static_cast<size_t>(n)) != n)
                _exit(1);
        }
        _exit(0);
    }
    close(fds[1]);
    std::string text;
    char buf[256];
    ssize_t n;
    while ((n = read(fds[0], buf, sizeof buf)) > 0 || (n < 0 && errno == EINTR))
        if (n > 0)
            text.append(buf, static_cast<size_t>(n));
    close(fds[0]);
    while (waitpid(pid, nullptr, 0) < 0 && errno == EINTR) {
    }
    if (text.empty())
        return std::nullopt;
    return text;
}

}  // namespace

void capture_security_state(SystemView& sys) {
    if (!sys.is_live() || sys.exists(kLockdownFile) || geteuid() != 0)
        return;
    if (auto text = read_lockdown_in_private_namespace())
        sys.set_file(kLockdownFile, *text);
}

std::string SecurityState::describe() const {
    std::string out = "lockdown " + lockdown.value_or("unknown");
    out += secure_boot ? (*secure_boot ? ", Secure Boot on" : ", Secure Boot off") : "";
    if (ima_present)
        out += ", IMA present";
    return out;
}

SecurityState read_security_state(const SystemView& sys) {
    SecurityState s;
    if (auto t = sys.probe_text(kLockdownFile))  // root only: unknown otherwise
        s.lockdown = selected_lockdown(*t);
    if (auto v = sys.probe_text(kSecureBootVar); v && v->size() >= 5)
        s.secure_boot = (*v)[4] == 1;  // 4 bytes of attributes, then the value
    s.ima_present = sys.exists("/sys/kernel/security/ima") || sys.exists("/sys/kernel/security/integrity/ima");
    if (auto t = sys.probe_text("/proc/sys/kernel/kexec_load_disabled"))
        s.kexec_load_disabled = trim(*t) == "1";
    return s;
}

std::string kdump_initrd_hint() {
    return "this is the UKI's own initrd, a full boot initrd: kdump tools pass a small kdump initramfs with --initrd";
}

namespace {

// EPERM has many causes; the state read before the call tells them apart.
std::string why_not_permitted(const LoadFailure& f, const SecurityState& sec, const std::string& sign_hint) {
    if (sec.kexec_load_disabled.value_or(false))
        return "kexec is disabled on this system (kernel.kexec_load_disabled=1); it stays off until reboot";
    if (f.whole_uki_with_caller_parts)
        return "the kernel's UKI loader enforces signatures and so refuses an initrd, or a command line "
               "replacing the UKI's, from the caller: leave out --initrd and --append/--command-line (the "
               "signed UKI's own are used), or build them into the UKI and sign it again";
    if (f.syscall == LoadSyscall::Load && sec.locked_down())
        return "the kernel is locked down (" + *sec.lockdown +
               ") and refuses images built in user space: use kexec -s (kexec_file_load) with a signed kernel";
    if (sec.locked_down())
        return "the kernel is locked down (" + *sec.lockdown +
               ") and could not verify the signature of " + f.kernel + ": " + sign_hint;
    if (geteuid() != 0)
        return "loading a kernel needs root (CAP_SYS_BOOT)";
    return "permission denied (not root, kexec disabled, or lockdown; dmesg may say which)";
}

}  // namespace

std::string explain_load_failure(const LoadFailure& f, const SecurityState& sec) {
    const std::string call = f.syscall == LoadSyscall::FileLoad ? "kexec_file_load" : "kexec_load";
    const std::string head = call + " of " + f.image + " failed (" + errno_name(f.err) + "): ";
    const std::string sign_hint =
        f.uki_split ? "sign .linux inside " + f.image + " with a key in the platform (UEFI db) or machine (MOK) keyring"
                    : "sign " + f.kernel + " with a key in the platform (UEFI db) or machine (MOK) keyring";
    // The errnos below were measured on Debian's 6.1 and 6.12 in guests
    // (tests/vm/scenarios/errno-secureboot*.sh, doc/kernel-versions.md):
    // both answer alike, so one table serves both.
    switch (f.err) {
    case EPERM:
        return head + why_not_permitted(f, sec, sign_hint);
    case EACCES:
        if (f.syscall == LoadSyscall::Load)
            return head + "IMA refuses kernels loaded with kexec_load" +
                   (sec.secure_boot.value_or(false) ? " while Secure Boot is on" : "") +
                   " (it cannot appraise a kernel without a file): use kexec -s (kexec_file_load)";
        return head + "IMA appraisal or file permissions refused " + f.kernel +
               ": check the file's IMA signature (security.ima) or that it is readable";
    case EKEYREJECTED:
        return head + "the signature of " + f.kernel + " was rejected (it does not match the image): " +
               "re-sign it; " + sign_hint;
    case ENOKEY:
        return head + f.kernel + " is signed, but by a key the kernel does not trust: enroll the signing "
               "certificate (UEFI db or MOK) or " + sign_hint;
    case ENODATA:
        return head + f.kernel + " is not signed and this kernel only loads signed kernels" +
               (sec.locked_down() ? " (lockdown " + *sec.lockdown + ")" : "") + ": " + sign_hint;
    case EBADMSG:
        return head + "the signature of " + f.kernel + " is malformed: re-sign it (sbsign) after "
               "removing the old one (sbattach --remove)";
    case ELIBBAD:
        if (f.whole_uki)
            return head + "the kernel's UKI loader found " + f.image + " malformed: its signature, or the "
                   "kernel (.linux) of the profile asked for, which must be a bzImage; rebuild and re-sign it";
        return head + "the signature of " + f.kernel + " is malformed: re-sign it (sbsign) after "
               "removing the old one (sbattach --remove)";
    case ENOPKG:
        return head + "the kernel lacks the crypto algorithm of the signature on " + f.kernel +
               ": sign with RSA/SHA-256";
    case EBUSY:
        return head + "another kexec load or unload is in progress; try again";
    case ENOMEM:
        if (f.crash)
            return head + "the reserved crash kernel memory is too small for " + f.kernel + " plus its initrd (" +
                   format_size(f.bytes) + "): boot with a larger crashkernel= or pass a smaller --initrd" +
                   (f.initrd_from_uki ? " (" + kdump_initrd_hint() + ")" : "");
        return head + "not enough free memory for " + f.kernel + " plus its initrd (" + format_size(f.bytes) + ")";
    case ENOEXEC:
        return head + "the kernel does not recognise " + f.kernel + " as a kernel it can load";
    case ENOSYS:
        return head + "this kernel does not support " + call +
               (f.syscall == LoadSyscall::FileLoad ? ": use kexec -c" : ": use kexec -s");
    case EINVAL:
        return head + "the kernel rejected the request (command line too long, flags it does not know, "
               "or a crash load without reserved memory)";
    case ENOENT:
        if (f.whole_uki)
            return head + "the kernel's UKI loader found no such profile in " + f.image +
                   ": choose one it has (kexec --uki-info lists them)";
        return head + std::strerror(f.err);
    case EFBIG:
    case E2BIG:
        if (f.whole_uki)
            return head + "the command line (the UKI's .cmdline, or the caller's) is longer than the kernel in " +
                   f.image + " takes";
        return head + "the image or command line is too large for the kernel";
    default:
        return head + std::strerror(f.err);
    }
}

}  // namespace kx
