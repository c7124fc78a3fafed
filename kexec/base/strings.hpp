// SPDX-License-Identifier: GPL-2.0-or-later
// Small string helpers shared by the command line, sysfs and report code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.hpp"

namespace kx {

std::string hex(uint64_t value);                 // "0x1f"
std::string hex_bytes(const uint8_t* data, size_t size);  // "00ff.."
std::string trim(std::string_view s);            // spaces, tabs, newlines, NULs
std::string_view trim_view(std::string_view s);
std::vector<std::string> split_lines(std::string_view s);
// The pieces of `s` between spaces (a run of spaces separates once): the
// words of a kernel command line, the fields of /proc/self/mountinfo.
std::vector<std::string_view> split_words(std::string_view s);
bool starts_with(std::string_view s, std::string_view prefix);
bool ends_with(std::string_view s, std::string_view suffix);
std::string quote(std::string_view s);           // C-style escaped, in double quotes
// Text from files on its way out (issue 24). There is one escaping, in
// escape_for_terminal(): control characters (newline and CR included), DEL
// and bytes >= 0x80 (C1 controls, or parts of characters we cannot vouch
// for) become \xNN. What it returns is printable ASCII, so escaping it again
// changes nothing.
//
// - At every output sink (fail(), "kexec: note:" and -d lines, the --dry-run
//   text plan, --uki-info's text) terminal_line()/terminal_text() escape
//   whatever reaches them, so a message builder that forgets a field cannot
//   send an escape sequence or split a line. They leave backslashes alone:
//   text already escaped below passes through unchanged.
// - A field taken from a file (a section name, a profile's ID= or TITLE=,
//   a file name found beside a UKI) is put into a message with field() or
//   quoted_field(): escaped with the backslash escaped too (so \x1b in the
//   output always means the byte), and at most kFieldLimit bytes of it.
// - JSON escapes with json_escape() (json.cpp), which \u-escapes the same
//   bytes; fields keep their full length there.
std::string escape_for_terminal(std::string_view s, bool escape_backslash, bool keep_newlines);
// Text from a file, all of it: escape_for_terminal with backslash -> \\.
std::string printable(std::string_view s);
// One line at a sink; newlines are escaped, so it stays one line.
std::string terminal_line(std::string_view s);
// Several lines at a sink (a plan, a report): only '\n' is kept.
std::string terminal_text(std::string_view s);
constexpr size_t kFieldLimit = 64;
// printable() of the first `limit` bytes; a longer field ends in
// "...(N bytes)" with its full size. A line of text that is longer by
// nature (an SBAT entry) takes kLineLimit.
constexpr size_t kLineLimit = 256;
std::string field(std::string_view s, size_t limit = kFieldLimit);
// The same in double quotes, as quote() escapes them.
std::string quoted_field(std::string_view s, size_t limit = kFieldLimit);
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
