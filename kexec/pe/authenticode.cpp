// SPDX-License-Identifier: GPL-2.0-or-later
#include "pe/authenticode.hpp"

#include <algorithm>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pem.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "base/strings.hpp"

namespace kx::pe {
namespace {

template <class T, void (*F)(T*)>
struct Deleter {
    void operator()(T* p) const { F(p); }
};
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7, PKCS7_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, BIO_free_all>>;
using MdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX, EVP_MD_CTX_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE, X509_STORE_free>>;
using ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT, ASN1_OBJECT_free>>;

void free_asn1_seq(STACK_OF(ASN1_TYPE)* s) { sk_ASN1_TYPE_pop_free(s, ASN1_TYPE_free); }
using SeqPtr = std::unique_ptr<STACK_OF(ASN1_TYPE), Deleter<STACK_OF(ASN1_TYPE), free_asn1_seq>>;

std::string name_string(const X509_NAME* name) {
    BioPtr bio(BIO_new(BIO_s_mem()));
    if (!bio || X509_NAME_print_ex(bio.get(), name, 0, XN_FLAG_RFC2253) < 0)
        return "?";
    char* data = nullptr;
    long len = BIO_get_mem_data(bio.get(), &data);
    return std::string(data, static_cast<size_t>(len));
}

SeqPtr parse_sequence(const unsigned char* der, long len) {
    return SeqPtr(d2i_ASN1_SEQUENCE_ANY(nullptr, &der, len));
}

// SpcIndirectDataContent ::= SEQUENCE { data SpcAttributeTypeAndOptionalValue,
//                                       messageDigest DigestInfo }
// DigestInfo ::= SEQUENCE { digestAlgorithm AlgorithmIdentifier, digest OCTET STRING }
// The SpcIndirectDataContent, only when the content type says it is one:
// OpenSSL keeps other content in d.other, but a known type (a nested
// signedData, say) sits in another member of that union, which must never
// be read as an ASN1_TYPE.
const ASN1_STRING* indirect_data_content(PKCS7* p7) {
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents)
        return nullptr;
    const PKCS7* content = p7->d.sign->contents;
    static const ObjectPtr spc_indirect_data(OBJ_txt2obj("1.3.6.1.4.1.311.2.1.4", 1));
    if (!content->type || !spc_indirect_data || OBJ_cmp(content->type, spc_indirect_data.get()) != 0)
        return nullptr;
    const ASN1_TYPE* other = content->d.other;
    if (!other || other->type != V_ASN1_SEQUENCE || !other->value.sequence)
        return nullptr;
    return other->value.sequence;
}

bool signed_digest(PKCS7* p7, std::string& algorithm, std::string& digest_hex) {
    const ASN1_STRING* idc = indirect_data_content(p7);
    if (!idc)
        return false;
    SeqPtr outer = parse_sequence(idc->data, idc->length);
    if (!outer || sk_ASN1_TYPE_num(outer.get()) < 2)
        return false;
    ASN1_TYPE* digest_info = sk_ASN1_TYPE_value(outer.get(), 1);
    if (digest_info->type != V_ASN1_SEQUENCE)
        return false;
    SeqPtr di = parse_sequence(digest_info->value.sequence->data, digest_info->value.sequence->length);
    if (!di || sk_ASN1_TYPE_num(di.get()) < 2)
        return false;
    ASN1_TYPE* alg = sk_ASN1_TYPE_value(di.get(), 0);
    ASN1_TYPE* dig = sk_ASN1_TYPE_value(di.get(), 1);
    if (alg->type != V_ASN1_SEQUENCE || dig->type != V_ASN1_OCTET_STRING)
        return false;
    SeqPtr alg_seq = parse_sequence(alg->value.sequence->data, alg->value.sequence->length);
    if (!alg_seq || sk_ASN1_TYPE_num(alg_seq.get()) < 1 ||
        sk_ASN1_TYPE_value(alg_seq.get(), 0)->type != V_ASN1_OBJECT)
        return false;
    int nid = OBJ_obj2nid(sk_ASN1_TYPE_value(alg_seq.get(), 0)->value.object);
    const char* sn = OBJ_nid2sn(nid);
    if (!sn)
        return false;
    algorithm = sn;
    std::transform(algorithm.begin(), algorithm.end(), algorithm.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    digest_hex = hex_bytes(dig->value.octet_string->data,
                           static_cast<size_t>(dig->value.octet_string->length));
    return true;
}

void free_x509_stack(STACK_OF(X509)* s) { sk_X509_free(s); }
void free_x509_chain(STACK_OF(X509)* s) { sk_X509_pop_free(s, X509_free); }
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_stack>>;  // borrowed certificates
using X509ChainPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), free_x509_chain>>;  // owned ones
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

// Why a digest algorithm (an OpenSSL NID) may not vouch for an image; empty
// when it may. MD5 never (collisions are cheap); SHA-1 only when asked
// for (chosen-prefix collisions are practical); otherwise what EDK2's
// HashPeImage can hash: SHA-256, SHA-384, SHA-512.
std::string refused_digest(int nid, const SignaturePolicy& policy) {
    switch (nid) {
    case NID_sha256:
    case NID_sha384:
    case NID_sha512: return {};
    case NID_md5: return "MD5 is refused always";
    case NID_sha1: return policy.allow_sha1 ? std::string() : "SHA-1 is refused unless --uki-allow-sha1 is given";
    default: return "only SHA-256, SHA-384 and SHA-512 are accepted";
    }
}

std::string nid_name(int nid) {
    const char* sn = nid != NID_undef ? OBJ_nid2sn(nid) : nullptr;
    return sn ? sn : "an unknown algorithm";
}

// The policy's verdict on one signature: its WIN_CERTIFICATE revision
// (Linux's verify_pefile and sbverify refuse all but 2.0), the algorithm
// of the Authenticode digest, and each SignerInfo's digest and signature
// algorithms. `p7` may be null (not readable): only the revision is judged.
std::string signature_policy_problem(const Certificate& c, PKCS7* p7, const std::string& algorithm,
                                     const SignaturePolicy& policy) {
    if (c.revision != kWinCertRevision2)
        return "WIN_CERTIFICATE revision " + hex(c.revision) + " is not 2.0 (0x200)";
    if (!p7)
        return {};
    if (!algorithm.empty()) {
        const int nid = OBJ_txt2nid(algorithm.c_str());
        if (std::string why = refused_digest(nid, policy); !why.empty())
            return "its Authenticode digest is " + algorithm + ": " + why;
    }
    STACK_OF(PKCS7_SIGNER_INFO)* infos = PKCS7_get_signer_info(p7);
    for (int i = 0; infos && i < sk_PKCS7_SIGNER_INFO_num(infos); i++) {
        PKCS7_SIGNER_INFO* si = sk_PKCS7_SIGNER_INFO_value(infos, i);
        const ASN1_OBJECT* obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, si->digest_alg);
        const int md = obj ? OBJ_obj2nid(obj) : NID_undef;
        if (std::string why = refused_digest(md, policy); !why.empty())
            return "its signer info digests with " + nid_name(md) + ": " + why;
        obj = nullptr;
        X509_ALGOR_get0(&obj, nullptr, nullptr, si->digest_enc_alg);
        int sig_md = NID_undef, pk = NID_undef;
        if (obj && OBJ_find_sigid_algs(OBJ_obj2nid(obj), &sig_md, &pk) && sig_md != NID_undef)
            if (std::string why = refused_digest(sig_md, policy); !why.empty())
                return "its signer info is signed with " + nid_name(OBJ_obj2nid(obj)) + ": " + why;
    }
    // The certificates it carries (the signer's and those its chain is built
    // from): a certificate signed with MD5 (or SHA-1) can be forged as
    // easily as a digest. A self-signed one is an anchor, which vouches by
    // being trusted, not by its own signature.
    STACK_OF(X509)* bag = PKCS7_type_is_signed(p7) && p7->d.sign ? p7->d.sign->cert : nullptr;
    for (int i = 0; bag && i < sk_X509_num(bag); i++) {
        X509* cert = sk_X509_value(bag, i);
        int sig_md = NID_undef, pk = NID_undef;
        if (X509_check_issued(cert, cert) == X509_V_OK ||
            !OBJ_find_sigid_algs(X509_get_signature_nid(cert), &sig_md, &pk) || sig_md == NID_undef)
            continue;  // an anchor, or a scheme naming its digest elsewhere (RSASSA-PSS)
        if (std::string why = refused_digest(sig_md, policy); !why.empty())
            return "certificate " + field(name_string(X509_get_subject_name(cert))) + " is signed with " +
                   nid_name(X509_get_signature_nid(cert)) + ": " + why;
    }
    return {};
}

}  // namespace

