// SPDX-License-Identifier: GPL-2.0-or-later
// The real thing. Every function here can end the running system; tests
// never construct this backend (and KEXEC_UKI_NO_REAL_SYSCALLS makes it
// refuse, as a second line of defence).
#include "sys/backend.hpp"

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <linux/reboot.h>
#include <net/if.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace kx {

bool real_syscalls_forbidden() {
    const char* v = std::getenv("KEXEC_UKI_NO_REAL_SYSCALLS");
    return v && *v && std::strcmp(v, "0") != 0;
}

int LinuxBackend::kexec_file_load(int kernel_fd, int initrd_fd, const std::string* cmdline,
                                  unsigned long flags) {
    if (real_syscalls_forbidden())
        return EPERM;
    unsigned long len = cmdline ? cmdline->size() + 1 : 0;  // the kernel counts the NUL
    long r = syscall(SYS_kexec_file_load, kernel_fd, initrd_fd, len,
                     cmdline ? cmdline->c_str() : nullptr, flags);
    return r == 0 ? 0 : errno;
}

int LinuxBackend::kexec_load(uint64_t entry, std::span<const abi::kexec_segment> segments,
                             unsigned long flags) {
    if (real_syscalls_forbidden())
        return EPERM;
    long r = syscall(SYS_kexec_load, entry, segments.size(), segments.data(), flags);
    return r == 0 ? 0 : errno;
}

int LinuxBackend::reboot_kexec() {
    if (real_syscalls_forbidden())
        return EPERM;
    long r = syscall(SYS_reboot, LINUX_REBOOT_MAGIC1, LINUX_REBOOT_MAGIC2, LINUX_REBOOT_CMD_KEXEC,
                     nullptr);
    return r == 0 ? 0 : errno;
}

int LinuxBackend::run_shutdown() {
    if (real_syscalls_forbidden())
        return EPERM;
    char* const args[] = {const_cast<char*>("shutdown"), const_cast<char*>("-r"),
                          const_cast<char*>("now"), nullptr};
    // The same places kexec-tools tries, in the same order.
    execv("/sbin/shutdown", args);
    execv("/etc/shutdown", args);
    execv("/bin/shutdown", args);
    return errno;
}

void LinuxBackend::sync() { ::sync(); }

void LinuxBackend::interfaces_down() {
    if (real_syscalls_forbidden())
        return;
    // Like kexec-tools' ifdown(): take every up interface down so DMA from
    // network cards stops before the next kernel owns the memory.
    struct if_nameindex* list = if_nameindex();
    if (!list)
        return;
    int sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock >= 0) {
        for (struct if_nameindex* i = list; i->if_name; i++) {
            struct ifreq req {};
            std::strncpy(req.ifr_name, i->if_name, IFNAMSIZ - 1);
            if (ioctl(sock, SIOCGIFFLAGS, &req) != 0 || !(req.ifr_flags & IFF_UP))
                continue;
            req.ifr_flags &= ~IFF_UP;
            ioctl(sock, SIOCSIFFLAGS, &req);
        }
        close(sock);
    }
    if_freenameindex(list);
}

std::optional<int> LinuxBackend::loaded(bool crash) {
    auto text = sys_.probe_text(crash ? "/sys/kernel/kexec_crash_loaded" : "/sys/kernel/kexec_loaded");
    if (!text)
        return std::nullopt;
    auto v = parse_u64(trim(*text));
    if (!v)
        return std::nullopt;
    return static_cast<int>(*v);
}

}  // namespace kx
