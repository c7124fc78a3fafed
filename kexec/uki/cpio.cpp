// SPDX-License-Identifier: GPL-2.0-or-later
#include "uki/cpio.hpp"

#include <algorithm>
#include <cstdint>
#include <cstdio>

#include "base/strings.hpp"

namespace kx::uki {
namespace {

constexpr uint32_t S_IFDIR_ = 0040000;
constexpr uint32_t S_IFREG_ = 0100000;
constexpr uint32_t kLeadingDirMode = 0555;  // pack_cpio_prefix()
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

void CpioWriter::add_entry(const std::string& path, uint32_t mode, const Payload& contents) {
    char header[111];
    // ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor,
    // rdevmajor, rdevminor, namesize (with NUL), check. Every entry, directory
    // or not, has one link and no time, as the stub writes them.
    // Lower-case hex, as the stub's write_cpio_word() writes it: the archive
    // is byte for byte the stub's, so its TPM measurement can be predicted.
    std::snprintf(header, sizeof header, "070701%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x%08x",
                  next_inode_++, mode, 0u, 0u, 1u, 0u, static_cast<unsigned>(contents.size()), 0u,
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

void CpioWriter::add_one_directory(const std::string& path, uint32_t mode) {
    if (std::find(dirs_.begin(), dirs_.end(), path) != dirs_.end())
        return;
    dirs_.push_back(path);
    add_entry(path, S_IFDIR_ | (mode & 07777), Payload{});
}

void CpioWriter::add_directory(const std::string& path, uint32_t mode) {
    std::string dir = path;
    while (!dir.empty() && dir.back() == '/')
        dir.pop_back();
    if (dir.empty())
        return;
    // Empty components ("a//b", a leading '/') make no entry, as in the stub.
    for (size_t slash = dir.find('/'); slash != std::string::npos; slash = dir.find('/', slash + 1))
        if (slash > 0 && dir[slash - 1] != '/')
            add_one_directory(dir.substr(0, slash), kLeadingDirMode);
    add_one_directory(dir, mode);
}

Status CpioWriter::add_file(const std::string& path, uint32_t mode, const Payload& contents) {
    // newc writes sizes as 8 hex digits, and a name is NUL-terminated.
    if (contents.size() > UINT32_MAX)
        return make_error(contents.describe() + ": " + std::to_string(contents.size()) +
                          " bytes is more than a cpio archive entry can hold (4 GiB - 1)");
    // "TRAILER!!!" ends an archive: the kernel would stop unpacking there.
    if (path.empty() || path.find('\0') != std::string::npos || path == kTrailer)
        return make_error("cannot put a file named " + quote(path) + " into a cpio archive");
    add_entry(path, S_IFREG_ | (mode & 07777), contents);
    return {};
}

Payload CpioWriter::finish() {
    // The stub's pack_cpio_trailer() writes this literal: inode 0, and the
    // name size in upper case ("0000000B"); 124 bytes, so still aligned.
    static constexpr char kStubTrailer[] = "070701"
                                           "00000000" "00000000" "00000000" "00000000" "00000001" "00000000"
                                           "00000000" "00000000" "00000000" "00000000" "00000000" "0000000B"
                                           "00000000" "TRAILER!!!\0\0\0";
    static_assert(sizeof kStubTrailer % 4 == 0);
    pending_.append(kStubTrailer, sizeof kStubTrailer);
    flush();
    return std::move(out_);
}

}  // namespace kx::uki
