// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/cpio.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "strings.hpp"

namespace kx::uki {
namespace {

constexpr uint32_t S_IFDIR_ = 0040000;
constexpr uint32_t S_IFREG_ = 0100000;
constexpr const char* kTrailer = "TRAILER!!!";

}  // namespace

void CpioWriter::pad() {
    // newc aligns headers and file data to 4 bytes from the archive start.
    while ((emitted_ + pending_.size()) % 4)
        pending_.push_back('\0');
}

void CpioWriter::flush() {
    emitted_ += pending_.size();
    out_.append(Payload::generated("cpio header", std::move(pending_)));
    pending_.clear();
}

void CpioWriter::add_entry(const std::string& path, uint32_t mode, uint32_t nlink,
                           const Payload& contents) {
    char header[111];
    // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
    // rdevmajor, rdevminor, namesize (with NUL), check
    std::snprintf(header, sizeof header, "070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
                  next_inode_++, mode, 0u, 0u, nlink, 0u, static_cast<unsigned>(contents.size()), 0u,
                  0u, 0u, 0u, static_cast<unsigned>(path.size() + 1), 0u);
    pending_.append(header, 110);
    pending_ += path;
    pending_.push_back('\0');
    pad();
    if (contents.size() == 0)
        return;
    flush();
    emitted_ += contents.size();
    out_.append(contents);
    pad();
}

void CpioWriter::add_directory(const std::string& path, uint32_t mode) {
    if (std::find(dirs_.begin(), dirs_.end(), path) != dirs_.end())
        return;
    dirs_.push_back(path);
    add_entry(path, S_IFDIR_ | (mode & 07777), 2, Payload{});
}

void CpioWriter::add_parents(const std::string& path, uint32_t dir_mode) {
    for (size_t slash = path.find('/'); slash != std::string::npos; slash = path.find('/', slash + 1))
        add_directory(path.substr(0, slash), dir_mode);
}

Status CpioWriter::add_file(const std::string& path, uint32_t mode, const Payload& contents) {
    // newc writes sizes as 8 hex digits, and a name is NUL-terminated.
    if (contents.size() > UINT32_MAX)
        return make_error(contents.describe() + ": " + std::to_string(contents.size()) +
                          " bytes is more than a cpio archive entry can hold (4 GiB - 1)");
    // "TRAILER!!!" ends an archive: the kernel would stop unpacking there.
    if (path.empty() || path.find('\0') != std::string::npos || path == kTrailer)
        return make_error("cannot put a file named " + quote(path) + " into a cpio archive");
    add_entry(path, S_IFREG_ | (mode & 07777), 1, contents);
    return {};
}

Payload CpioWriter::finish() {
    add_entry(kTrailer, 0, 1, Payload{});
    flush();
    return std::move(out_);
}

}  // namespace kx::uki
