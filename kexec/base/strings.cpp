// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/strings.hpp"

#include <algorithm>
#include <cerrno>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace kx {

std::string hex(uint64_t value) {
    char buf[24];
    std::snprintf(buf, sizeof buf, "0x%" PRIx64, value);
    return buf;
}

std::string hex_bytes(const uint8_t* data, size_t size) {
    static const char digits[] = "0123456789abcdef";
    std::string out;
    out.reserve(size * 2);
    for (size_t i = 0; i < size; i++) {
        out.push_back(digits[data[i] >> 4]);
        out.push_back(digits[data[i] & 15]);
    }
    return out;
}

static bool is_trim_char(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\0';
}

std::string_view trim_view(std::string_view s) {
    while (!s.empty() && is_trim_char(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_trim_char(s.back()))
        s.remove_suffix(1);
    return s;
}

std::string trim(std::string_view s) { return std::string(trim_view(s)); }

std::vector<std::string_view> split_words(std::string_view s) {
    std::vector<std::string_view> words;
    for (size_t i = 0; i < s.size();) {
        const size_t end = std::min(s.find(' ', i), s.size());
        if (end > i)
            words.push_back(s.substr(i, end - i));
        i = end + 1;
    }
    return words;
}

std::vector<std::string> split_lines(std::string_view s) {
    std::vector<std::string> lines;
    while (!s.empty()) {
        size_t nl = s.find('\n');
        std::string_view line = s.substr(0, nl);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        lines.emplace_back(line);
        if (nl == std::string_view::npos)
            break;
        s.remove_prefix(nl + 1);
    }
    return lines;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string quote(std::string_view s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c >= 0x7f) {  // >= 0x80: C1 controls reach terminals too
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\x%02x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
    }
    out += '"';
    return out;
}

std::string escape_for_terminal(std::string_view s, bool escape_backslash, bool keep_newlines) {
    std::string out;
    out.reserve(s.size());
    for (unsigned char c : s) {
        if (c == '\\' && escape_backslash) {
            out += "\\\\";
        } else if ((c < 0x20 && !(c == '\n' && keep_newlines)) || c >= 0x7f) {
            char buf[8];
            std::snprintf(buf, sizeof buf, "\\x%02x", c);
            out += buf;
        } else {
            out.push_back(static_cast<char>(c));
        }
    }
    return out;
}

std::string printable(std::string_view s) { return escape_for_terminal(s, true, false); }

std::string terminal_line(std::string_view s) { return escape_for_terminal(s, false, false); }

std::string terminal_text(std::string_view s) { return escape_for_terminal(s, false, true); }

namespace {

std::string cut_note(std::string_view s, size_t limit) {
    return s.size() > limit ? "...(" + std::to_string(s.size()) + " bytes)" : std::string();
}

}  // namespace

std::string field(std::string_view s, size_t limit) { return printable(s.substr(0, limit)) + cut_note(s, limit); }

std::string quoted_field(std::string_view s, size_t limit) { return quote(s.substr(0, limit)) + cut_note(s, limit); }

std::string format_size(uint64_t bytes) {
    char buf[64];
    if (bytes >= (1u << 20))
        std::snprintf(buf, sizeof buf, "%.1f MiB (%" PRIu64 " bytes)", static_cast<double>(bytes) / 1048576.0, bytes);
    else if (bytes >= 1024)
        std::snprintf(buf, sizeof buf, "%.1f KiB (%" PRIu64 " bytes)", static_cast<double>(bytes) / 1024.0, bytes);
    else
        std::snprintf(buf, sizeof buf, "%" PRIu64 " bytes", bytes);
    return buf;
}

std::string errno_name(int err) {
    switch (err) {
#define KX_ERRNO(e) case e: return #e;
        KX_ERRNO(EPERM) KX_ERRNO(ENOENT) KX_ERRNO(EINTR) KX_ERRNO(EIO) KX_ERRNO(E2BIG)
        KX_ERRNO(ENOEXEC) KX_ERRNO(EBADF) KX_ERRNO(EAGAIN) KX_ERRNO(ENOMEM) KX_ERRNO(EACCES)
        KX_ERRNO(EFAULT) KX_ERRNO(EBUSY) KX_ERRNO(EEXIST) KX_ERRNO(EXDEV) KX_ERRNO(EINVAL)
        KX_ERRNO(EFBIG) KX_ERRNO(ENOSPC) KX_ERRNO(ENOSYS) KX_ERRNO(ENODATA) KX_ERRNO(ENOPKG)
        KX_ERRNO(EBADMSG) KX_ERRNO(EOVERFLOW) KX_ERRNO(ELIBBAD) KX_ERRNO(EMSGSIZE)
        KX_ERRNO(EOPNOTSUPP) KX_ERRNO(ENOKEY) KX_ERRNO(EKEYREJECTED) KX_ERRNO(EKEYEXPIRED)
        KX_ERRNO(EKEYREVOKED) KX_ERRNO(ECANCELED)
#undef KX_ERRNO
    default: return "errno " + std::to_string(err);
    }
}

std::optional<uint64_t> parse_u64(std::string_view s) {
    if (s.empty() || s.front() == '-' || s.front() == '+' || s.front() == ' ')
        return std::nullopt;
    std::string copy(s);
    char* end = nullptr;
    errno = 0;
    unsigned long long v = std::strtoull(copy.c_str(), &end, 0);
    if (errno != 0 || end == copy.c_str() || *end != '\0')
        return std::nullopt;
    return static_cast<uint64_t>(v);
}

std::optional<uint64_t> parse_hex(std::string_view s) {
    s = trim_view(s);
    if (starts_with(s, "0x") || starts_with(s, "0X"))
        s.remove_prefix(2);
    return parse_u64("0x" + std::string(s));  // "0x" alone and "0x-1" are rejected
}

std::optional<std::string> env_file_value(std::string_view text, std::string_view key) {
    for (const std::string& raw : split_lines(text)) {
        std::string_view line = trim_view(raw);
        if (line.empty() || line.front() == '#')
            continue;
        size_t eq = line.find('=');
        if (eq == std::string_view::npos || trim_view(line.substr(0, eq)) != key)
            continue;
        std::string_view value = trim_view(line.substr(eq + 1));
        if (value.size() >= 2 && (value.front() == '"' || value.front() == '\'') &&
            value.back() == value.front())
            value = value.substr(1, value.size() - 2);
        return std::string(value);
    }
    return std::nullopt;
}

}  // namespace kx