std::optional<std::string> authenticode_digest_hex(const PeFile& pe, const std::string& md_name) {
    const EVP_MD* md = EVP_get_digestbyname(md_name.c_str());
    if (!md || !pe.certificate_dir_entry_offset())
        return std::nullopt;
    MdCtxPtr ctx(EVP_MD_CTX_new());
    if (!ctx || EVP_DigestInit_ex(ctx.get(), md, nullptr) != 1)
        return std::nullopt;
    const auto b = pe.bytes();
    auto hash = [&](uint64_t from, uint64_t to) {
        if (to > from)
            EVP_DigestUpdate(ctx.get(), b.data() + from, to - from);
    };
    // Headers, minus the CheckSum field and the certificate directory entry.
    const uint64_t checksum = pe.checksum_field_offset();
    const uint64_t cert_dir = *pe.certificate_dir_entry_offset();
    hash(0, checksum);
    hash(checksum + 4, cert_dir);
    hash(cert_dir + 8, pe.size_of_headers());
    // Sections in file order.
    std::vector<const Section*> order;
    for (const Section& s : pe.sections())
        if (s.size_of_raw_data != 0)
            order.push_back(&s);
    std::sort(order.begin(), order.end(), [](const Section* x, const Section* y) {
        return x->pointer_to_raw_data < y->pointer_to_raw_data;
    });
    uint64_t hashed = pe.size_of_headers();
    for (const Section* s : order) {
        hash(s->pointer_to_raw_data, uint64_t{s->pointer_to_raw_data} + s->size_of_raw_data);
        hashed += s->size_of_raw_data;
    }
    // Whatever follows, up to the certificate table (PeFile::parse() put
    // it at the end of the file, so this is Linux's and EDK2's "file size
    // minus the table's size").
    const uint64_t end = pe.certificate_table_size() != 0 ? pe.certificate_table_offset() : b.size();
    if (end > hashed)
        hash(hashed, end);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    return hex_bytes(out, len);
}

