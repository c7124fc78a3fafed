// SPDX-License-Identifier: GPL-2.0-or-later
#include "json.hpp"

#include <cstdio>

namespace kx {

Json& Json::set(std::string key, Json value) {
    std::get<std::shared_ptr<Object>>(v_)->emplace_back(std::move(key), std::move(value));
    return *this;
}

Json& Json::push(Json value) {
    std::get<std::shared_ptr<Array>>(v_)->push_back(std::move(value));
    return *this;
}

std::string json_escape(const std::string& s) {
    std::string out = "\"";
    for (unsigned char c : s) {
        switch (c) {
        case '"': out += "\\\""; break;
        case '\\': out += "\\\\"; break;
        case '\n': out += "\\n"; break;
        case '\r': out += "\\r"; break;
        case '\t': out += "\\t"; break;
        default:
            if (c < 0x20 || c == 0x7f) {
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else if (c >= 0x80) {
                // Payloads (command lines, os-release) may hold any bytes;
                // escape non-ASCII byte-wise so the output is always valid.
                char buf[8];
                std::snprintf(buf, sizeof buf, "\\u%04x", c);
                out += buf;
            } else {
                out.push_back(static_cast<char>(c));
            }
        }
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
