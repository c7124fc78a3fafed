// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/sysroot.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/strings.hpp"

namespace kx {

SystemView::SystemView(std::string root) : root_(std::move(root)) {
    if (root_.empty())
        root_ = "/";
    while (root_.size() > 1 && root_.back() == '/')
        root_.pop_back();
}

std::string SystemView::resolve(std::string_view path) const {
    if (root_ == "/")
        return std::string(path);
    return root_ + std::string(path);
}

// kexec-tools die()s when it cannot read /proc or /sys: exit status 1.
static Error system_file_error(const std::string& full, const char* what, int err) {
    return with_exit_status(make_error(full + ": cannot " + what + ": " + std::strerror(err), err), exit_status::kDie);
}

void SystemView::set_file(std::string path, std::string contents) {
    for (auto& [p, c] : captured_)
        if (p == path) {
            c = std::move(contents);
            return;
        }
    captured_.emplace_back(std::move(path), std::move(contents));
}

Result<std::string> SystemView::read_bytes(std::string_view path) const {
    for (const auto& [p, c] : captured_)
        if (p == path)
            return c;
    std::string full = resolve(path);
    int fd = ::open(full.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return system_file_error(full, "open", errno);
    std::string out;
    char buf[65536];
    for (;;) {
        ssize_t n = ::read(fd, buf, sizeof buf);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            int err = errno;
            ::close(fd);
            return system_file_error(full, "read", err);
        }
        if (n == 0)
            break;
        out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
}

Result<std::string> SystemView::read_text(std::string_view path) const { return read_bytes(path); }

std::optional<std::string> SystemView::read_prefix(std::string_view path, size_t limit) const {
    for (const auto& [p, c] : captured_)
        if (p == path)
            return c.substr(0, limit);
    int fd = ::open(resolve(path).c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::string out(limit, '\0');
    size_t got = 0;
    while (got < limit) {
        ssize_t n = ::read(fd, out.data() + got, limit - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out.resize(got);
    return out;
}

Result<std::optional<std::string>> SystemView::read_text_if_exists(std::string_view path) const {
    auto r = read_text(path);
    if (r.ok())
        return std::optional<std::string>(std::move(r).value());
    if (r.error().sys_errno == ENOENT || r.error().sys_errno == ENOTDIR)
        return std::optional<std::string>();
    return r.take_error();
}

std::optional<std::string> SystemView::probe_text(std::string_view path) const {
    auto r = read_text_if_exists(path);
    return r.ok() ? std::move(r).value() : std::nullopt;
}

Result<std::optional<uint64_t>> SystemView::read_hex(std::string_view path) const {
    KX_ASSIGN(auto text, read_text_if_exists(path));
    return text ? parse_hex(*text) : std::nullopt;
}

bool SystemView::exists(std::string_view path) const {
    for (const auto& [p, c] : captured_)
        if (p == path)
            return true;
    struct stat st {};
    return ::stat(resolve(path).c_str(), &st) == 0;
}

std::vector<std::string> SystemView::list_dir(std::string_view path) const {
    std::vector<std::string> names;
    if (DIR* dir = ::opendir(resolve(path).c_str())) {
        while (struct dirent* e = ::readdir(dir)) {
            std::string name = e->d_name;
            if (name != "." && name != "..")
                names.push_back(std::move(name));
        }
        ::closedir(dir);
    }
    // Captured files show up in their directories too.
    const std::string prefix = std::string(path) + "/";
    for (const auto& [p, c] : captured_)
        if (p.size() > prefix.size() && p.compare(0, prefix.size(), prefix) == 0)
            names.push_back(p.substr(prefix.size(), p.find('/', prefix.size()) - prefix.size()));
    std::sort(names.begin(), names.end());
    names.erase(std::unique(names.begin(), names.end()), names.end());
    return names;
}

}  // namespace kx