std::vector<Signature> read_signatures(const PeFile& pe, const SignaturePolicy& policy) {
    std::vector<Signature> sigs;
    for (const Certificate& c : pe.certificates()) {
        Signature sig;
        sig.offset = c.offset;
        sig.type = c.type;
        sig.refused = signature_policy_problem(c, nullptr, "", policy);
        if (c.type != kWinCertTypePkcsSignedData) {
            sig.error = "unsupported certificate type " + hex(c.type);
            sigs.push_back(std::move(sig));
            continue;
        }
        const unsigned char* p = c.data.data();
        Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(c.data.size())));
        if (!p7 || !PKCS7_type_is_signed(p7.get())) {
            sig.error = "malformed PKCS#7 signature";
            sigs.push_back(std::move(sig));
            continue;
        }
        STACK_OF(X509)* signers = PKCS7_get0_signers(p7.get(), nullptr, 0);
        for (int i = 0; signers && i < sk_X509_num(signers); i++) {
            X509* cert = sk_X509_value(signers, i);
            Signer s;
            s.subject = name_string(X509_get_subject_name(cert));
            s.issuer = name_string(X509_get_issuer_name(cert));
            if (const ASN1_INTEGER* serial = X509_get0_serialNumber(cert))
                s.serial = hex_bytes(serial->data, static_cast<size_t>(serial->length));
            sig.signers.push_back(std::move(s));
        }
        sk_X509_free(signers);
        if (sig.signers.empty())
            sig.error = "no signer certificate inside the signature";
        std::string signed_hex;
        if (signed_digest(p7.get(), sig.digest_algorithm, signed_hex)) {
            auto actual = authenticode_digest_hex(pe, sig.digest_algorithm);
            if (actual)
                sig.digest_matches = *actual == signed_hex;
        }
        if (sig.refused.empty())
            sig.refused = signature_policy_problem(c, p7.get(), sig.digest_algorithm, policy);
        sigs.push_back(std::move(sig));
    }
    return sigs;
}

