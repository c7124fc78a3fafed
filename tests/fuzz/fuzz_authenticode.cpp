// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: Authenticode. A PE's certificate table read as PKCS#7
// SignedData (OpenSSL), its signers and signed digest, and the file's own
// Authenticode digest, and verification against an empty trust store.
// Seeded with signed kernels and UKIs.
#include "fuzz_common.hpp"
#include "pe/authenticode.hpp"
#include "pe/pe_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    auto pe = kx::pe::PeFile::parse({data, size}, "fuzz.efi");
    if (!pe.ok())
        return 0;
    // A digest is only ever compared once its algorithm is known.
    for (const kx::pe::Signature& s : kx::pe::read_signatures(*pe))
        KXF_CHECK(!s.digest_matches || !s.digest_algorithm.empty());
    (void)kx::pe::authenticode_digest_hex(*pe, "sha256");
    (void)kx::pe::authenticode_digest_hex(*pe, "sha1");
    // Verification walks each signature further (the SpcIndirectDataContent,
    // PKCS7_verify, the certificate bag against dbx). Nothing is trusted.
    kx::pe::TrustStore trust;
    trust.source = "nothing";
    trust.forbidden.x509_certificates.push_back({0x30, 0x03, 0x02, 0x01, 0x01});
    KXF_CHECK(!kx::pe::verify_authenticode(*pe, trust).trusted);
    return 0;
}
