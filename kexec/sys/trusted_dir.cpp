// SPDX-License-Identifier: GPL-2.0-or-later
#include "sys/trusted_dir.hpp"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <dirent.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <utility>

#include "base/strings.hpp"

namespace kx {
namespace {

constexpr mode_t kWritableByOthers = S_IWGRP | S_IWOTH;

// Why someone other than root or us could change what `st` is, or "".
std::string owner_or_mode_problem(const struct stat& st, bool sticky_passes) {
    if (st.st_uid != 0 && st.st_uid != geteuid())
        return "owned by uid " + std::to_string(st.st_uid) + ", not root";
    if ((st.st_mode & kWritableByOthers) && !(sticky_passes && (st.st_mode & S_ISVTX)))
        return (st.st_mode & S_IWOTH) ? "writable by everyone" : "writable by its group";
    return {};
}

std::string kind_problem(mode_t mode) { return S_ISREG(mode) ? std::string() : file_kind(mode); }

// Opens `name` in `dir` without following symbolic links anywhere, and
// without leaving `dir`; O_NONBLOCK so a FIFO planted there cannot block us.
int open_beneath(int dir, const std::string& name) {
    struct open_how how {};
    how.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW;
    how.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS;
    long fd = syscall(SYS_openat2, dir, name.c_str(), &how, sizeof how);
    if (fd < 0 && errno == ENOSYS)  // before Linux 5.6: `name` is one component, so O_NOFOLLOW is enough
        fd = ::openat(dir, name.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | O_NOFOLLOW);
    return static_cast<int>(fd);
}

}  // namespace

Result<std::optional<TrustedDir>> TrustedDir::open(const std::string& path) {
    if (path.empty() || path[0] != '/')
        return make_error(path + ": not an absolute path");
    int fd = ::open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return make_error("/: cannot open: " + std::string(std::strerror(errno)), errno);
    std::string walked;
    size_t pos = 1;
    for (;;) {
        struct stat st {};
        if (fstat(fd, &st) != 0) {
            const int err = errno;
            ::close(fd);
            return make_error((walked.empty() ? "/" : walked) + ": cannot stat: " + std::strerror(err), err);
        }
        const bool last = pos >= path.size();
        if (std::string why = owner_or_mode_problem(st, !last); !why.empty()) {
            ::close(fd);
            return make_error((walked.empty() ? "/" : walked) + ": " + why);
        }
        if (last)
            return std::optional<TrustedDir>(TrustedDir(fd, path));
        size_t slash = path.find('/', pos);
        std::string component = path.substr(pos, slash == std::string::npos ? std::string::npos : slash - pos);
        pos = slash == std::string::npos ? path.size() : slash + 1;
        if (component.empty() || component == ".")
            continue;
        walked += "/" + component;
        int next = ::openat(fd, component.c_str(), O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
        const int err = errno;
        ::close(fd);
        if (next < 0 && err == ENOENT)
            return std::optional<TrustedDir>();
        if (next < 0 && err == ENOTDIR)
            return make_error(walked + ": not a directory, or a symbolic link", err);
        if (next < 0)
            return make_error(walked + ": cannot open: " + std::strerror(err), err);
        fd = next;
    }
}

TrustedDir::TrustedDir(TrustedDir&& other) noexcept : fd_(other.fd_), path_(std::move(other.path_)) {
    other.fd_ = -1;
}

TrustedDir& TrustedDir::operator=(TrustedDir&& other) noexcept {
    if (this != &other) {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = std::exchange(other.fd_, -1);
        path_ = std::move(other.path_);
    }
    return *this;
}

TrustedDir::~TrustedDir() {
    if (fd_ >= 0)
        ::close(fd_);
}

bool TrustedDir::is_refusal(const Error& e) {
    return e.sys_errno == 0 || e.sys_errno == ENOTDIR || e.sys_errno == ELOOP;
}

Result<std::vector<TrustedDir::Entry>> TrustedDir::list() const {
    std::vector<Entry> entries;
    int fd = ::openat(fd_, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    DIR* d = fd < 0 ? nullptr : fdopendir(fd);
    if (!d) {
        const int err = errno;
        if (fd >= 0)
            ::close(fd);
        return make_error(path_ + ": cannot read the directory: " + std::strerror(err), err);
    }
    for (;;) {
        errno = 0;
        struct dirent* e = ::readdir(d);
        if (!e) {
            const int err = errno;
            if (err != 0) {
                ::closedir(d);
                return make_error(path_ + ": cannot read the directory: " + std::strerror(err), err);
            }
            break;
        }
        std::string name = e->d_name;
        if (name == "." || name == "..")
            continue;
        struct stat st {};
        std::string why;
        if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0)
            why = std::string("cannot stat: ") + std::strerror(errno);
        else if (why = kind_problem(st.st_mode); why.empty())
            why = owner_or_mode_problem(st, false);
        entries.push_back({std::move(name), std::move(why)});
    }
    ::closedir(d);
    std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.name < b.name; });
    return entries;
}

Result<TrustedDir::Opened> TrustedDir::open_file(const std::string& name) const {
    const std::string shown = path_ + "/" + field(name);  // for errors: the name is the directory's text
    if (name.empty() || name.find('/') != std::string::npos || name == "." || name == "..")
        return make_error(shown + ": not a file name");
    int fd = open_beneath(fd_, name);
    if (fd < 0) {
        const int err = errno;
        if (err == ELOOP || err == EXDEV)
            return Opened{nullptr, "a symbolic link"};
        return make_error(shown + ": cannot open: " + std::strerror(err) +
                              (err == EMFILE ? " (kexec holds one descriptor per file it reads; raise ulimit -n)" : ""),
                          err);
    }
    struct stat st {};
    if (fstat(fd, &st) != 0) {
        const int err = errno;
        ::close(fd);
        return make_error(shown + ": cannot stat: " + std::strerror(err), err);
    }
    std::string why = kind_problem(st.st_mode);
    if (why.empty())
        why = owner_or_mode_problem(st, false);
    if (!why.empty()) {
        ::close(fd);
        return Opened{nullptr, why};
    }
    KX_ASSIGN(FileRef file, MappedFile::adopt(fd, path_ + "/" + name));
    return Opened{std::move(file), ""};
}

}  // namespace kx
