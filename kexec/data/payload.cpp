// SPDX-License-Identifier: GPL-2.0-or-later
#include "data/payload.hpp"

#include <algorithm>
#include <atomic>
#include <sched.h>
#include <system_error>
#include <thread>
#include <unistd.h>

#include "base/byte_reader.hpp"

namespace kx {

std::span<const uint8_t> Piece::bytes() const {
    if (!file)
        return {};
    return file->bytes().subspan(offset, size);
}

Payload Payload::whole_file(FileRef file, std::string label) {
    Payload p;
    uint64_t size = file->size();
    p.pieces_.push_back(Piece{std::move(file), 0, size, std::move(label)});
    return p;
}

Result<Payload> Payload::slice(FileRef file, uint64_t offset, uint64_t size, std::string label) {
    KX_TRY(kx::slice(file->bytes(), offset, size, label));
    Payload p;
    p.pieces_.push_back(Piece{std::move(file), offset, size, std::move(label)});
    return p;
}

Payload Payload::generated(std::string display_name, std::string bytes) {
    auto file = MappedFile::from_bytes(display_name, std::move(bytes));
    return whole_file(std::move(file), std::move(display_name));
}

void Payload::append(Piece piece) {
    if (piece.size > 0) {
        pieces_.push_back(std::move(piece));
        changed();
    }
}

void Payload::append(const Payload& other) {
    for (const Piece& p : other.pieces_)
        append(p);
}

void Payload::append_zeros(uint64_t size, std::string label) { append(Piece{nullptr, 0, size, std::move(label)}); }

void Payload::pad_to(uint64_t alignment) {
    uint64_t rem = size() % alignment;
    if (rem != 0) {
        pieces_.push_back(Piece{nullptr, 0, alignment - rem, "padding"});
        changed();
    }
}

Payload Payload::subrange(uint64_t offset, uint64_t size) const {
    Payload out;
    uint64_t at = 0;
    for (const Piece& p : pieces_) {
        const uint64_t begin = std::max(offset, at), end = std::min(offset + size, at + p.size);
        if (begin < end) {
            Piece part = p;
            part.offset = p.offset + (begin - at);
            part.size = end - begin;
            out.pieces_.push_back(std::move(part));
        }
        at += p.size;
    }
    return out;
}

uint64_t Payload::trailing_padding() const {
    uint64_t zeros = 0;
    for (auto it = pieces_.rbegin(); it != pieces_.rend() && !it->file; ++it)
        zeros += it->size;
    return zeros;
}

void Payload::begin_archive() {
    const uint64_t at = size();
    if (at > 0 && (archive_starts_.empty() || archive_starts_.back() != at))
        archive_starts_.push_back(at);
}

std::vector<Payload> Payload::archives() const {
    std::vector<Payload> out;
    uint64_t begin = 0;
    for (uint64_t end : archive_starts_) {
        out.push_back(subrange(begin, end - begin));
        begin = end;
    }
    if (begin < size() || out.empty())
        out.push_back(subrange(begin, size() - begin));
    return out;
}

uint64_t Payload::size() const {
    uint64_t total = 0;
    for (const Piece& p : pieces_)
        total += p.size;
    return total;
}

const MappedFile* Payload::as_whole_file() const {
    if (pieces_.size() != 1)
        return nullptr;
    const Piece& p = pieces_.front();
    if (!p.file || p.file->fd() < 0 || p.offset != 0 || p.size != p.file->size())
        return nullptr;
    return p.file.get();
}

Sha256Digest Payload::sha256() const {
    if (*digest_)
        return **digest_;
    Sha256 h;
    std::vector<uint8_t> buf;
    for (const Piece& p : pieces_) {
        if (!p.file) {
            h.update_zeros(p.size);
        } else if (p.file->fd() >= 0 && p.size > (1u << 20)) {
            // Large file pieces are read, not touched through the mapping:
            // their pages then stay in the page cache instead of our RSS
            // (a 256 MiB initrd would otherwise count twice for -c).
            buf.resize(1 << 20);
            uint64_t done = 0;
            while (done < p.size) {
                size_t want = static_cast<size_t>(std::min<uint64_t>(buf.size(), p.size - done));
                ssize_t n = pread(p.file->fd(), buf.data(), want, static_cast<off_t>(p.offset + done));
                if (n <= 0) {
                    // The file shrank (or cannot be read any more): hash
                    // zeros for the rest and let check_unchanged() refuse it.
                    p.file->note_changed();
                    h.update_zeros(p.size - done);
                    break;
                }
                h.update({buf.data(), static_cast<size_t>(n)});
                done += static_cast<uint64_t>(n);
            }
        } else {
            h.update(p.bytes());
        }
    }
    *digest_ = h.finish();
    return **digest_;
}

std::string Payload::describe() const {
    if (!summary_.empty())
        return summary_;
    std::string out;
    for (const Piece& p : pieces_) {
        if (!p.file)
            continue;  // padding is not worth naming
        if (!out.empty())
            out += " + ";
        out += p.label;
    }
    return out.empty() ? "(empty)" : out;
}

std::span<const uint8_t> Payload::contiguous() const {
    if (pieces_.size() == 1 && pieces_.front().file)
        return pieces_.front().bytes();
    return {};
}

std::string Payload::bytes_copy() const {
    std::string out;
    out.reserve(size());
    for (const Piece& p : pieces_) {
        if (p.file) {
            auto b = p.bytes();
            out.append(reinterpret_cast<const char*>(b.data()), b.size());
        } else {
            out.append(p.size, '\0');
        }
    }
    return out;
}

namespace {

unsigned usable_cpus() {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return static_cast<unsigned>(CPU_COUNT(&set));
    return std::max(1u, std::thread::hardware_concurrency());
}

}  // namespace

std::vector<Sha256Digest> sha256_each(const std::vector<Payload>& payloads, unsigned threads) {
    std::vector<Sha256Digest> out(payloads.size());
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < payloads.size();)
            out[i] = payloads[i].sha256();
    };
    if (threads == 0)
        threads = usable_cpus();
    threads = static_cast<unsigned>(std::min<size_t>(threads, payloads.size()));
    std::vector<std::thread> helpers;
    for (unsigned t = 1; t < threads; t++) {
        try {
            helpers.emplace_back(work);
        } catch (const std::system_error&) {
            break;  // no more threads to be had: the ones running do the rest
        }
    }
    work();
    for (std::thread& t : helpers)
        t.join();
    return out;
}

}  // namespace kx