Result<TrustStore> trust_store_from_pem(std::span<const uint8_t> pem, const std::string& path) {
    if (pem.size() > static_cast<size_t>(INT32_MAX))
        return make_error(path + ": too large for a certificate bundle");
    BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
    TrustStore trust;
    trust.source = path;
    ERR_clear_error();
    while (X509Ptr cert{PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)}) {
        unsigned char* der = nullptr;
        const int len = i2d_X509(cert.get(), &der);
        if (len <= 0)
            return make_error(path + ": certificate " + std::to_string(trust.trusted_certificates.size() + 1) +
                              " cannot be encoded");
        trust.trusted_certificates.emplace_back(der, der + len);
        OPENSSL_free(der);
    }
    // Reading ends with "no start line" at the end of the text; any other
    // error is a certificate that is there but broken.
    const unsigned long err = ERR_peek_last_error();
    ERR_clear_error();
    if (err && !(ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE))
        return make_error(path + ": certificate " + std::to_string(trust.trusted_certificates.size() + 1) +
                          " is malformed");
    if (trust.trusted_certificates.empty())
        return make_error(path + ": no PEM certificate in it");
    return trust;
}

namespace {

std::string der_of(X509* cert) {
    unsigned char* der = nullptr;
    const int len = i2d_X509(cert, &der);
    std::string out = len > 0 ? std::string(reinterpret_cast<char*>(der), static_cast<size_t>(len)) : std::string();
    OPENSSL_free(der);
    return out;
}

// The DER of a certificate's TBSCertificate, as it is in the certificate
// (the first element of its outer SEQUENCE), which EFI_CERT_X509_SHA*
// entries hash; empty when the encoding is not a certificate's.
std::string tbs_of(const std::string& der) {
    const auto* begin = reinterpret_cast<const unsigned char*>(der.data());
    const unsigned char* end = begin + der.size();
    const unsigned char* p = begin;
    long len = 0;
    int tag = 0, cls = 0;
    if (ASN1_get_object(&p, &len, &tag, &cls, end - p) & 0x80)
        return {};
    const unsigned char* tbs = p;
    if (ASN1_get_object(&p, &len, &tag, &cls, end - p) & 0x80 || len > end - p)
        return {};
    return std::string(reinterpret_cast<const char*>(tbs), static_cast<size_t>(p + len - tbs));
}

std::optional<std::string> digest_bytes(DigestAlgorithm a, const std::string& data) {
    const EVP_MD* md = EVP_get_digestbyname(openssl_name(a));
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!md || EVP_Digest(data.data(), data.size(), out, &len, md, nullptr) != 1)
        return std::nullopt;
    return std::string(reinterpret_cast<char*>(out), len);
}

// Why dbx forbids `cert`, or empty.
std::string forbidden_certificate(X509* cert, const SignatureDatabase& dbx) {
    const std::string der = der_of(cert);
    const std::string subject = "certificate " + name_string(X509_get_subject_name(cert));
    for (const auto& f : dbx.x509_certificates)
        if (der.size() == f.size() && std::equal(f.begin(), f.end(), der.begin(),
                                                 [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }))
            return subject + " is forbidden by dbx";
    if (dbx.certificate_hashes.empty())
        return {};
    const std::string tbs = tbs_of(der);
    if (tbs.empty())
        return subject + " has no TBSCertificate to compare with dbx";
    for (const auto& h : dbx.certificate_hashes) {
        const std::optional<std::string> d = digest_bytes(h.algorithm, tbs);
        if (!d)  // fail closed: dbx may name it, and we cannot tell
            return std::string("dbx revokes certificates by ") + display_name(h.algorithm) +
                   " hash, which this OpenSSL cannot compute";
        if (d->size() == h.tbs_digest.size() && std::equal(h.tbs_digest.begin(), h.tbs_digest.end(), d->begin(),
                                                           [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); }))
            return subject + " is revoked by dbx (the " + display_name(h.algorithm) +
                   " hash of its TBSCertificate; revoked " +
                   (h.revoked_always() ? std::string("always") : "from " + h.revocation_time_text() +
                                                                      ", and no time-stamp is checked") + ")";
    }
    return {};
}

