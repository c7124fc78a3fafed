// SPDX-License-Identifier: GPL-2.0-or-later
// UEFI signature databases (db, dbx, MokListRT, ...): a sequence of
// EFI_SIGNATURE_LISTs (UEFI 2.10, 32.4.1), as efivarfs shows them after a
// 4-byte attribute word. We keep what firmware uses to judge an image:
// X.509 certificates (trust in db, distrust in dbx) and SHA-256 image
// digests (dbx, and db for single allowed images). Other types are counted
// and left alone. Every size is checked against the data and each other.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "result.hpp"

namespace kx::pe {

struct SignatureDatabase {
    std::vector<std::vector<uint8_t>> x509_certificates;  // DER, as stored
    std::vector<std::array<uint8_t, 32>> sha256_digests;
    size_t other_entries = 0;  // of types we do not use (SHA-1, RSA-2048 keys, ...)

    void append(SignatureDatabase&& other);
};

// `bytes` holds EFI_SIGNATURE_LISTs back to back; `what` names it in errors.
Result<SignatureDatabase> parse_signature_lists(std::span<const uint8_t> bytes, const std::string& what);

// The same, from an efivarfs file's contents (the attribute word first).
Result<SignatureDatabase> parse_efi_variable_signature_lists(std::span<const uint8_t> bytes,
                                                             const std::string& what);

}  // namespace kx::pe
