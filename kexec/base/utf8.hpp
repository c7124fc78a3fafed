// SPDX-License-Identifier: GPL-2.0-or-later
// Well-formed UTF-8 (RFC 3629, the Unicode standard's table 3-7): no
// overlong forms, no surrogates, nothing above U+10FFFF. Text from files is
// bytes; this says which of them are characters.
#pragma once

#include <cstddef>
#include <string_view>

namespace kx {

// The character that starts at `at`: its length in bytes (1 to 4) and, in
// `code_point`, its value; 0 when the bytes there are not well-formed UTF-8.
size_t utf8_character(std::string_view s, size_t at, char32_t& code_point);

}  // namespace kx
