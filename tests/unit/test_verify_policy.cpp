// SPDX-License-Identifier: GPL-2.0-or-later
// What dbx and the signature policy forbid, whoever is trusted (issue 24):
// every dbx type the UEFI specification defines for images (digests in
// each algorithm) and for certificates (X.509, and TBS hashes written by
// efitools' cert-to-efi-hash-list, matched anywhere in the signer's chain),
// MD5 and SHA-1 signatures, and WIN_CERTIFICATE revisions other than 2.0.
// Signatures with odd algorithms are made here with OpenSSL, as
// osslsigncode makes them; the others by sbsign.
#include <criterion/criterion.h>

#include <memory>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

#include "helpers.hpp"
#include "signing.hpp"
#include "pe/authenticode.hpp"
#include "pe/pe_file.hpp"
#include "pe/signature_list.hpp"
#include "base/strings.hpp"
#include "uki_builder.hpp"

using namespace kx;
using namespace kxt;

namespace {

struct Keys : Signing {
    // `name`, issued by the certificate authority `ca` (made with key()).
    void issued_key(const std::string& name, const std::string& ca) const {
        cr_assert_eq(run_shell("cd '" + dir + "' && openssl req -new -newkey rsa:2048 -nodes -subj /CN=" + name +
                               " -keyout " + name + ".key -out " + name + ".csr 2>/dev/null && openssl x509 -req -in " +
                               name + ".csr -CA " + ca + ".pem -CAkey " + ca + ".key -CAcreateserial -days 30 -out " +
                               name + ".pem 2>/dev/null"),
                     0);
    }
    pe::TrustStore pem_store(const std::string& name) const { return Signing::pem_store({name}); }
    // dbx as efivarfs shows it: the attribute word, then `lists`.
    static pe::SignatureDatabase dbx(const std::string& lists) {
        auto db = pe::parse_efi_variable_signature_lists(span_of(std::string("\x27\0\0\0", 4) + lists), "dbx");
        cr_assert(db.ok(), "%s", db.ok() ? "" : db.error().message.c_str());
        return *db;
    }
    // efitools' cert-to-efi-hash-list: the certificate's TBS hash (`bits`: 256, 384, 512).
    std::string tbs_hash_list(const std::string& name, int bits) const {
        const std::string out = name + "-" + std::to_string(bits) + ".hash.esl";
        cr_assert_eq(run_shell("cd '" + dir + "' && cert-to-efi-hash-list -s " + std::to_string(bits) + " " + name +
                               ".pem " + out + " >/dev/null 2>&1"),
                     0);
        return read_file(dir + "/" + out);
    }
};

pe::Verdict verify(const std::string& image, const pe::TrustStore& trust) {
    auto pe = pe::PeFile::parse(span_of(image), "image.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    return pe::verify_authenticode(*pe, trust);
}

// An EFI_GUID in its text form, as the specification prints it, stored.
std::string guid_bytes(const std::string& text) {
    std::string hex;
    for (char c : text)
        if (c != '-')
            hex += c;
    cr_assert_eq(hex.size(), 32u);
    std::string b(16, '\0');
    for (size_t i = 0; i < 16; i++)
        b[i] = static_cast<char>(std::stoul(hex.substr(2 * i, 2), nullptr, 16));
    std::swap(b[0], b[3]);  // Data1, Data2, Data3 are little-endian
    std::swap(b[1], b[2]);
    std::swap(b[4], b[5]);
    std::swap(b[6], b[7]);
    return b;
}

// One EFI_SIGNATURE_LIST of `type` holding `entries` (each its owner GUID and data).
std::string esl(const std::string& type_guid, const std::vector<std::string>& entries) {
    const uint32_t entry_size = static_cast<uint32_t>(16 + entries.at(0).size());
    std::string list = guid_bytes(type_guid);
    list.resize(28);
    poke32(list, 16, static_cast<uint32_t>(28 + entries.size() * entry_size));
    poke32(list, 20, 0);
    poke32(list, 24, entry_size);
    for (const auto& e : entries)
        list += std::string(16, '\x11') + e;
    return list;
}

std::string unhex(const std::string& hex) {
    std::string b;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        b.push_back(static_cast<char>(std::stoul(hex.substr(i, 2), nullptr, 16)));
    return b;
}

std::string oid(const char* text) {
    ASN1_OBJECT* o = OBJ_txt2obj(text, 0);
    cr_assert(o, "unknown OID %s", text);
    unsigned char* out = nullptr;
    const int len = i2d_ASN1_OBJECT(o, &out);
    std::string b(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    ASN1_OBJECT_free(o);
    return b;
}

// `image` signed by `name` as osslsigncode signs, with `image_md` for the
// Authenticode digest and `signer_md` for the signer info.
std::string sign_with(const Keys& k, const std::string& image, const std::string& name, const char* image_md,
                      const char* signer_md) {
    // The digest does not depend on the signature: hash with a placeholder.
    const std::string placeholder = with_signature(image, std::string(8, '\0'));
    auto pe = pe::PeFile::parse(span_of(placeholder), "placeholder.efi");
    cr_assert(pe.ok(), "%s", pe.ok() ? "" : pe.error().message.c_str());
    const std::string digest = unhex(pe::authenticode_digest_hex(*pe, image_md).value_or(""));
    cr_assert(!digest.empty());
    const std::string idc =
        der(0x30, der(0x30, oid("1.3.6.1.4.1.311.2.1.15") + der(0x30, "")) +
                      der(0x30, der(0x30, oid(OBJ_nid2ln(OBJ_txt2nid(image_md))) + std::string("\x05\x00", 2)) +
                                    der(0x04, digest)));
    BIO* kb = BIO_new_file((k.dir + "/" + name + ".key").c_str(), "r");
    EVP_PKEY* key = PEM_read_bio_PrivateKey(kb, nullptr, nullptr, nullptr);
    BIO_free(kb);
    BIO* cb = BIO_new_file((k.dir + "/" + name + ".pem").c_str(), "r");
    X509* cert = PEM_read_bio_X509(cb, nullptr, nullptr, nullptr);
    BIO_free(cb);
    cr_assert(key && cert);
    PKCS7* p7 = PKCS7_new();
    PKCS7_set_type(p7, NID_pkcs7_signed);
    PKCS7_SIGNER_INFO* si = PKCS7_add_signature(p7, cert, key, EVP_get_digestbyname(signer_md));
    cr_assert(si, "cannot sign with %s", signer_md);
    PKCS7_add_signed_attribute(si, NID_pkcs9_contentType, V_ASN1_OBJECT, OBJ_txt2obj("1.3.6.1.4.1.311.2.1.4", 1));
    PKCS7_add_certificate(p7, cert);
    PKCS7_content_new(p7, NID_pkcs7_data);
    BIO* bio = PKCS7_dataInit(p7, nullptr);
    // The message digest covers the SpcIndirectDataContent without its header.
    const size_t header = static_cast<uint8_t>(idc[1]) < 0x80 ? 2 : 2 + (static_cast<uint8_t>(idc[1]) & 0x7f);
    BIO_write(bio, idc.data() + header, static_cast<int>(idc.size() - header));
    cr_assert_eq(PKCS7_dataFinal(p7, bio), 1);
    BIO_free_all(bio);
    PKCS7* inner = PKCS7_new();
    inner->type = OBJ_txt2obj("1.3.6.1.4.1.311.2.1.4", 1);
    inner->d.other = ASN1_TYPE_new();
    ASN1_STRING* seq = ASN1_STRING_new();
    ASN1_STRING_set(seq, idc.data(), static_cast<int>(idc.size()));
    ASN1_TYPE_set(inner->d.other, V_ASN1_SEQUENCE, seq);
    PKCS7_set_content(p7, inner);
    unsigned char* out = nullptr;
    const int len = i2d_PKCS7(p7, &out);
    cr_assert(len > 0);
    std::string pkcs7(reinterpret_cast<char*>(out), static_cast<size_t>(len));
    OPENSSL_free(out);
    PKCS7_free(p7);
    X509_free(cert);
    EVP_PKEY_free(key);
    return with_signature(image, pkcs7);
}

}  // namespace

// --- dbx: every type for images and certificates ---------------------------

// Image digests in each algorithm the specification lists, stored under
// the GUIDs it prints (UEFI 2.10, 32.4.1).
Test(verify_dbx, image_digests_in_every_algorithm_are_forbidden) {
    Keys k;
    k.key("alpha");
    const std::string image = k.sign("unsigned.efi", "alpha", "a.efi");
    auto pe = pe::PeFile::parse(span_of(image), "a.efi");
    cr_assert(pe.ok());
    const struct {
        const char* guid;
        const char* md;
        const char* name;
    } types[] = {{"826ca512-cf10-4ac9-b187-be01496631bd", "sha1", "SHA-1"},
                 {"0b6e5233-a65c-44c9-9407-d9ab83bfc8bd", "sha224", "SHA-224"},
                 {"c1c41626-504c-4092-aca9-41f936934328", "sha256", "SHA-256"},
                 {"ff3e5307-9fd0-48c9-85f1-8ad56c701e01", "sha384", "SHA-384"},
                 {"093e0fae-a6c4-4f50-9f1b-d41e2b89c19a", "sha512", "SHA-512"},
                 {"57347f87-7a9b-403a-b93c-dc4afb7a0ebc", "sm3", "SM3"}};
    for (const auto& t : types) {
        if (!EVP_get_digestbyname(t.md))
            continue;  // an OpenSSL without SM3
        const std::string digest = pe::authenticode_digest_hex(*pe, t.md).value_or("");
        pe::TrustStore trust = k.pem_store("alpha");
        // Another digest of the same type first: only the file's own counts.
        trust.forbidden = Keys::dbx(esl(t.guid, {std::string(digest.size() / 2, '\x5a'), unhex(digest)}));
        pe::Verdict v = verify(image, trust);
        cr_assert(!v.trusted, "a %s digest in dbx was ignored", t.name);
        kx_assert_str(v.reason, std::string("its ") + t.name + " Authenticode digest " + digest + " is forbidden by dbx");
    }
    pe::TrustStore other = k.pem_store("alpha");
    other.forbidden = Keys::dbx(esl("ff3e5307-9fd0-48c9-85f1-8ad56c701e01", {std::string(48, '\x5a')}));
    pe::Verdict v = verify(image, other);
    cr_assert(v.trusted, "%s", v.reason.c_str());
}

// EFI_CERT_X509_SHA256/384/512 as efitools writes them: the signer's own
// certificate revoked by the hash of its TBSCertificate.
Test(verify_dbx, a_certificate_revoked_by_its_tbs_hash_forbids_its_signatures) {
    if (!have_tool("cert-to-efi-hash-list"))
        cr_skip_test("needs efitools (scripts/install-deps installs it)");
    Keys k;
    k.key("alpha");
    k.key("beta");
    const std::string image = k.sign("unsigned.efi", "alpha", "a.efi");
    for (int bits : {256, 384, 512}) {
        pe::TrustStore trust = k.pem_store("alpha");
        trust.forbidden = Keys::dbx(k.tbs_hash_list("beta", bits) + k.tbs_hash_list("alpha", bits));
        pe::Verdict v = verify(image, trust);
        cr_assert(!v.trusted, "a SHA-%d TBS hash in dbx was ignored", bits);
        cr_assert(contains(v.reason, "certificate CN=alpha is revoked by dbx (the SHA-" + std::to_string(bits) +
                                         " hash of its TBSCertificate; revoked always)"),
                  "%s", v.reason.c_str());
        trust.forbidden = Keys::dbx(k.tbs_hash_list("beta", bits));
        cr_assert(verify(image, trust).trusted, "only alpha's hash forbids alpha");
    }
}

// The certificate authority in db that the signer chains to, revoked by
// its TBS hash: the signature carries only the signer's certificate, so
// the chain must be looked at, as EDK2 does.
Test(verify_dbx, a_revoked_authority_in_the_chain_forbids_what_it_issued) {
    if (!have_tool("cert-to-efi-hash-list"))
        cr_skip_test("needs efitools (scripts/install-deps installs it)");
    Keys k;
    k.key("authority");
    k.issued_key("leaf", "authority");
    const std::string image = k.sign("unsigned.efi", "leaf", "l.efi");
    pe::TrustStore trust = k.pem_store("authority");
    pe::Verdict ok = verify(image, trust);
    cr_assert(ok.trusted, "%s", ok.reason.c_str());
    trust.forbidden = Keys::dbx(k.tbs_hash_list("authority", 256));
    pe::Verdict v = verify(image, trust);
    cr_assert(!v.trusted, "the revoked authority in the chain was ignored");
    cr_assert(contains(v.reason, "certificate CN=authority is revoked by dbx"), "%s", v.reason.c_str());
}

// A second, good signature does not save an image that one forbidden
// signer signed (EDK2: no signature may be reflected in dbx).
Test(verify_dbx, one_revoked_signer_forbids_the_image_whatever_else_signed_it) {
    if (!have_tool("cert-to-efi-hash-list"))
        cr_skip_test("needs efitools (scripts/install-deps installs it)");
    Keys k;
    k.key("alpha");
    k.key("beta");
    k.sign("unsigned.efi", "alpha", "a.efi");
    const std::string both = k.sign("a.efi", "beta", "ab.efi");
    pe::TrustStore trust = k.pem_store("beta");
    cr_assert(verify(both, trust).trusted);
    trust.forbidden = Keys::dbx(k.tbs_hash_list("alpha", 256));
    pe::Verdict v = verify(both, trust);
    cr_assert(!v.trusted, "beta's signature vouched although alpha's is revoked");
    cr_assert(contains(v.reason, "certificate CN=alpha is revoked by dbx"), "%s", v.reason.c_str());
}

// --- the signature policy ----------------------------------------------------

Test(verify_policy, md5_and_sha1_signatures_are_refused) {
    Keys k;
    k.key("alpha");
    const std::string image = read_file(k.dir + "/unsigned.efi");
    pe::TrustStore trust = k.pem_store("alpha");
    pe::Verdict good = verify(sign_with(k, image, "alpha", "sha256", "sha256"), trust);
    cr_assert(good.trusted, "the helper's own signatures verify: %s", good.reason.c_str());
    const struct {
        const char* image_md;
        const char* signer_md;
        const char* why;
    } cases[] = {{"md5", "sha256", "its Authenticode digest is md5: MD5 is refused always"},
                 {"sha256", "md5", "its signer info digests with MD5: MD5 is refused always"},
                 {"sha1", "sha256", "its Authenticode digest is sha1: SHA-1 is refused unless --uki-allow-sha1 is given"},
                 {"sha256", "sha1", "its signer info digests with SHA1: SHA-1 is refused unless --uki-allow-sha1"}};
    for (const auto& c : cases) {
        pe::Verdict v = verify(sign_with(k, image, "alpha", c.image_md, c.signer_md), trust);
        cr_assert(!v.trusted, "a %s/%s signature was accepted", c.image_md, c.signer_md);
        cr_assert(contains(v.reason, c.why), "%s", v.reason.c_str());
    }
}

Test(verify_policy, a_win_certificate_of_another_revision_is_refused) {
    Keys k;
    k.key("alpha");
    std::string image = k.sign("unsigned.efi", "alpha", "a.efi");
    auto pe = pe::PeFile::parse(span_of(image), "a.efi");
    const uint64_t at = pe->certificate_table_offset();
    for (uint16_t revision : {0x0100, 0x0201, 0x0000}) {
        poke16(image, at + 4, revision);
        pe::Verdict v = verify(image, k.pem_store("alpha"));
        cr_assert(!v.trusted, "revision %#x was accepted", revision);
        kx_assert_str(v.reason, "signature at offset " + std::to_string(at) + ": WIN_CERTIFICATE revision " +
                                    hex(revision) + " is not 2.0 (0x200)");
    }
}

// --uki-info lists the policy's reason for each signature whatever the
// trust source, and judges as a load does; --uki-allow-sha1 reaches both.
Test(verify_policy, uki_info_and_a_load_apply_the_same_policy_and_allow_sha1) {
    Keys k;
    k.key("alpha");
    UkiSpec spec;
    spec.linux_image = make_efi_bzimage();
    spec.cmdline = "console=ttyS0";
    const std::string uki = build_uki(UkiStyle::Ukify254, spec);
    const std::string md5 = write_file(k.dir + "/md5.efi", sign_with(k, uki, "alpha", "md5", "sha256"));
    const std::string sha1 = write_file(k.dir + "/sha1.efi", sign_with(k, uki, "alpha", "sha1", "sha1"));
    const std::string pem = "--uki-verify=" + k.dir + "/alpha.pem";

    RunResult info = run_kexec({"--uki-info", md5}, nullptr);
    cr_assert_eq(info.rc, 0, "%s", info.err.c_str());
    cr_assert(contains(info.out, "  refused whatever the trust source: its Authenticode digest is md5: MD5 is refused "
                                 "always\n"),
              "%s", info.out.c_str());
    RunResult json = run_kexec({"--uki-info", "--json", md5}, nullptr);
    cr_assert(contains(json.out, "\"refused\": \"its Authenticode digest is md5: MD5 is refused always\""), "%s",
              json.out.c_str());

    for (const bool allow : {false, true}) {
        std::vector<std::string> args = {"--uki-info", pem, sha1};
        if (allow)
            args.insert(args.begin(), "--uki-allow-sha1");
        RunResult r = run_kexec(args, nullptr);
        cr_assert_eq(r.rc, 0, "%s", r.err.c_str());
        cr_assert(contains(r.out, allow ? "  verdict: valid, signed by CN=alpha"
                                        : "SHA-1 is refused unless --uki-allow-sha1 is given"),
                  "%s", r.out.c_str());
        std::vector<std::string> load = {"-s", "-l", "--dry-run", pem, sha1};
        if (allow)
            load.insert(load.begin(), "--uki-allow-sha1");
        RunResult l = run_kexec(load, nullptr);
        if (allow) {
            cr_assert_eq(l.rc, 0, "%s", l.err.c_str());
        } else {
            cr_assert_neq(l.rc, 0);
            cr_assert(contains(l.err, sha1 + ": not trusted by " + k.dir + "/alpha.pem: signature at offset "),
                      "%s", l.err.c_str());
            cr_assert(contains(l.err, "SHA-1 is refused unless --uki-allow-sha1 is given"), "%s", l.err.c_str());
        }
    }
}

// A certificate the signature carries that is itself signed with MD5 (or
// SHA-1 without --uki-allow-sha1) can be forged like a digest: refused,
// however well the signer info itself is made (found by an outside review).
Test(verify_policy, certificates_signed_with_md5_or_sha1_are_refused) {
    Keys k;
    k.key("authority");
    for (const std::string md : {"md5", "sha1"}) {
        const std::string leaf = "leaf" + md;
        cr_assert_eq(run_shell("cd '" + k.dir + "' && openssl req -new -newkey rsa:2048 -nodes -subj /CN=" + leaf +
                               " -keyout " + leaf + ".key -out " + leaf + ".csr 2>/dev/null && openssl x509 -req -" +
                               md + " -in " + leaf + ".csr -CA authority.pem -CAkey authority.key -CAcreateserial "
                               "-days 30 -out " + leaf + ".pem 2>/dev/null"),
                     0);
        const std::string image = k.sign("unsigned.efi", leaf, leaf + ".efi");
        pe::TrustStore trust = k.pem_store("authority");
        pe::Verdict v = verify(image, trust);
        cr_assert(!v.trusted, "a %s-signed certificate vouched for the image", md.c_str());
        const std::string name = md == "md5" ? "RSA-MD5" : "RSA-SHA1";
        cr_assert(contains(v.reason, "certificate CN=" + leaf + " is signed with " + name + ": "), "%s",
                  v.reason.c_str());
        if (md == "sha1") {
            trust.policy.allow_sha1 = true;
            pe::Verdict allowed = verify(image, trust);
            cr_assert(allowed.trusted, "--uki-allow-sha1 allows SHA-1 certificates too: %s", allowed.reason.c_str());
        }
    }
}
