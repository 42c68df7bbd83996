/* Counter-based deterministic randomness for the simulator: every value is
 * a pure function of (seed, keys...), so any item of the network can be
 * generated alone, in any order, and the same seed gives the same bytes. */
#ifndef HUBSIM_RNG_H
#define HUBSIM_RNG_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t sim_mix(uint64_t x)
{
    /* splitmix64 finaliser */
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static inline uint64_t sim_hash4(uint64_t seed, uint64_t a, uint64_t b, uint64_t c)
{
    return sim_mix(sim_mix(sim_mix(sim_mix(seed) ^ a) ^ b) ^ c);
}

/* Uniform double in (0, 1]. */
static inline double sim_unit(uint64_t h)
{
    return (double)((h >> 11) + 1) / 9007199254740992.0;
}

/* Fills out[n] with bytes derived from the key. */
void sim_bytes(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint8_t *out, size_t n);

#endif
