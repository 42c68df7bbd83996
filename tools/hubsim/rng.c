#include "rng.h"

void sim_bytes(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint8_t *out, size_t n)
{
    uint64_t h = sim_hash4(seed, a, b, c);
    for (size_t i = 0; i < n; i++) {
        if (i % 8 == 0 && i)
            h = sim_mix(h + i);
        out[i] = (uint8_t)(h >> (8 * (i % 8)));
    }
}
