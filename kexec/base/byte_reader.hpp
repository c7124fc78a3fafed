// SPDX-License-Identifier: GPL-2.0-or-later
// Little-endian reads from a span, bounds-checked by the caller's contract:
// `at` must have been checked with fits() first. Keeps the parsers free of
// unaligned casts.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>

#include "base/result.hpp"

namespace kx {

inline bool fits(std::span<const uint8_t> s, uint64_t offset, uint64_t length) {
    return offset <= s.size() && length <= s.size() - offset;
}

// The one way to take part of file data: [offset, offset+length) of `s`, or
// an error naming `what` when it is not all there. Never an out-of-range
// std::span::subspan (undefined behaviour).
inline Result<std::span<const uint8_t>> slice(std::span<const uint8_t> s, uint64_t offset, uint64_t length,
                                              std::string_view what) {
    if (!fits(s, offset, length))
        return make_error(std::string(what) + ": " + std::to_string(length) + " bytes at offset " +
                          std::to_string(offset) + " lie outside the " + std::to_string(s.size()) + " there are");
    return s.subspan(static_cast<size_t>(offset), static_cast<size_t>(length));
}

inline uint8_t le8(std::span<const uint8_t> s, uint64_t at) { return s[at]; }
inline uint16_t le16(std::span<const uint8_t> s, uint64_t at) {
    return static_cast<uint16_t>(s[at] | (s[at + 1] << 8));
}
inline uint32_t le32(std::span<const uint8_t> s, uint64_t at) {
    return static_cast<uint32_t>(le16(s, at)) | (static_cast<uint32_t>(le16(s, at + 2)) << 16);
}
inline uint64_t le64(std::span<const uint8_t> s, uint64_t at) {
    return static_cast<uint64_t>(le32(s, at)) | (static_cast<uint64_t>(le32(s, at + 4)) << 32);
}

inline void put_le16(uint8_t* p, uint16_t v) {
    p[0] = static_cast<uint8_t>(v);
    p[1] = static_cast<uint8_t>(v >> 8);
}
inline void put_le32(uint8_t* p, uint32_t v) {
    put_le16(p, static_cast<uint16_t>(v));
    put_le16(p + 2, static_cast<uint16_t>(v >> 16));
}
inline void put_le64(uint8_t* p, uint64_t v) {
    put_le32(p, static_cast<uint32_t>(v));
    put_le32(p + 4, static_cast<uint32_t>(v >> 32));
}

// A NUL-terminated string inside [at, at+max), empty when out of bounds.
inline std::string c_string(std::span<const uint8_t> s, uint64_t at, uint64_t max) {
    if (at >= s.size())
        return {};
    uint64_t end = at;
    while (end < s.size() && end - at < max && s[end] != 0)
        end++;
    return std::string(reinterpret_cast<const char*>(s.data() + at), end - at);
}

}  // namespace kx
