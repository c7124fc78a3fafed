// SPDX-License-Identifier: GPL-2.0-or-later
// UEFI signature databases as efitools writes them (cert-to-efi-sig-list,
// hash-to-efi-sig-list: the tools people use to build db and dbx), read by
// parse_efi_variable_signature_lists(); and every malformed size refused.
#include <criterion/criterion.h>

#include "helpers.hpp"
#include "pe/signature_list.hpp"
#include "base/strings.hpp"
#include "uki_builder.hpp"

using namespace kx;
using namespace kxt;

namespace {

constexpr const char* kOwner = "11111111-2222-3333-4444-555555555555";
const std::string kAttributes("\x27\x00\x00\x00", 4);  // NV | BS | RT | time-based authenticated write

std::string make_certificate(const std::string& dir, const std::string& name) {
    cr_assert_eq(run_shell("cd '" + dir + "' && openssl req -x509 -newkey rsa:2048 -nodes -days 1 -subj /CN=" + name +
                           " -keyout " + name + ".key -out " + name + ".pem 2>/dev/null && openssl x509 -in " +
                           name + ".pem -outform DER -out " + name + ".der"),
                 0);
    return read_file(dir + "/" + name + ".der");
}

std::string esl_header(const std::string& guid_bytes, uint32_t list, uint32_t header, uint32_t entry) {
    std::string h = guid_bytes;
    h.resize(28);
    poke32(h, 16, list);
    poke32(h, 20, header);
    poke32(h, 24, entry);
    return h;
}

std::string parse_error(const std::string& bytes) {
    auto db = pe::parse_efi_variable_signature_lists(span_of(bytes), "db");
    cr_assert(!db.ok(), "accepted a malformed list");
    return db.error().message;
}

}  // namespace

Test(signature_list, reads_what_efitools_writes) {
    if (!have_tool("cert-to-efi-sig-list") || !have_tool("hash-to-efi-sig-list") || !have_tool("openssl"))
        cr_skip_test("needs efitools and openssl (scripts/install-deps installs them)");
    const std::string dir = scratch_dir();
    const std::string a = make_certificate(dir, "first"), b = make_certificate(dir, "second");
    const std::string stub = stub_path(UkiStyle::Ukify252);
    const std::string printed = shell_output("cd '" + dir + "' && cert-to-efi-sig-list -g " + kOwner +
                                             " first.pem first.esl && cert-to-efi-sig-list -g " + kOwner +
                                             " second.pem second.esl && hash-to-efi-sig-list '" + stub +
                                             "' hash.esl");
    cr_assert(contains(printed, "HASH IS "), "%s", printed.c_str());
    const std::string var =
        kAttributes + read_file(dir + "/first.esl") + read_file(dir + "/hash.esl") + read_file(dir + "/second.esl");
    auto db = pe::parse_efi_variable_signature_lists(span_of(var), "db");
    cr_assert(db.ok(), "%s", db.ok() ? "" : db.error().message.c_str());
    cr_assert_eq(db->x509_certificates.size(), 2u);
    cr_assert(std::string(db->x509_certificates[0].begin(), db->x509_certificates[0].end()) == a);
    cr_assert(std::string(db->x509_certificates[1].begin(), db->x509_certificates[1].end()) == b);
    cr_assert_eq(db->image_digests.size(), 1u);
    cr_assert(db->image_digests[0].algorithm == pe::DigestAlgorithm::Sha256);
    const std::string listed = hex_bytes(db->image_digests[0].digest.data(), db->image_digests[0].digest.size());
    cr_assert(contains(printed, "HASH IS " + listed), "%s vs %s", printed.c_str(), listed.c_str());
    cr_assert_eq(db->other_entries, 0u);
}

Test(signature_list, other_types_are_counted_and_an_empty_variable_is_empty) {
    std::string sha1_list = esl_header(std::string(16, '\x42'), 28 + 2 * 36, 0, 36) + std::string(72, 'x');
    auto db = pe::parse_signature_lists(span_of(sha1_list), "dbx");
    cr_assert(db.ok());
    cr_assert_eq(db->other_entries, 2u);
    auto empty = pe::parse_efi_variable_signature_lists(span_of(kAttributes), "dbx");
    cr_assert(empty.ok() && empty->x509_certificates.empty() && empty->image_digests.empty() &&
              empty->certificate_hashes.empty());
}

