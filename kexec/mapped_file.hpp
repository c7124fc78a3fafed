// A read-only, memory-mapped input file. Parsers work on spans over the
// mapping; the fd stays open so payload can be copied in-kernel
// (copy_file_range/sendfile) or handed to kexec_file_load as it is.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "result.hpp"

namespace kx {

class MappedFile {
public:
    static Result<std::shared_ptr<const MappedFile>> open(const std::string& path);
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

    // Bounds-checked slice; empty optional-like (nullptr span) on overflow.
    bool contains(uint64_t offset, uint64_t length) const {
        return offset <= size_ && length <= size_ - offset;
    }

private:
    MappedFile() = default;
    std::string path_;
    const uint8_t* data_ = nullptr;
    uint64_t size_ = 0;
    int fd_ = -1;
    bool mapped_ = false;
    std::string owned_;  // storage for from_bytes()
};

using FileRef = std::shared_ptr<const MappedFile>;

}  // namespace kx
