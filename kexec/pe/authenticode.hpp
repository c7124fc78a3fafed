// SPDX-License-Identifier: GPL-2.0-or-later
// Authenticode signatures of a PE file: who signed it, and whether the digest
// they signed is the digest of this file (OpenSSL PKCS#7 parsing).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "pe/pe_file.hpp"
#include "pe/signature_list.hpp"

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
    std::string refused;  // why no trust store can accept it (signature_policy_problem); empty: none
};

// What a signature must be, whoever is trusted: verify_authenticode()
// refuses a signature for it, and --uki-info lists the same reason.
struct SignaturePolicy {
    bool allow_sha1 = false;  // --uki-allow-sha1
};

std::vector<Signature> read_signatures(const PeFile& pe, const SignaturePolicy& policy = {});

// The Authenticode digest of the file with `md_name` ("sha256"): what a
// signature must carry to cover the file.
std::optional<std::string> authenticode_digest_hex(const PeFile& pe, const std::string& md_name);

// What an image is judged against, as firmware judges it: certificates
// that may anchor a signer's chain (db, or a PEM bundle), and what dbx
// forbids (image digests, certificates).
struct TrustStore {
    std::string source;  // "db", or the PEM file's path: named in verdicts
    std::vector<std::vector<uint8_t>> trusted_certificates;  // DER
    SignatureDatabase forbidden;                             // dbx
    SignaturePolicy policy;
};

// Every certificate in a PEM bundle; an error if there is none or one is malformed.
Result<TrustStore> trust_store_from_pem(std::span<const uint8_t> pem, const std::string& path);

struct Verdict {
    bool trusted = false;
    std::string reason;  // why not, or which signer vouched (subject, chained to `source`)
};

// Authenticode as firmware (EDK2's DxeImageVerificationLib) checks it:
//  - dbx: no image digest in it, in any algorithm it holds digests of
//    (SHA-1, SHA-224, SHA-256, SHA-384, SHA-512, SM3), and no signature of
//    the file, whether or not it is the one that vouches, by a certificate
//    dbx forbids: an X.509 entry equal to one, or a TBS-hash entry (SHA-256,
//    SHA-384, SHA-512, SM3) of one, among the signer, the certificates in
//    the PKCS#7 and the chain to the trust store. A TBS-hash entry's
//    revocation time could only be passed by a time-stamp checked against
//    dbt, which we do not read: it revokes, whatever its time (as EDK2
//    without a dbt time-stamp).
//  - then at least one signature that passes the policy (a WIN_CERTIFICATE
//    of revision 2.0; no MD5 anywhere; SHA-1 only with allow_sha1), whose
//    signed digest is this file's, whose PKCS#7 signature verifies, whose
//    signer chains to a trusted certificate (time not checked: firmware has
//    no trusted clock) and, if it has extended key usages, allows code
//    signing.
Verdict verify_authenticode(const PeFile& pe, const TrustStore& trust);

}  // namespace kx::pe
