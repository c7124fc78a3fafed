// Authenticode signatures of a PE file: who signed it, and whether the digest
// they signed is the digest of this file (OpenSSL PKCS#7 parsing).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "pe/pe_file.hpp"

namespace kx::pe {

struct Signer {
    std::string subject;  // RFC 2253, e.g. "CN=PKCS#11 snakeoil,O=..."
    std::string issuer;
    std::string serial;   // hex
};

struct Signature {
    uint64_t offset = 0;  // of the WIN_CERTIFICATE entry
    uint16_t type = 0;
    std::string error;    // why it could not be read; empty when fine
    std::vector<Signer> signers;
    std::string digest_algorithm;  // "sha256"
    std::optional<bool> digest_matches;  // the signed digest equals this file's
};

std::vector<Signature> read_signatures(const PeFile& pe);

// The Authenticode digest of the file with `md_name` ("sha256"): what a
// signature must carry to cover the file.
std::optional<std::string> authenticode_digest_hex(const PeFile& pe, const std::string& md_name);

}  // namespace kx::pe