StorePtr make_store(const TrustStore& trust) {
    StorePtr store(X509_STORE_new());
    if (!store)
        return store;
    for (const auto& der : trust.trusted_certificates) {
        const unsigned char* p = der.data();
        X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
        if (cert)  // a db may hold certificates OpenSSL cannot read; they trust nothing
            X509_STORE_add_cert(store.get(), cert.get());
    }
    // Firmware has no trusted clock, and db entries need not be roots.
    X509_VERIFY_PARAM_set_flags(X509_STORE_get0_param(store.get()),
                                X509_V_FLAG_NO_CHECK_TIME | X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_set_purpose(store.get(), X509_PURPOSE_ANY);
    return store;
}

// One signature's verdict: empty when it vouches for the file, else why not.
std::string check_signature(const PeFile& pe, const Certificate& c, const TrustStore& trust, X509_STORE* store,
                            const std::string& sha256_hex, std::string& signer_subject) {
    const std::string at = "signature at offset " + std::to_string(c.offset);
    if (std::string why = signature_policy_problem(c, nullptr, "", trust.policy); !why.empty())
        return at + ": " + why;
    if (c.type != kWinCertTypePkcsSignedData)
        return at + ": unsupported certificate type " + hex(c.type);
    const unsigned char* p = c.data.data();
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(c.data.size())));
    std::string algorithm, signed_hex;
    if (!p7 || !signed_digest(p7.get(), algorithm, signed_hex))
        return at + ": not an Authenticode PKCS#7 signature";
    if (std::string why = signature_policy_problem(c, p7.get(), algorithm, trust.policy); !why.empty())
        return at + ": " + why;
    // The file was hashed with SHA-256 once already; other algorithms on demand.
    const std::optional<std::string> digest =
        algorithm == "sha256" ? std::optional(sha256_hex) : authenticode_digest_hex(pe, algorithm);
    if (digest != signed_hex)
        return at + ": the " + algorithm + " digest it signs is not this file's";
    STACK_OF(X509)* signers = PKCS7_get0_signers(p7.get(), nullptr, 0);
    X509* signer = signers && sk_X509_num(signers) == 1 ? sk_X509_value(signers, 0) : nullptr;
    sk_X509_free(signers);
    if (!signer)
        return at + ": not exactly one signer certificate inside it";
    signer_subject = field(name_string(X509_get_subject_name(signer)));  // a certificate's text: cut
    const std::string by = at + " by " + signer_subject;
    // PKCS#7's messageDigest covers the SpcIndirectDataContent's value,
    // without its own SEQUENCE header.
    const ASN1_STRING* idc = indirect_data_content(p7.get());
    const unsigned char* q = idc->data;
    long inner = 0;
    int tag = 0, cls = 0;
    if (ASN1_get_object(&q, &inner, &tag, &cls, idc->length) & 0x80 || inner > idc->data + idc->length - q)
        return at + ": malformed SpcIndirectDataContent";
    BioPtr content(BIO_new_mem_buf(q, static_cast<int>(inner)));
    ERR_clear_error();
    if (PKCS7_verify(p7.get(), nullptr, store, content.get(), nullptr, PKCS7_BINARY) != 1) {
        const unsigned long err = ERR_peek_last_error();
        ERR_clear_error();
        const bool chain = ERR_GET_REASON(err) == PKCS7_R_CERTIFICATE_VERIFY_ERROR;
        return by + (chain ? " (issued by " + field(name_string(X509_get_issuer_name(signer))) +
                                 "): its certificate does not chain to one in " + trust.source
                           : ": its PKCS#7 signature does not verify");
    }
    if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(signer) & XKU_CODE_SIGN))
        return by + ": its certificate's extended key usage does not allow code signing";
    return {};
}

