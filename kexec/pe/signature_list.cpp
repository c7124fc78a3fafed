// SPDX-License-Identifier: GPL-2.0-or-later
#include "pe/signature_list.hpp"

#include <algorithm>
#include <cstring>

#include "byte_reader.hpp"

namespace kx::pe {
namespace {

using Guid = std::array<uint8_t, 16>;

// EFI_GUIDs as stored: the first three fields little-endian.
constexpr Guid kCertX509Guid{0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
                             0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72};  // a5c059a1-94e4-4aa7-87b5-ab155c2bf072
constexpr Guid kCertSha256Guid{0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
                               0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};  // c1c41626-504c-4092-aca9-41f936934328

// EFI_SIGNATURE_LIST: SignatureType (GUID), SignatureListSize,
// SignatureHeaderSize, SignatureSize, then the header and the signatures;
// each EFI_SIGNATURE_DATA is an owner GUID and SignatureSize - 16 bytes.
constexpr uint64_t kListHeaderSize = 16 + 4 + 4 + 4;
constexpr uint64_t kOwnerSize = 16;
constexpr uint64_t kEfiVariableAttributesSize = 4;

}  // namespace

void SignatureDatabase::append(SignatureDatabase&& other) {
    for (auto& c : other.x509_certificates)
        x509_certificates.push_back(std::move(c));
    sha256_digests.insert(sha256_digests.end(), other.sha256_digests.begin(), other.sha256_digests.end());
    other_entries += other.other_entries;
}

Result<SignatureDatabase> parse_signature_lists(std::span<const uint8_t> bytes, const std::string& what) {
    SignatureDatabase db;
    uint64_t at = 0;
    for (unsigned index = 0; at < bytes.size(); index++) {
        const std::string list = what + ": signature list " + std::to_string(index);
        if (!fits(bytes, at, kListHeaderSize))
            return make_error(list + " at offset " + std::to_string(at) + " is cut short");
        Guid type;
        std::memcpy(type.data(), bytes.data() + at, type.size());
        const uint32_t list_size = le32(bytes, at + 16);
        const uint32_t header_size = le32(bytes, at + 20);
        const uint32_t entry_size = le32(bytes, at + 24);
        if (list_size < kListHeaderSize + uint64_t{header_size} || !fits(bytes, at, list_size))
            return make_error(list + ": its size " + std::to_string(list_size) + " does not fit the " +
                              std::to_string(bytes.size() - at) + " bytes left or its own header");
        const uint64_t entries_size = list_size - kListHeaderSize - header_size;
        if (entry_size <= kOwnerSize || entries_size % entry_size != 0)
            return make_error(list + ": signature size " + std::to_string(entry_size) +
                              " does not divide its " + std::to_string(entries_size) + " bytes of signatures");
        const bool x509 = type == kCertX509Guid, sha256 = type == kCertSha256Guid;
        if (sha256 && entry_size != kOwnerSize + 32)
            return make_error(list + ": a SHA-256 entry of " + std::to_string(entry_size) + " bytes, not 48");
        for (uint64_t e = at + kListHeaderSize + header_size; e < at + list_size; e += entry_size) {
            const uint8_t* data = bytes.data() + e + kOwnerSize;
            const size_t data_size = entry_size - kOwnerSize;
            if (x509) {
                db.x509_certificates.emplace_back(data, data + data_size);
            } else if (sha256) {
                std::array<uint8_t, 32> digest;
                std::copy_n(data, digest.size(), digest.begin());
                db.sha256_digests.push_back(digest);
            } else {
                db.other_entries++;
            }
        }
        at += list_size;
    }
    return db;
}

Result<SignatureDatabase> parse_efi_variable_signature_lists(std::span<const uint8_t> bytes,
                                                             const std::string& what) {
    if (bytes.size() < kEfiVariableAttributesSize)
        return make_error(what + ": " + std::to_string(bytes.size()) +
                          " bytes, too short for an EFI variable (attributes first)");
    KX_ASSIGN(auto lists, slice(bytes, kEfiVariableAttributesSize, bytes.size() - kEfiVariableAttributesSize, what));
    return parse_signature_lists(lists, what);
}

}  // namespace kx::pe
