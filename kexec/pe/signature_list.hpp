// SPDX-License-Identifier: GPL-2.0-or-later
// UEFI signature databases (db, dbx, MokListRT, ...): a sequence of
// EFI_SIGNATURE_LISTs (UEFI 2.10, 32.4.1), as efivarfs shows them after a
// 4-byte attribute word. We keep every type the specification defines for
// judging an image (32.5.3.3, "Authorized/Forbidden Signature Database"):
// X.509 certificates, image digests (SHA-1, SHA-224, SHA-256, SHA-384,
// SHA-512, SM3) and certificate TBS hashes with a revocation time
// (X509_SHA256, X509_SHA384, X509_SHA512, X509_SM3). Other types (RSA-2048
// keys, which judge no Authenticode image) are counted and left alone.
// Every size is checked against the data and each other.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "base/result.hpp"

namespace kx::pe {

// The digest algorithms a signature list names; openssl_name() is what
// EVP_get_digestbyname() takes, display_name() what messages say.
enum class DigestAlgorithm { Sha1, Sha224, Sha256, Sha384, Sha512, Sm3 };
const char* openssl_name(DigestAlgorithm a);
const char* display_name(DigestAlgorithm a);
size_t digest_size(DigestAlgorithm a);

// An image's Authenticode digest (EFI_CERT_SHA*_GUID, EFI_CERT_SM3_GUID).
struct ImageDigest {
    DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
    std::vector<uint8_t> digest;
};

// EFI_CERT_X509_SHA*: the digest of a certificate's TBSCertificate and
// the EFI_TIME from which it is revoked (all zero: always).
struct CertificateHash {
    DigestAlgorithm algorithm = DigestAlgorithm::Sha256;
    std::vector<uint8_t> tbs_digest;
    std::array<uint8_t, 16> revocation_time{};

    bool revoked_always() const;
    std::string revocation_time_text() const;  // "2023-05-09 00:00:00 UTC", or "always"
};

struct SignatureDatabase {
    std::vector<std::vector<uint8_t>> x509_certificates;  // DER, as stored
    std::vector<ImageDigest> image_digests;
    std::vector<CertificateHash> certificate_hashes;
    size_t other_entries = 0;  // of types that judge no Authenticode image (RSA-2048 keys, ...)

    void append(SignatureDatabase&& other);
};

// `bytes` holds EFI_SIGNATURE_LISTs back to back; `what` names it in errors.
Result<SignatureDatabase> parse_signature_lists(std::span<const uint8_t> bytes, const std::string& what);

// The same, from an efivarfs file's contents (the attribute word first).
Result<SignatureDatabase> parse_efi_variable_signature_lists(std::span<const uint8_t> bytes,
                                                             const std::string& what);

}  // namespace kx::pe