// Why dbx forbids this signature's certificates (EDK2 IsForbiddenByDbx,
// and IsAllowedByDb's check of the db certificate it chained to); empty
// when it does not, or when the entry holds no readable signature.
std::string forbidden_by_dbx(const Certificate& c, const TrustStore& trust, X509_STORE* store) {
    const SignatureDatabase& dbx = trust.forbidden;
    if (c.type != kWinCertTypePkcsSignedData || (dbx.x509_certificates.empty() && dbx.certificate_hashes.empty()))
        return {};
    const unsigned char* p = c.data.data();
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(c.data.size())));
    if (!p7 || !PKCS7_type_is_signed(p7.get()) || !p7->d.sign)
        return {};
    const std::string at = "signature at offset " + std::to_string(c.offset);
    STACK_OF(X509)* bag = p7->d.sign->cert;
    X509StackPtr signers(PKCS7_get0_signers(p7.get(), nullptr, 0));
    ERR_clear_error();
    std::vector<X509*> certs;
    for (int i = 0; signers && i < sk_X509_num(signers.get()); i++)
        certs.push_back(sk_X509_value(signers.get(), i));
    for (int i = 0; bag && i < sk_X509_num(bag); i++)
        certs.push_back(sk_X509_value(bag, i));
    // The chain each signer builds to the trust store, its anchor included.
    std::vector<X509ChainPtr> chains;
    for (int i = 0; signers && i < sk_X509_num(signers.get()); i++) {
        StoreCtxPtr ctx(X509_STORE_CTX_new());
        if (!ctx || X509_STORE_CTX_init(ctx.get(), store, sk_X509_value(signers.get(), i), bag) != 1)
            continue;
        if (X509_verify_cert(ctx.get()) == 1)
            if (STACK_OF(X509)* chain = X509_STORE_CTX_get1_chain(ctx.get())) {
                chains.emplace_back(chain);
                for (int j = 0; j < sk_X509_num(chain); j++)
                    certs.push_back(sk_X509_value(chain, j));
            }
    }
    ERR_clear_error();
    for (X509* cert : certs)
        if (std::string why = forbidden_certificate(cert, dbx); !why.empty())
            return at + ": " + why;
    return {};
}

}  // namespace

Verdict verify_authenticode(const PeFile& pe, const TrustStore& trust) {
    const std::optional<std::string> digest = authenticode_digest_hex(pe, "sha256");
    if (!digest)
        return {false, "it has no certificate table entry, so no Authenticode digest"};
    // dbx's image digests, in each algorithm it holds them in.
    std::vector<std::pair<DigestAlgorithm, std::string>> digests{{DigestAlgorithm::Sha256, *digest}};
    for (const ImageDigest& d : trust.forbidden.image_digests) {
        auto known = std::find_if(digests.begin(), digests.end(), [&](const auto& x) { return x.first == d.algorithm; });
        if (known == digests.end()) {
            const std::optional<std::string> computed = authenticode_digest_hex(pe, openssl_name(d.algorithm));
            if (!computed)  // fail closed: dbx may name this file, and we cannot tell
                return {false, std::string("dbx holds ") + display_name(d.algorithm) +
                                   " image digests, which this OpenSSL cannot compute"};
            known = digests.insert(digests.end(), {d.algorithm, *computed});
        }
        if (hex_bytes(d.digest.data(), d.digest.size()) == known->second)
            return {false, std::string("its ") + display_name(d.algorithm) + " Authenticode digest " + known->second +
                               " is forbidden by dbx"};
    }
    if (pe.certificates().empty())
        return {false, "it is not signed"};
    StorePtr store = make_store(trust);
    if (!store)
        return {false, "out of memory for a certificate store"};
    // Any signature by a forbidden certificate forbids the image, even
    // when another signature would vouch for it (EDK2).
    for (const Certificate& c : pe.certificates())
        if (std::string why = forbidden_by_dbx(c, trust, store.get()); !why.empty())
            return {false, why};
    std::string why;
    for (const Certificate& c : pe.certificates()) {
        std::string subject;
        std::string problem = check_signature(pe, c, trust, store.get(), *digest, subject);
        if (problem.empty())
            return {true, "signed by " + subject + ", trusted by " + trust.source};
        why += (why.empty() ? "" : "; ") + problem;
    }
    return {false, why};
}

}  // namespace kx::pe
