// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/utf8.hpp"

namespace kx {

size_t utf8_character(std::string_view s, size_t at, char32_t& code_point) {
    auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
    const unsigned char lead = byte(at);
    if (lead < 0x80) {
        code_point = lead;
        return 1;
    }
    // The second byte's range depends on the lead (it excludes overlong forms,
    // surrogates and code points above U+10FFFF); later ones are 80..BF.
    size_t length;
    unsigned char low = 0x80, high = 0xbf;
    if (lead >= 0xc2 && lead <= 0xdf) {
        length = 2;
    } else if (lead >= 0xe0 && lead <= 0xef) {
        length = 3;
        low = lead == 0xe0 ? 0xa0 : 0x80;
        high = lead == 0xed ? 0x9f : 0xbf;
    } else if (lead >= 0xf0 && lead <= 0xf4) {
        length = 4;
        low = lead == 0xf0 ? 0x90 : 0x80;
        high = lead == 0xf4 ? 0x8f : 0xbf;
    } else {
        return 0;  // a continuation byte, C0/C1 (overlong) or F5..FF
    }
    if (s.size() - at < length)
        return 0;
    char32_t value = lead & (0xff >> (length + 1));
    for (size_t i = 1; i < length; i++) {
        const unsigned char b = byte(at + i);
        if (b < (i == 1 ? low : 0x80) || b > (i == 1 ? high : 0xbf))
            return 0;
        value = (value << 6) | (b & 0x3f);
    }
    code_point = value;
    return length;
}

}  // namespace kx