// Every hash type has its size: a digest, or a TBS hash and an EFI_TIME.
Test(signature_list, hash_entries_of_the_wrong_size_are_refused_for_every_type) {
    const std::string sha1_guid("\x12\xa5\x6c\x82\x10\xcf\xc9\x4a\xb1\x87\xbe\x01\x49\x66\x31\xbd", 16);
    const std::string x509_sha384_guid("\x6e\x87\x76\x70\xc2\x80\xe6\x4e\xaa\xd2\x28\xb3\x49\xa6\x86\x5b", 16);
    kx_assert_str(parse_error(kAttributes + esl_header(sha1_guid, 28 + 48, 0, 48) + std::string(48, 'h')),
                  "db: signature list 0: a SHA-1 entry of 48 bytes, not 36");
    kx_assert_str(parse_error(kAttributes + esl_header(x509_sha384_guid, 28 + 64, 0, 64) + std::string(64, 'h')),
                  "db: signature list 0: a certificate SHA-384 entry of 64 bytes, not 80");
    std::string time(16, '\0');
    poke16(time, 0, 2023);
    time[2] = 5;
    time[3] = 9;
    const std::string good = esl_header(x509_sha384_guid, 28 + 80, 0, 80) + std::string(16, 'o') + std::string(48, 'h') + time;
    auto db = pe::parse_efi_variable_signature_lists(span_of(kAttributes + good), "dbx");
    cr_assert(db.ok(), "%s", db.ok() ? "" : db.error().message.c_str());
    cr_assert_eq(db->certificate_hashes.size(), 1u);
    cr_assert(db->certificate_hashes[0].algorithm == pe::DigestAlgorithm::Sha384);
    cr_assert(db->certificate_hashes[0].tbs_digest == std::vector<uint8_t>(48, 'h'));
    kx_assert_str(db->certificate_hashes[0].revocation_time_text(), "2023-05-09 00:00:00");
}

Test(signature_list, malformed_sizes_are_refused_each_with_its_reason) {
    const std::string sha256_guid("\x26\x16\xc4\xc1\x4c\x50\x92\x40\xac\xa9\x41\xf9\x36\x93\x43\x28", 16);
    kx_assert_str(parse_error("\x27"), "db: 1 bytes, too short for an EFI variable (attributes first)");
    kx_assert_str(parse_error(kAttributes + std::string(27, '\0')),
                  "db: signature list 0 at offset 0 is cut short");
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 28 + 48 * 2, 0, 48) + std::string(48, 'h')),
                  "db: signature list 0: its size 124 does not fit the 76 bytes left or its own header");
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 20, 0, 48)),
                  "db: signature list 0: its size 20 does not fit the 28 bytes left or its own header");
    // A header size that wraps 32-bit arithmetic round to a small sum.
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 32, 0xfffffff0u, 48) + std::string(4, 'h')),
                  "db: signature list 0: its size 32 does not fit the 32 bytes left or its own header");
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 28 + 50, 0, 48) + std::string(50, 'h')),
                  "db: signature list 0: signature size 48 does not divide its 50 bytes of signatures");
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 28 + 16, 0, 16) + std::string(16, 'h')),
                  "db: signature list 0: signature size 16 does not divide its 16 bytes of signatures");
    kx_assert_str(parse_error(kAttributes + esl_header(sha256_guid, 28 + 40, 0, 40) + std::string(40, 'h')),
                  "db: signature list 0: a SHA-256 entry of 40 bytes, not 48");
    // A good list, then a bad one: the error names the second.
    std::string good = esl_header(sha256_guid, 28 + 48, 0, 48) + std::string(48, 'h');
    kx_assert_str(parse_error(kAttributes + good + std::string(5, '\0')),
                  "db: signature list 1 at offset 76 is cut short");
}
