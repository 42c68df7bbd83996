/* FNV-1a, the one non-cryptographic hash of the project (hash tables,
 * path hashes, fault decisions): fast, stable across runs and builds. */
#ifndef FC_CORE_HASH_H
#define FC_CORE_HASH_H

#include <stddef.h>
#include <stdint.h>

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

#endif
