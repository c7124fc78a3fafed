// SPDX-License-Identifier: GPL-2.0-or-later
#include "data/json.hpp"

#include <cstdio>

#include "base/utf8.hpp"

namespace kx {

Json& Json::set(std::string key, Json value) {
    std::get<std::shared_ptr<Object>>(v_)->emplace_back(std::move(key), std::move(value));
    return *this;
}

Json& Json::push(Json value) {
    std::get<std::shared_ptr<Array>>(v_)->push_back(std::move(value));
    return *this;
}

namespace {

void append_escape(std::string& out, unsigned code) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "\\u%04x", code);
    out += buf;
}

// Characters that are valid text but would act on a terminal or an editor
// reading the output: C0 and C1 controls, DEL, the line and paragraph
// separators, and the bidirectional formatting marks (which can make a
// command line read differently from what it is).
bool escaped_character(char32_t c) {
    return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x2028 || c == 0x2029 || c == 0x200e || c == 0x200f ||
           (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
}

}  // namespace

std::string json_escape(const std::string& s) {
    std::string out = "\"";
    for (size_t i = 0; i < s.size();) {
        char32_t c = 0;
        const size_t length = utf8_character(s, i, c);
        if (length == 0) {
            // A byte that is not part of well-formed UTF-8: the lone surrogate
            // U+DC80 + (byte - 0x80), as Python's "surrogateescape" names it,
            // so no such byte reads back as a real character and the bytes
            // can be recovered exactly (doc/dry-run-json.md).
            append_escape(out, 0xdc00 + static_cast<unsigned char>(s[i]));
            i++;
            continue;
        }
        if (c == '"')
            out += "\\\"";
        else if (c == '\\')
            out += "\\\\";
        else if (c == '\n')
            out += "\\n";
        else if (c == '\r')
            out += "\\r";
        else if (c == '\t')
            out += "\\t";
        else if (escaped_character(c))
            append_escape(out, static_cast<unsigned>(c));
        else
            out.append(s, i, length);
        i += length;
    }
    out += '"';
    return out;
}

static void newline(std::string& out, bool pretty, int indent) {
    if (!pretty)
        return;
    out += '\n';
    out.append(static_cast<size_t>(indent) * 2, ' ');
}

void Json::dump_to(std::string& out, bool pretty, int indent) const {
    if (std::holds_alternative<std::nullptr_t>(v_)) {
        out += "null";
    } else if (auto* b = std::get_if<bool>(&v_)) {
        out += *b ? "true" : "false";
    } else if (auto* i = std::get_if<int64_t>(&v_)) {
        out += std::to_string(*i);
    } else if (auto* u = std::get_if<uint64_t>(&v_)) {
        out += std::to_string(*u);
    } else if (auto* s = std::get_if<std::string>(&v_)) {
        out += json_escape(*s);
    } else if (auto* a = std::get_if<std::shared_ptr<Array>>(&v_)) {
        if ((*a)->empty()) {
            out += "[]";
            return;
        }
        out += '[';
        bool first = true;
        for (const Json& e : **a) {
            if (!first)
                out += ',';
            first = false;
            newline(out, pretty, indent + 1);
            e.dump_to(out, pretty, indent + 1);
        }
        newline(out, pretty, indent);
        out += ']';
    } else if (auto* o = std::get_if<std::shared_ptr<Object>>(&v_)) {
        if ((*o)->empty()) {
            out += "{}";
            return;
        }
        out += '{';
        bool first = true;
        for (const auto& [k, e] : **o) {
            if (!first)
                out += ',';
            first = false;
            newline(out, pretty, indent + 1);
            out += json_escape(k);
            out += pretty ? ": " : ":";
            e.dump_to(out, pretty, indent + 1);
        }
        newline(out, pretty, indent);
        out += '}';
    }
}

std::string Json::dump(bool pretty) const {
    std::string out;
    dump_to(out, pretty, 0);
    return out;
}

}  // namespace kx
