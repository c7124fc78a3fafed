// --uki-verify[=SOURCE]: judge a UKI (and its addons) by Authenticode, as
// firmware and systemd-stub would, before anything is split out of it.
// SOURCE is "db" (the firmware's db and dbx from efivarfs, and shim's
// MokListRT / MokListXRT when present) or a PEM bundle of trusted
// certificates.
#pragma once

#include <string>
#include <vector>

#include "pe/authenticode.hpp"
#include "result.hpp"
#include "sysroot.hpp"

namespace kx::uki {

inline constexpr const char* kTrustFirmwareDb = "db";

Result<pe::TrustStore> load_trust_store(const std::string& source, const SystemView& sys);

// An error naming `name` and why it is not trusted; a note saying who
// vouched for it otherwise.
Status require_trusted(const pe::PeFile& pe, const std::string& name, const pe::TrustStore& trust,
                       std::vector<std::string>& notes);

}  // namespace kx::uki
