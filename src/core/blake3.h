/* BLAKE3 hash (written from the BLAKE3 specification, portable C): the
 * default hash, the keyed hash and key derivation, each with extendable
 * output. Farcaster message hashes are the first 20 bytes of the default
 * hash of the MessageData bytes (fc_blake3_160).
 *
 * A struct fc_blake3 is caller's storage: init, any number of updates, then
 * finalize (which does not change it, so it may be finalized again or
 * updated further). Not shared between threads; the functions keep no state. */
#ifndef FC_CORE_BLAKE3_H
#define FC_CORE_BLAKE3_H

#include <stddef.h>
#include <stdint.h>

#define FC_BLAKE3_KEY_LEN 32
#define FC_BLAKE3_OUT_LEN 32
#define FC_BLAKE3_BLOCK_LEN 64
#define FC_BLAKE3_CHUNK_LEN 1024
/* 2^64 bytes of input is at most 2^54 chunks: that many subtree values wait. */
#define FC_BLAKE3_MAX_DEPTH 54

struct fc_blake3 {
    uint32_t key[8];         /* IV, the key, or the derived context key */
    uint32_t cv[8];          /* chaining value of the chunk in progress */
    uint64_t chunk_counter;  /* index of the chunk in progress */
    uint8_t block[FC_BLAKE3_BLOCK_LEN]; /* bytes of the block not yet compressed */
    uint8_t block_len;
    uint8_t blocks_compressed; /* in the chunk in progress */
    uint8_t flags;           /* mode flags applied to every compression */
    uint8_t stack_len;
    uint32_t stack[FC_BLAKE3_MAX_DEPTH][8]; /* chaining values of complete subtrees */
};

void fc_blake3_init(struct fc_blake3 *h);
void fc_blake3_init_keyed(struct fc_blake3 *h, const uint8_t key[FC_BLAKE3_KEY_LEN]);
/* context: a hard-coded, globally unique, application-specific string. */
void fc_blake3_init_derive_key(struct fc_blake3 *h, const char *context);
void fc_blake3_update(struct fc_blake3 *h, const void *data, size_t n);
/* Writes out_len bytes of output (any length; the first 32 are the hash). */
void fc_blake3_finalize(const struct fc_blake3 *h, uint8_t *out, size_t out_len);

/* One-shot default hash of data into out_len bytes. */
void fc_blake3(const void *data, size_t n, uint8_t *out, size_t out_len);

/* The Farcaster message hash: the first 20 bytes of BLAKE3(data). */
void fc_blake3_160(const void *data, size_t n, uint8_t out[20]);

#endif
