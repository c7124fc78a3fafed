// SPDX-License-Identifier: GPL-2.0-or-later
// The bytes a kexec syscall needs (a kernel or initrd fd, or a segment
// buffer), described as data: a list of pieces, each a slice of an input file
// or a run of zeros. Nothing is copied until a syscall actually needs the
// bytes; a payload that is exactly one whole file is handed over as that file.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sys/mapped_file.hpp"
#include "base/sha256.hpp"

namespace kx {

struct Piece {
    FileRef file;         // null: `size` zero bytes (padding)
    uint64_t offset = 0;  // within file
    uint64_t size = 0;
    std::string label;    // e.g. ".initrd of foo.efi"

    // Within the file by construction: pieces of files only come from
    // whole_file(), slice() (checked) and subrange() of those.
    std::span<const uint8_t> bytes() const;
};

class Payload {
public:
    Payload() = default;
    static Payload whole_file(FileRef file, std::string label);
    // Bytes [offset, offset+size) of `file`; an error when they are not all there.
    static Result<Payload> slice(FileRef file, uint64_t offset, uint64_t size, std::string label);
    static Payload generated(std::string display_name, std::string bytes);

    void append(const Payload& other);
    void append_zeros(uint64_t size, std::string label);
    void pad_to(uint64_t alignment);  // zero-fill so size() is a multiple of alignment
    // Bytes [offset, offset+size) of this payload, as pieces of the same files.
    Payload subrange(uint64_t offset, uint64_t size) const;
    // Zero bytes at the end (padding pieces), e.g. an archive's 4-byte alignment.
    uint64_t trailing_padding() const;

    // An initrd is a chain of archives (newc cpio, compressed or not). The
    // kernel's unpackers skip zero bytes between archives, so a loader may
    // start each archive on its own page. The assembler marks where each
    // archive begins; archives() cuts the payload there ([*this] unmarked).
    void begin_archive();
    std::vector<Payload> archives() const;

    const std::vector<Piece>& pieces() const { return pieces_; }
    uint64_t size() const;
    bool empty() const { return size() == 0; }
    // The payload is one whole on-disk file: its own fd can be passed as is.
    const MappedFile* as_whole_file() const;
    // Computed once and shared by every copy of this payload (plans copy
    // the kernel and initrd into several calls; printing them must not
    // hash a 256 MiB initrd three times).
    Sha256Digest sha256() const;
    std::string describe() const;  // "foo.efi" or ".ucode of foo.efi + .initrd of foo.efi"
    // Replace the piece-by-piece description with a summary (assembled data).
    void set_summary(std::string summary) { summary_ = std::move(summary); }
    std::string bytes_copy() const;  // all the bytes in memory (tests, small payloads)
    // The bytes, when the payload is one slice of a file (no copy); empty
    // otherwise. For parsing a kernel that planning made one piece.
    std::span<const uint8_t> contiguous() const;

private:
    void append(Piece piece);
    void changed() { digest_ = std::make_shared<std::optional<Sha256Digest>>(); }
    std::vector<Piece> pieces_;
    std::vector<uint64_t> archive_starts_;  // offsets, ascending, none at 0
    std::string summary_;
    std::shared_ptr<std::optional<Sha256Digest>> digest_ = std::make_shared<std::optional<Sha256Digest>>();
};

// The digests of `payloads`, computed on `threads` threads (0: one per CPU
// this process may run on), each payload's cached as sha256() caches it.
// The digests do not depend on the thread count, only the time does.
std::vector<Sha256Digest> sha256_each(const std::vector<Payload>& payloads, unsigned threads = 0);

}  // namespace kx
