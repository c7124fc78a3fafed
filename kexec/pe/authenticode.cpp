#include "pe/authenticode.hpp"

#include <algorithm>
#include <memory>
#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/pkcs7.h>
#include <openssl/x509.h>

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
bool signed_digest(PKCS7* p7, std::string& algorithm, std::string& digest_hex) {
    if (!PKCS7_type_is_signed(p7) || !p7->d.sign || !p7->d.sign->contents)
        return false;
    PKCS7* content = p7->d.sign->contents;
    if (OBJ_obj2nid(content->type) != NID_undef &&
        OBJ_obj2nid(content->type) == NID_pkcs7_data)
        return false;
    ASN1_TYPE* other = content->d.other;
    if (!other || other->type != V_ASN1_SEQUENCE)
        return false;
    SeqPtr outer = parse_sequence(other->value.sequence->data, other->value.sequence->length);
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

}  // namespace kx::pe
