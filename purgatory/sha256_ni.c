// SPDX-License-Identifier: GPL-2.0-or-later
/* SHA-256 block function on the x86 SHA extensions (SHA-NI). Built with
 * -msha -msse4.1; only called after the purgatory has checked CPUID and
 * enabled SSE (CR4.OSFXSR), which the kexec trampoline leaves off. */
#include <immintrin.h>

#include "purgatory.h"

void kx_sha256_blocks_ni(uint32_t state[8], const uint8_t *data, size_t nblocks) {
    /* Byte order: message words are big-endian. */
    const __m128i bswap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);
    /* The instructions want the state as ABEF and CDGH. */
    __m128i dcba = _mm_loadu_si128((const __m128i *)&state[0]);
    __m128i hgfe = _mm_loadu_si128((const __m128i *)&state[4]);
    __m128i cdab = _mm_shuffle_epi32(dcba, 0xB1);
    __m128i efgh = _mm_shuffle_epi32(hgfe, 0x1B);
    __m128i abef = _mm_alignr_epi8(cdab, efgh, 8);
    __m128i cdgh = _mm_blend_epi16(efgh, cdab, 0xF0);

    while (nblocks--) {
        const __m128i abef_in = abef, cdgh_in = cdgh;
        __m128i w[4];
        for (int j = 0; j < 16; j++) {
            __m128i m;
            if (j < 4) {
                m = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * j)), bswap);
            } else {
                /* W[4j..4j+3] from the four previous groups. */
                __m128i t = _mm_sha256msg1_epu32(w[j % 4], w[(j + 1) % 4]);
                t = _mm_add_epi32(t, _mm_alignr_epi8(w[(j + 3) % 4], w[(j + 2) % 4], 4));
                m = _mm_sha256msg2_epu32(t, w[(j + 3) % 4]);
            }
            w[j % 4] = m;
            __m128i k = _mm_loadu_si128((const __m128i *)&kx_sha256_k[4 * j]);
            __m128i wk = _mm_add_epi32(m, k);
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, wk);
            wk = _mm_shuffle_epi32(wk, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, wk);
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
        data += 64;
    }

    __m128i feba = _mm_shuffle_epi32(abef, 0x1B);
    __m128i dchg = _mm_shuffle_epi32(cdgh, 0xB1);
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(feba, dchg, 0xF0));
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(dchg, feba, 8));
}
