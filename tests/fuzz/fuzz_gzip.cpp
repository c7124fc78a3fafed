// SPDX-License-Identifier: GPL-2.0-or-later
// libFuzzer target: gzip-compressed kernels. Decompression with its caps
// (the 64 KiB sniff, the size limit), then probing what came out.
#include "fuzz_common.hpp"
#include "plan/kernel_file.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    constexpr uint64_t kLimit = 16 << 20;
    auto raw = kx::gunzip({data, size}, "fuzz.gz", kLimit);
    if (!raw.ok())
        return 0;
    KXF_CHECK(raw->size() <= kLimit);
    (void)kx::probe_image({reinterpret_cast<const uint8_t*>(raw->data()), raw->size()}, "fuzz.gz");
    return 0;
}
