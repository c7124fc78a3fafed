// SPDX-License-Identifier: GPL-2.0-or-later
// SHA-256 through OpenSSL's EVP interface (uses SHA-NI where the CPU has it).
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>

namespace kx {

using Sha256Digest = std::array<uint8_t, 32>;

class Sha256 {
public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void update(std::span<const uint8_t> data);
    void update_zeros(uint64_t count);
    Sha256Digest finish();

private:
    void* ctx_;
};

Sha256Digest sha256(std::span<const uint8_t> data);
std::string to_hex(const Sha256Digest& digest);

}  // namespace kx
