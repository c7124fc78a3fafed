// SPDX-License-Identifier: GPL-2.0-or-later
// A minimal JSON value for --dry-run=json and --uki-info --json. Objects keep
// insertion order so the documented shape reads the same every time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace kx {

class Json {
public:
    using Array = std::vector<Json>;
    using Object = std::vector<std::pair<std::string, Json>>;

    Json() : v_(nullptr) {}
    Json(std::nullptr_t) : v_(nullptr) {}
    Json(bool b) : v_(b) {}
    Json(int i) : v_(static_cast<int64_t>(i)) {}
    Json(int64_t i) : v_(i) {}
    Json(uint64_t u) : v_(u) {}
    Json(unsigned u) : v_(static_cast<uint64_t>(u)) {}
    Json(const char* s) : v_(std::string(s)) {}
    Json(std::string s) : v_(std::move(s)) {}
    Json(Array a) : v_(std::make_shared<Array>(std::move(a))) {}
    Json(Object o) : v_(std::make_shared<Object>(std::move(o))) {}

    static Json array() { return Json(Array{}); }
    static Json object() { return Json(Object{}); }

    // Object: append a member. Array: append an element.
    Json& set(std::string key, Json value);
    Json& push(Json value);

    std::string dump(bool pretty = true) const;

private:
    void dump_to(std::string& out, bool pretty, int indent) const;
    std::variant<std::nullptr_t, bool, int64_t, uint64_t, std::string, std::shared_ptr<Array>,
                 std::shared_ptr<Object>>
        v_;
};

std::string json_escape(const std::string& s);

}  // namespace kx
