// SPDX-License-Identifier: GPL-2.0-or-later
// Directories we read files from that the user did not name: what
// systemd-stub would find beside a UKI (addons, credentials, system and
// configuration extensions). The stub reads them from a vfat ESP, which has
// no owners and no symlinks; here they may sit on any file system, so a
// directory is trusted only if nobody but root (or the user running us) can
// have put something into it, and files are opened without following links:
//  - every directory from "/" down is owned by root or by our effective
//    user; one writable by group or others is passed through only when it
//    is sticky (/tmp), and the final one must not be writable by them at all;
//  - each file is a regular file with the same owner rule and no group or
//    other write permission, opened with openat2(RESOLVE_BENEATH |
//    RESOLVE_NO_SYMLINKS) (O_NOFOLLOW where openat2 is missing) and checked
//    again on the opened descriptor, never by its name.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "sys/mapped_file.hpp"
#include "base/result.hpp"

namespace kx {

class TrustedDir {
public:
    // The directory at absolute `path`: nullopt when it does not exist, an
    // error saying why when it (or a directory above it) is not trusted.
    static Result<std::optional<TrustedDir>> open(const std::string& path);

    TrustedDir(TrustedDir&& other) noexcept;
    TrustedDir& operator=(TrustedDir&& other) noexcept;
    TrustedDir(const TrustedDir&) = delete;
    ~TrustedDir();

    const std::string& path() const { return path_; }

    struct Entry {
        std::string name;
        std::string refusal;  // empty when the entry is a trusted regular file; else why not
    };
    // Every entry but "." and "..", sorted by name; an error when the
    // directory cannot be read (never a shorter list).
    Result<std::vector<Entry>> list() const;

    // Whether an error from open() is a refusal (not trusted: owner, mode,
    // a symbolic link, not a directory), which callers answer by skipping
    // the directory as systemd-stub would skip it, rather than a failure
    // to read what is there (no descriptors, no memory, I/O).
    static bool is_refusal(const Error& e);

    // The file `name` (no '/') of this directory, mapped, if it is still
    // trusted. Two ways it may not be, kept apart because callers treat
    // them apart: it is no longer a trusted regular file (became a symbolic
    // link, changed owner or mode since list()): a refusal, which systemd-stub
    // would answer by skipping it; or it could not be opened or mapped at
    // all (gone, too many open files, no memory): an error, since booting
    // without it would boot a different set than the directory holds.
    struct Opened {
        FileRef file;          // null when refused
        std::string refusal;   // why not, when refused
    };
    Result<Opened> open_file(const std::string& name) const;

private:
    TrustedDir(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
    int fd_;  // O_PATH
    std::string path_;
};

}  // namespace kx
