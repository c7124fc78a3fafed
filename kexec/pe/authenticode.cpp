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

#include "strings.hpp"

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
    // Whatever follows, up to the certificate table.
    const uint64_t end = b.size() - pe.certificate_table_size();
    if (end > hashed)
        hash(hashed, end);
    unsigned char out[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(ctx.get(), out, &len);
    return hex_bytes(out, len);
}

std::vector<Signature> read_signatures(const PeFile& pe) {
    std::vector<Signature> sigs;
    for (const Certificate& c : pe.certificates()) {
        Signature sig;
        sig.offset = c.offset;
        sig.type = c.type;
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

bool forbidden_certificate(X509* cert, const SignatureDatabase& dbx) {
    const std::string der = der_of(cert);
    return std::any_of(dbx.x509_certificates.begin(), dbx.x509_certificates.end(), [&](const auto& f) {
        return der.size() == f.size() && std::equal(f.begin(), f.end(), der.begin(),
                                                     [](uint8_t a, char b) { return a == static_cast<uint8_t>(b); });
    });
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
    if (c.type != kWinCertTypePkcsSignedData)
        return at + ": unsupported certificate type " + hex(c.type);
    const unsigned char* p = c.data.data();
    Pkcs7Ptr p7(d2i_PKCS7(nullptr, &p, static_cast<long>(c.data.size())));
    std::string algorithm, signed_hex;
    if (!p7 || !signed_digest(p7.get(), algorithm, signed_hex))
        return at + ": not an Authenticode PKCS#7 signature";
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
    signer_subject = name_string(X509_get_subject_name(signer));
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
        return by + (chain ? " (issued by " + name_string(X509_get_issuer_name(signer)) +
                                 "): its certificate does not chain to one in " + trust.source
                           : ": its PKCS#7 signature does not verify");
    }
    if ((X509_get_extension_flags(signer) & EXFLAG_XKUSAGE) && !(X509_get_extended_key_usage(signer) & XKU_CODE_SIGN))
        return by + ": its certificate's extended key usage does not allow code signing";
    STACK_OF(X509)* bag = p7->d.sign->cert;
    for (int i = -1; i < (bag ? sk_X509_num(bag) : 0); i++)
        if (X509* cert = i < 0 ? signer : sk_X509_value(bag, i); forbidden_certificate(cert, trust.forbidden))
            return by + ": certificate " + name_string(X509_get_subject_name(cert)) + " is forbidden by dbx";
    return {};
}

}  // namespace

Verdict verify_authenticode(const PeFile& pe, const TrustStore& trust) {
    const std::optional<std::string> digest = authenticode_digest_hex(pe, "sha256");
    if (!digest)
        return {false, "it has no certificate table entry, so no Authenticode digest"};
    for (const auto& d : trust.forbidden.sha256_digests)
        if (hex_bytes(d.data(), d.size()) == *digest)
            return {false, "its SHA-256 Authenticode digest " + *digest + " is forbidden by dbx"};
    if (pe.certificates().empty())
        return {false, "it is not signed"};
    StorePtr store = make_store(trust);
    if (!store)
        return {false, "out of memory for a certificate store"};
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
