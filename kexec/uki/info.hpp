// --uki-info: describe a UKI or addon without loading anything (no root).
#pragma once

#include <cstdio>
#include <string>

#include "json.hpp"
#include "result.hpp"

namespace kx::uki {

class Uki;

// The report as JSON (its documented shape is in doc/uki-info-json.md);
// the text form is rendered from the same value.
Result<Json> uki_info_json(const Uki& uki);
Result<std::string> uki_info_text(const Uki& uki);
Status print_uki_info(const std::string& path, bool json, FILE* out);

}  // namespace kx::uki
