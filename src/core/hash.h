/* FNV-1a, the project's non-cryptographic hash (hash tables, fault
 * decisions): stable across runs and builds. fc_hash_words, for the one hot
 * path where FNV-1a's byte-serial loop shows: the decoder's path hashes. */
#ifndef FC_CORE_HASH_H
#define FC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define FC_FNV1A_INIT 0xcbf29ce484222325ULL

/* Continues hash h over n bytes. */
static inline uint64_t fc_fnv1a(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* The hash of a NUL-terminated string. */
static inline uint64_t fc_fnv1a_str(const char *s)
{
    uint64_t h = FC_FNV1A_INIT;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 0x100000001b3ULL;
    }
    return h;
}

/* Continues hash h over n bytes a word at a time. Words are read in the
 * host's byte order, so values are stable within a process only (the
 * decoder builds its path tables and hashes keys in the same process). */
static inline uint64_t fc_hash_words(uint64_t h, const void *data, size_t n)
{
    const unsigned char *p = data;
    h ^= (uint64_t)n * 0x9e3779b97f4a7c15ULL;
    for (; n >= 8; p += 8, n -= 8) {
        uint64_t w;
        memcpy(&w, p, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdULL;
        h ^= h >> 32;
    }
    /* the last 1-7 bytes: two overlapping 4-byte reads, or three bytes */
    uint64_t w = 0;
    if (n >= 4) {
        uint32_t a, b;
        memcpy(&a, p, 4);
        memcpy(&b, p + n - 4, 4);
        w = (uint64_t)a << 32 | b;
    } else if (n) {
        w = (uint64_t)p[0] << 16 | (uint64_t)p[n / 2] << 8 | p[n - 1];
    }
    h = (h ^ w) * 0xc4ceb9fe1a85ec53ULL;
    return h ^ (h >> 29);
}

#endif
