// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: UEFI signature databases (db, dbx, MokList) as efivarfs
// shows them, and each X.509 entry handed to OpenSSL as the verifier will.
#include <openssl/x509.h>

#include "fuzz_common.hpp"
#include "pe/signature_list.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto db = kx::pe::parse_efi_variable_signature_lists({data, size}, "db");
    if (!db.ok())
        return 0;
    // Every entry came from the input, and none is empty.
    size_t held = 0;
    for (const auto& d : db->image_digests) {
        KXF_CHECK(d.digest.size() == kx::pe::digest_size(d.algorithm));
        held += d.digest.size();
    }
    for (const auto& h : db->certificate_hashes) {
        KXF_CHECK(h.tbs_digest.size() == kx::pe::digest_size(h.algorithm));
        held += h.tbs_digest.size() + h.revocation_time.size();
    }
    for (const auto& cert : db->x509_certificates) {
        KXF_CHECK(!cert.empty());
        held += cert.size();
        const unsigned char* p = cert.data();
        X509_free(d2i_X509(nullptr, &p, static_cast<long>(cert.size())));
    }
    KXF_CHECK(held <= size);
    return 0;
}
