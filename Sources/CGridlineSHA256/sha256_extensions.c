// SHA-256 compression with the x86 SHA extensions (Intel SHA extensions reference, 2013).
//
// The instructions keep the working variables in two registers, ABEF and CDGH (A in the
// highest lane). SHA256RNDS2 runs two rounds on the low two lanes of message + constant and
// returns the new ABEF; the old ABEF is then the new CDGH, so the two registers swap roles
// every two rounds. SHA256MSG1/MSG2 extend the message schedule four words at a time.
#include "CGridlineSHA256.h"

// FIPS 180-4 §4.2.2: the first 32 bits of the fractional parts of the cube roots of the first
// 64 primes; read four to a vector in round order here, one at a time by the Swift compression.
const uint32_t cgl_sha256_round_constants[64] __attribute__((aligned(16))) = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
};

#if defined(__x86_64__)
#include <cpuid.h>
#include <immintrin.h>

int cgl_sha256_has_extensions(void) {
    unsigned eax, ebx, ecx, edx;
    if (!__get_cpuid(1, &eax, &ebx, &ecx, &edx)) return 0;
    int ssse3 = (ecx >> 9) & 1, sse41 = (ecx >> 19) & 1;
    if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return 0;
    int sha = (ebx >> 29) & 1;
    return ssse3 && sse41 && sha;
}


__attribute__((target("sha,ssse3,sse4.1")))
void cgl_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    // Big-endian message words: reverse the bytes of each 32-bit lane.
    const __m128i byte_swap = _mm_set_epi64x(0x0c0d0e0f08090a0bULL, 0x0405060700010203ULL);

    // state[0..3] = A B C D and state[4..7] = E F G H (lane 0 first) → ABEF and CDGH.
    __m128i abcd = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[0]), 0xB1);  // B A D C
    __m128i efgh = _mm_shuffle_epi32(_mm_loadu_si128((const __m128i *)&state[4]), 0x1B);  // H G F E
    __m128i abef = _mm_alignr_epi8(abcd, efgh, 8);                                       // F E B A
    __m128i cdgh = _mm_blend_epi16(efgh, abcd, 0xF0);                                    // H G D C

    for (; blocks > 0; blocks--, data += 64) {
        const __m128i abef_in = abef, cdgh_in = cdgh;
        __m128i w[4];  // the schedule's last sixteen words, four per vector, oldest first
        for (int group = 0; group < 16; group++) {
            __m128i words;
            if (group < 4) {
                words = _mm_shuffle_epi8(_mm_loadu_si128((const __m128i *)(data + 16 * group)), byte_swap);
            } else {
                // W[t] = σ1(W[t-2]) + W[t-7] + σ0(W[t-15]) + W[t-16], four at a time.
                __m128i partial = _mm_sha256msg1_epu32(w[0], w[1]);              // W[t-16] + σ0(W[t-15])
                partial = _mm_add_epi32(partial, _mm_alignr_epi8(w[3], w[2], 4));  // + W[t-7]
                words = _mm_sha256msg2_epu32(partial, w[3]);                     // + σ1(W[t-2])
                w[0] = w[1];
                w[1] = w[2];
                w[2] = w[3];
            }
            w[group < 4 ? group : 3] = words;
            __m128i message = _mm_add_epi32(words, _mm_load_si128((const __m128i *)&cgl_sha256_round_constants[4 * group]));
            cdgh = _mm_sha256rnds2_epu32(cdgh, abef, message);  // rounds 4g, 4g+1: now holds the new ABEF
            message = _mm_shuffle_epi32(message, 0x0E);
            abef = _mm_sha256rnds2_epu32(abef, cdgh, message);  // rounds 4g+2, 4g+3: back in place
        }
        abef = _mm_add_epi32(abef, abef_in);
        cdgh = _mm_add_epi32(cdgh, cdgh_in);
    }

    // ABEF and CDGH → A B C D and E F G H.
    __m128i abef_forward = _mm_shuffle_epi32(abef, 0x1B);  // A B E F
    __m128i ghcd = _mm_shuffle_epi32(cdgh, 0xB1);          // G H C D
    _mm_storeu_si128((__m128i *)&state[0], _mm_blend_epi16(abef_forward, ghcd, 0xF0));  // A B C D
    _mm_storeu_si128((__m128i *)&state[4], _mm_alignr_epi8(ghcd, abef_forward, 8));     // E F G H
}

#else

int cgl_sha256_has_extensions(void) { return 0; }

void cgl_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks) {
    (void)state;
    (void)data;
    (void)blocks;
}

#endif
