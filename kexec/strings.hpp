// SPDX-License-Identifier: GPL-2.0-or-later
// Small string helpers shared by the command line, sysfs and report code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "result.hpp"

namespace kx {

std::string hex(uint64_t value);                 // "0x1f"
std::string hex_bytes(const uint8_t* data, size_t size);  // "00ff.."
std::string trim(std::string_view s);            // spaces, tabs, newlines, NULs
std::string_view trim_view(std::string_view s);
std::vector<std::string> split_lines(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string quote(std::string_view s);           // C-style escaped, in double quotes
// Text from a file, safe to print on a terminal: control characters, DEL
// and bytes >= 0x80 (C1 controls, or parts of characters we cannot vouch
// for) become \xNN, backslash becomes \\.
std::string printable(std::string_view s);
std::string format_size(uint64_t bytes);         // "8.0 MiB (8388608 bytes)"
std::string errno_name(int err);                 // "ENOEXEC"

// strtoull with base 0 (0x.., 0.., decimal) over the whole string, like
// kexec-tools' strtoul(optarg, &end, 0) with *end checked.
std::optional<uint64_t> parse_u64(std::string_view s);

// A hexadecimal number as /proc and /sys print them: with or without 0x
// ("%llx", "%pa"), surrounding whitespace ignored.
std::optional<uint64_t> parse_hex(std::string_view s);

// Parse "KEY=VALUE" lines (os-release, .profile); values may be quoted.
std::optional<std::string> env_file_value(std::string_view text, std::string_view key);

}  // namespace kx
