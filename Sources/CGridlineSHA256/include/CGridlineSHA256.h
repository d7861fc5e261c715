#ifndef CGRIDLINE_SHA256_H
#define CGRIDLINE_SHA256_H

// SHA-256's compression function on the x86 SHA extensions (SHA-NI), for GridlineCrypto's
// SHA256 when the processor has them, and the round constants both compressions use. Swift
// cannot reach these instructions; the portable Swift compression stays the fallback.
#include <stddef.h>
#include <stdint.h>

// FIPS 180-4 §4.2.2's round constants K0..K63, for both compressions.
extern const uint32_t cgl_sha256_round_constants[64];

// 1 when this processor runs cgl_sha256_compress (x86-64 with SHA, SSSE3 and SSE4.1).
int cgl_sha256_has_extensions(void);

// FIPS 180-4 §6.2.2 over `blocks` consecutive 64-byte blocks at `data` (any alignment),
// updating state[0..7] (H0..H7). Only call when cgl_sha256_has_extensions() is 1.
void cgl_sha256_compress(uint32_t state[8], const uint8_t *data, size_t blocks);

#endif
