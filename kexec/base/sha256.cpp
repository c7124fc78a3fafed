// SPDX-License-Identifier: GPL-2.0-or-later
#include "base/sha256.hpp"

#include <cstdlib>
#include <openssl/evp.h>

#include "base/strings.hpp"

namespace kx {

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
    if (!ctx_ || EVP_DigestInit_ex(static_cast<EVP_MD_CTX*>(ctx_), EVP_sha256(), nullptr) != 1)
        std::abort();  // only fails on allocation failure
}

Sha256::~Sha256() { EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(ctx_)); }

void Sha256::update(std::span<const uint8_t> data) {
    if (!data.empty())
        EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(ctx_), data.data(), data.size());
}

void Sha256::update_zeros(uint64_t count) {
    static const uint8_t zeros[4096] = {};
    while (count > 0) {
        uint64_t n = count < sizeof zeros ? count : sizeof zeros;
        update({zeros, static_cast<size_t>(n)});
        count -= n;
    }
}

Sha256Digest Sha256::finish() {
    Sha256Digest out{};
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(ctx_), out.data(), &len);
    return out;
}

Sha256Digest sha256(std::span<const uint8_t> data) {
    Sha256 h;
    h.update(data);
    return h.finish();
}

std::string to_hex(const Sha256Digest& digest) { return hex_bytes(digest.data(), digest.size()); }

}  // namespace kx
