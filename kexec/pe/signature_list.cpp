// SPDX-License-Identifier: GPL-2.0-or-later
#include "pe/signature_list.hpp"

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "base/byte_reader.hpp"

namespace kx::pe {
namespace {

using Guid = std::array<uint8_t, 16>;

// EFI_GUIDs as stored: the first three fields little-endian. Values from
// the UEFI specification 2.10, 32.4.1, as EDK2 spells them
// (MdePkg/Include/Guid/ImageAuthentication.h: gEfiCertX509Guid, ...).
constexpr Guid kCertX509Guid{0xa1, 0x59, 0xc0, 0xa5, 0xe4, 0x94, 0xa7, 0x4a,
                             0x87, 0xb5, 0xab, 0x15, 0x5c, 0x2b, 0xf0, 0x72};  // a5c059a1-94e4-4aa7-87b5-ab155c2bf072
constexpr Guid kCertSha1Guid{0x12, 0xa5, 0x6c, 0x82, 0x10, 0xcf, 0xc9, 0x4a,
                             0xb1, 0x87, 0xbe, 0x01, 0x49, 0x66, 0x31, 0xbd};  // 826ca512-cf10-4ac9-b187-be01496631bd
constexpr Guid kCertSha224Guid{0x33, 0x52, 0x6e, 0x0b, 0x5c, 0xa6, 0xc9, 0x44,
                               0x94, 0x07, 0xd9, 0xab, 0x83, 0xbf, 0xc8, 0xbd};  // 0b6e5233-a65c-44c9-9407-d9ab83bfc8bd
constexpr Guid kCertSha256Guid{0x26, 0x16, 0xc4, 0xc1, 0x4c, 0x50, 0x92, 0x40,
                               0xac, 0xa9, 0x41, 0xf9, 0x36, 0x93, 0x43, 0x28};  // c1c41626-504c-4092-aca9-41f936934328
constexpr Guid kCertSha384Guid{0x07, 0x53, 0x3e, 0xff, 0xd0, 0x9f, 0xc9, 0x48,
                               0x85, 0xf1, 0x8a, 0xd5, 0x6c, 0x70, 0x1e, 0x01};  // ff3e5307-9fd0-48c9-85f1-8ad56c701e01
constexpr Guid kCertSha512Guid{0xae, 0x0f, 0x3e, 0x09, 0xc4, 0xa6, 0x50, 0x4f,
                               0x9f, 0x1b, 0xd4, 0x1e, 0x2b, 0x89, 0xc1, 0x9a};  // 093e0fae-a6c4-4f50-9f1b-d41e2b89c19a
constexpr Guid kCertSm3Guid{0x87, 0x7f, 0x34, 0x57, 0x9b, 0x7a, 0x3a, 0x40,
                            0xb9, 0x3c, 0xdc, 0x4a, 0xfb, 0x7a, 0x0e, 0xbc};  // 57347f87-7a9b-403a-b93c-dc4afb7a0ebc
constexpr Guid kCertX509Sha256Guid{0x92, 0xa4, 0xd2, 0x3b, 0xc0, 0x96, 0x79, 0x40,
                                   0xb4, 0x20, 0xfc, 0xf9, 0x8e, 0xf1, 0x03, 0xed};  // 3bd2a492-96c0-4079-b420-fcf98ef103ed
constexpr Guid kCertX509Sha384Guid{0x6e, 0x87, 0x76, 0x70, 0xc2, 0x80, 0xe6, 0x4e,
                                   0xaa, 0xd2, 0x28, 0xb3, 0x49, 0xa6, 0x86, 0x5b};  // 7076876e-80c2-4ee6-aad2-28b349a6865b
constexpr Guid kCertX509Sha512Guid{0x63, 0xbf, 0x6d, 0x44, 0x02, 0x25, 0xda, 0x4c,
                                   0xbc, 0xfa, 0x24, 0x65, 0xd2, 0xb0, 0xfe, 0x9d};  // 446dbf63-2502-4cda-bcfa-2465d2b0fe9d
constexpr Guid kCertX509Sm3Guid{0xe5, 0x07, 0xd8, 0x60, 0xb4, 0x10, 0xa9, 0x49,
                                0x93, 0x31, 0xe4, 0x04, 0x37, 0x88, 0x8d, 0x37};  // 60d807e5-10b4-49a9-9331-e40437888d37

struct HashType {
    const Guid* guid;
    DigestAlgorithm algorithm;
    bool certificate;  // EFI_CERT_X509_*: TBS hash + EFI_TIME; else an image digest
};
constexpr HashType kHashTypes[] = {
    {&kCertSha1Guid, DigestAlgorithm::Sha1, false},         {&kCertSha224Guid, DigestAlgorithm::Sha224, false},
    {&kCertSha256Guid, DigestAlgorithm::Sha256, false},     {&kCertSha384Guid, DigestAlgorithm::Sha384, false},
    {&kCertSha512Guid, DigestAlgorithm::Sha512, false},     {&kCertSm3Guid, DigestAlgorithm::Sm3, false},
    {&kCertX509Sha256Guid, DigestAlgorithm::Sha256, true},  {&kCertX509Sha384Guid, DigestAlgorithm::Sha384, true},
    {&kCertX509Sha512Guid, DigestAlgorithm::Sha512, true},  {&kCertX509Sm3Guid, DigestAlgorithm::Sm3, true},
};

constexpr uint64_t kEfiTimeSize = 16;

// EFI_SIGNATURE_LIST: SignatureType (GUID), SignatureListSize,
// SignatureHeaderSize, SignatureSize, then the header and the signatures;
// each EFI_SIGNATURE_DATA is an owner GUID and SignatureSize - 16 bytes.
constexpr uint64_t kListHeaderSize = 16 + 4 + 4 + 4;
constexpr uint64_t kOwnerSize = 16;
constexpr uint64_t kEfiVariableAttributesSize = 4;

}  // namespace

const char* openssl_name(DigestAlgorithm a) {
    switch (a) {
    case DigestAlgorithm::Sha1: return "sha1";
    case DigestAlgorithm::Sha224: return "sha224";
    case DigestAlgorithm::Sha256: return "sha256";
    case DigestAlgorithm::Sha384: return "sha384";
    case DigestAlgorithm::Sha512: return "sha512";
    case DigestAlgorithm::Sm3: return "sm3";
    }
    return "?";
}

const char* display_name(DigestAlgorithm a) {
    switch (a) {
    case DigestAlgorithm::Sha1: return "SHA-1";
    case DigestAlgorithm::Sha224: return "SHA-224";
    case DigestAlgorithm::Sha256: return "SHA-256";
    case DigestAlgorithm::Sha384: return "SHA-384";
    case DigestAlgorithm::Sha512: return "SHA-512";
    case DigestAlgorithm::Sm3: return "SM3";
    }
    return "?";
}

size_t digest_size(DigestAlgorithm a) {
    switch (a) {
    case DigestAlgorithm::Sha1: return 20;
    case DigestAlgorithm::Sha224: return 28;
    case DigestAlgorithm::Sha256: return 32;
    case DigestAlgorithm::Sha384: return 48;
    case DigestAlgorithm::Sha512: return 64;
    case DigestAlgorithm::Sm3: return 32;
    }
    return 0;
}

bool CertificateHash::revoked_always() const {
    return std::all_of(revocation_time.begin(), revocation_time.end(), [](uint8_t b) { return b == 0; });
}

std::string CertificateHash::revocation_time_text() const {
    if (revoked_always())
        return "always";
    // EFI_TIME: Year (UINT16), Month, Day, Hour, Minute, Second, Pad1,
    // Nanosecond (UINT32), TimeZone (INT16), Daylight, Pad2.
    const unsigned year = revocation_time[0] | (revocation_time[1] << 8);
    char text[64];
    std::snprintf(text, sizeof text, "%04u-%02u-%02u %02u:%02u:%02u", year, revocation_time[2], revocation_time[3],
                  revocation_time[4], revocation_time[5], revocation_time[6]);
    return text;
}

void SignatureDatabase::append(SignatureDatabase&& other) {
    for (auto& c : other.x509_certificates)
        x509_certificates.push_back(std::move(c));
    for (auto& d : other.image_digests)
        image_digests.push_back(std::move(d));
    for (auto& h : other.certificate_hashes)
        certificate_hashes.push_back(std::move(h));
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
        const bool x509 = type == kCertX509Guid;
        const HashType* hash = nullptr;
        for (const HashType& h : kHashTypes)
            if (type == *h.guid)
                hash = &h;
        if (hash) {
            const uint64_t want = kOwnerSize + digest_size(hash->algorithm) + (hash->certificate ? kEfiTimeSize : 0);
            if (entry_size != want)
                return make_error(list + ": a " + (hash->certificate ? std::string("certificate ") : std::string("")) +
                                  display_name(hash->algorithm) + " entry of " + std::to_string(entry_size) +
                                  " bytes, not " + std::to_string(want));
        }
        for (uint64_t e = at + kListHeaderSize + header_size; e < at + list_size; e += entry_size) {
            const uint8_t* data = bytes.data() + e + kOwnerSize;
            const size_t data_size = entry_size - kOwnerSize;
            if (x509) {
                db.x509_certificates.emplace_back(data, data + data_size);
            } else if (hash && hash->certificate) {
                CertificateHash c;
                c.algorithm = hash->algorithm;
                const size_t n = digest_size(hash->algorithm);
                c.tbs_digest.assign(data, data + n);
                std::copy_n(data + n, c.revocation_time.size(), c.revocation_time.begin());
                db.certificate_hashes.push_back(std::move(c));
            } else if (hash) {
                db.image_digests.push_back({hash->algorithm, std::vector<uint8_t>(data, data + data_size)});
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
