// SPDX-License-Identifier: GPL-2.0-or-later
// --uki-info: describe a UKI or addon without loading anything (no root).
#pragma once

#include <cstdio>
#include <optional>
#include <string>

#include "data/json.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx::uki {

class Uki;

// The report as JSON (its documented shape is in doc/uki-info-json.md);
// the text form is rendered from the same value. These describe the file
// alone: no signature verdicts, no addons.
Result<Json> uki_info_json(const Uki& uki);
Result<std::string> uki_info_text(const Uki& uki);

struct InfoRequest {
    std::string path;
    bool json = false;
    std::optional<std::string> verify;  // --uki-verify's source: verdicts for the UKI, .linux, addons
    std::string verify_option;          // "--uki-verify" or "--uki-strict", for messages
    bool allow_sha1 = false;            // --uki-allow-sha1: the signature policy a load would use
};

// The whole report: also the addons a load would apply (found as a load
// finds them, through `sys`) and, with a trust source, signature verdicts.
Status print_uki_info(const InfoRequest& req, const SystemView& sys, FILE* out);

}  // namespace kx::uki
