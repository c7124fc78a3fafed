// SPDX-License-Identifier: GPL-2.0-or-later
// --uki-verify[=SOURCE]: judge a UKI (and its addons) by Authenticode, as
// firmware and systemd-stub would, before anything is split out of it.
// SOURCE is "db" (the firmware's db and dbx from efivarfs, and shim's
// MokListRT / MokListXRT when present) or a PEM bundle of trusted
// certificates.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "sys/mapped_file.hpp"
#include "pe/authenticode.hpp"
#include "base/result.hpp"
#include "sys/sysroot.hpp"

namespace kx::uki {

inline constexpr const char* kTrustFirmwareDb = "db";

// `policy` (--uki-allow-sha1) goes with the store into every verdict.
Result<pe::TrustStore> load_trust_store(const std::string& source, const SystemView& sys,
                                        const pe::SignaturePolicy& policy);

// The trust store `option` ("--uki-verify", or "--uki-strict", which
// implies it) asks for, shared; an error names that option.
Result<std::shared_ptr<const pe::TrustStore>> trust_store_for(const std::string& option, const std::string& source,
                                                              const SystemView& sys, const pe::SignaturePolicy& policy);

// An error naming `name` and why it is not trusted; otherwise who vouched
// for it ("signed by CN=..., trusted by SOURCE").
Result<std::string> require_trusted(const pe::PeFile& pe, const std::string& name, const pe::TrustStore& trust);

// What is verified is what is used: `file` is refused at once when it
// carries no signature or is larger than `copy_budget` (what is left of the
// memory kexec may take for all such copies of one load, which the copy
// then spends), else copied once into a sealed memfd, and that copy is
// verified against `trust`. The caller parses and loads the copy only, so a
// writer racing kexec can change neither what was hashed nor what is loaded.
struct VerifiedFile {
    FileRef copy;         // sealed, mapped; named as `file` is
    std::string vouched;  // who vouched for it ("signed by CN=..., trusted by SOURCE")
};
Result<VerifiedFile> verify_sealed_copy(const FileRef& file, const pe::TrustStore& trust, uint64_t& copy_budget);

// What addons must verify against before they are used, and who asks.
struct AddonTrust {
    std::string required_by;                      // "--uki-verify", "Secure Boot"; empty: not required
    std::shared_ptr<const pe::TrustStore> store;  // null while required: no trust source could be read
    std::string unavailable;                      // then why not (every addon is refused with it)

    bool required() const { return !required_by.empty(); }
};

// As systemd-stub: addons must verify against what the UKI was verified
// against (`uki_trust`, from `option`), or else, when the running system
// booted with Secure Boot on, against the firmware's db (read from `sys`).
AddonTrust addon_trust_for(std::shared_ptr<const pe::TrustStore> uki_trust, const std::string& option,
                           bool secure_boot, const SystemView& sys, const pe::SignaturePolicy& policy);

}  // namespace kx::uki
