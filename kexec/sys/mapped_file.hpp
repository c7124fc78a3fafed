// SPDX-License-Identifier: GPL-2.0-or-later
// A read-only, memory-mapped input file. Parsers work on spans over the
// mapping; the fd stays open so payload can be copied in-kernel
// (copy_file_range/sendfile) or handed to kexec_file_load as it is.
//
// A file can shrink while we read it (a package upgrade rewriting the UKI
// in place). Touching a mapped page past the new end raises SIGBUS; a
// handler installed with the first mapping puts a zero page there and marks
// the file changed, so reading never kills us, and check_unchanged() (called
// after planning and before every syscall) turns it into a clean error.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <sys/types.h>

#include "base/result.hpp"

namespace kx {

class MappedFile {
public:
    static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
    // Take over `fd`, already open for reading (closed on failure too), and
    // map it as `path` says: the same checks as open() from there on.
    static Result<std::shared_ptr<const MappedFile>> adopt(int fd, const std::string& path);
    // Wrap bytes already in memory (decompressed kernels, test inputs).
    static std::shared_ptr<const MappedFile> from_bytes(std::string display_name,
                                                        std::string bytes);

    ~MappedFile();
    MappedFile(const MappedFile&) = delete;
    MappedFile& operator=(const MappedFile&) = delete;

    const std::string& path() const { return path_; }
    std::span<const uint8_t> bytes() const { return {data_, size_}; }
    uint64_t size() const { return size_; }
    int fd() const { return fd_; }  // -1 when the bytes are not backed by a file

    // Record that a read found the file shorter than when it was opened.
    void note_changed() const { changed_.store(true, std::memory_order_relaxed); }
    // An error when the file was found shorter while we read it, or is now
    // not the size it had when opened: what we read is not one version of it.
    Status check_unchanged() const;

private:
    MappedFile() = default;
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    int fd_ = -1;
    bool mapped_ = false;
    mutable std::atomic<bool> changed_{false};
    std::string owned_;  // storage for from_bytes()
};

using FileRef = std::shared_ptr<const MappedFile>;

// What kind of file `mode` is, for messages: "a FIFO", "a directory", ...
const char* file_kind(mode_t mode);

// check_unchanged() for every file mapped now.
Status check_inputs_unchanged();

}  // namespace kx
