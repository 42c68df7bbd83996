#include "core/blake3.h"

#include <string.h>

/* Domain flags of the compression function (specification, table 3). */
enum {
    CHUNK_START = 1 << 0,
    CHUNK_END = 1 << 1,
    PARENT = 1 << 2,
    ROOT = 1 << 3,
    KEYED_HASH = 1 << 4,
    DERIVE_KEY_CONTEXT = 1 << 5,
    DERIVE_KEY_MATERIAL = 1 << 6,
};

/* The initialization vector is SHA-256's. */
static const uint32_t IV[8] = {0x6A09E667, 0xBB67AE85, 0x3C6EF372, 0xA54FF53A,
                               0x510E527F, 0x9B05688C, 0x1F83D9AB, 0x5BE0CD19};

/* Message word order of each of the 7 rounds: the specification permutes the
 * words between rounds; applying it r times up front gives these rows. */
static const uint8_t SCHEDULE[7][16] = {
    {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15},
    {2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8},
    {3, 4, 10, 12, 13, 2, 7, 14, 6, 5, 9, 0, 11, 15, 8, 1},
    {10, 7, 12, 9, 14, 3, 13, 15, 4, 0, 11, 2, 5, 8, 1, 6},
    {12, 13, 9, 11, 15, 10, 14, 8, 7, 2, 5, 3, 0, 1, 6, 4},
    {9, 14, 11, 5, 8, 12, 15, 1, 13, 3, 0, 10, 2, 6, 4, 7},
    {11, 15, 5, 0, 1, 9, 8, 6, 14, 10, 2, 12, 3, 4, 7, 13},
};

static inline uint32_t rotr(uint32_t x, int n)
{
    return (x >> n) | (x << (32 - n));
}

static inline uint32_t load32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static inline void store32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

#define G(a, b, c, d, x, y)            \
    do {                               \
        s[a] = s[a] + s[b] + (x);      \
        s[d] = rotr(s[d] ^ s[a], 16);  \
        s[c] = s[c] + s[d];            \
        s[b] = rotr(s[b] ^ s[c], 12);  \
        s[a] = s[a] + s[b] + (y);      \
        s[d] = rotr(s[d] ^ s[a], 8);   \
        s[c] = s[c] + s[d];            \
        s[b] = rotr(s[b] ^ s[c], 7);   \
    } while (0)

/* One round: columns, then diagonals. */
#define ROUND(r)                                                        \
    do {                                                                \
        G(0, 4, 8, 12, m[SCHEDULE[r][0]], m[SCHEDULE[r][1]]);           \
        G(1, 5, 9, 13, m[SCHEDULE[r][2]], m[SCHEDULE[r][3]]);           \
        G(2, 6, 10, 14, m[SCHEDULE[r][4]], m[SCHEDULE[r][5]]);          \
        G(3, 7, 11, 15, m[SCHEDULE[r][6]], m[SCHEDULE[r][7]]);          \
        G(0, 5, 10, 15, m[SCHEDULE[r][8]], m[SCHEDULE[r][9]]);          \
        G(1, 6, 11, 12, m[SCHEDULE[r][10]], m[SCHEDULE[r][11]]);        \
        G(2, 7, 8, 13, m[SCHEDULE[r][12]], m[SCHEDULE[r][13]]);         \
        G(3, 4, 9, 14, m[SCHEDULE[r][14]], m[SCHEDULE[r][15]]);         \
    } while (0)

/* The compression function: leaves its 16-word state in s. */
static void compress(uint32_t s[16], const uint32_t cv[8], const uint8_t block[64],
                     uint8_t block_len, uint64_t counter, uint8_t flags)
{
    uint32_t m[16];
    for (int i = 0; i < 16; i++)
        m[i] = load32(block + 4 * i);
    memcpy(s, cv, 8 * sizeof(uint32_t));
    s[8] = IV[0];
    s[9] = IV[1];
    s[10] = IV[2];
    s[11] = IV[3];
    s[12] = (uint32_t)counter;
    s[13] = (uint32_t)(counter >> 32);
    s[14] = block_len;
    s[15] = flags;
    /* Unrolled so every message index is a constant. */
    ROUND(0);
    ROUND(1);
    ROUND(2);
    ROUND(3);
    ROUND(4);
    ROUND(5);
    ROUND(6);
}

/* Compression truncated to the new chaining value (first 8 output words). */
static void compress_cv(uint32_t cv[8], const uint8_t block[64], uint8_t block_len,
                        uint64_t counter, uint8_t flags)
{
    uint32_t s[16];
    compress(s, cv, block, block_len, counter, flags);
    for (int i = 0; i < 8; i++)
        cv[i] = s[i] ^ s[i + 8];
}

/* What the last compression of a node takes: enough to produce either its
 * chaining value or, with ROOT, any amount of output. */
struct node {
    uint32_t cv[8];
    uint8_t block[64];
    uint8_t block_len;
    uint64_t counter;
    uint8_t flags;
};

static void node_cv(const struct node *n, uint32_t out[8])
{
    memcpy(out, n->cv, sizeof(n->cv));
    compress_cv(out, n->block, n->block_len, n->counter, n->flags);
}

static void parent_node(struct node *n, const uint32_t key[8], const uint32_t left[8],
                        const uint32_t right[8], uint8_t flags)
{
    memcpy(n->cv, key, sizeof(n->cv));
    for (int i = 0; i < 8; i++) {
        store32(n->block + 4 * i, left[i]);
        store32(n->block + 32 + 4 * i, right[i]);
    }
    n->block_len = 64;
    n->counter = 0;
    n->flags = flags | PARENT;
}

/* Root output: each 64-byte output block is the full compression output of
 * the root node with the output block's index as counter. */
static void root_output(const struct node *n, uint8_t *out, size_t out_len)
{
    uint64_t counter = 0;
    while (out_len) {
        uint32_t s[16];
        compress(s, n->cv, n->block, n->block_len, counter++, n->flags | ROOT);
        uint8_t words[64];
        for (int i = 0; i < 8; i++) {
            store32(words + 4 * i, s[i] ^ s[i + 8]);
            store32(words + 32 + 4 * i, s[i + 8] ^ n->cv[i]);
        }
        size_t take = out_len < 64 ? out_len : 64;
        memcpy(out, words, take);
        out += take;
        out_len -= take;
    }
}

static void init_with(struct fc_blake3 *h, const uint32_t key[8], uint8_t flags)
{
    memcpy(h->key, key, sizeof(h->key));
    memcpy(h->cv, key, sizeof(h->cv));
    h->chunk_counter = 0;
    memset(h->block, 0, sizeof(h->block));
    h->block_len = 0;
    h->blocks_compressed = 0;
    h->flags = flags;
    h->stack_len = 0;
}

void fc_blake3_init(struct fc_blake3 *h)
{
    init_with(h, IV, 0);
}

void fc_blake3_init_keyed(struct fc_blake3 *h, const uint8_t key[FC_BLAKE3_KEY_LEN])
{
    uint32_t k[8];
    for (int i = 0; i < 8; i++)
        k[i] = load32(key + 4 * i);
    init_with(h, k, KEYED_HASH);
}

void fc_blake3_init_derive_key(struct fc_blake3 *h, const char *context)
{
    struct fc_blake3 ctx;
    init_with(&ctx, IV, DERIVE_KEY_CONTEXT);
    fc_blake3_update(&ctx, context, strlen(context));
    uint8_t key[32];
    fc_blake3_finalize(&ctx, key, sizeof(key));
    uint32_t k[8];
    for (int i = 0; i < 8; i++)
        k[i] = load32(key + 4 * i);
    init_with(h, k, DERIVE_KEY_MATERIAL);
}

static uint8_t chunk_start_flag(const struct fc_blake3 *h)
{
    return h->blocks_compressed == 0 ? CHUNK_START : 0;
}

/* A finished chunk's chaining value joins the tree. Completed subtrees are
 * merged as soon as a sibling of the same size exists: after chunk number
 * total (1-based), one merge per trailing zero bit of total. */
static void push_chunk_cv(struct fc_blake3 *h, uint32_t cv[8], uint64_t total)
{
    while ((total & 1) == 0) {
        struct node n;
        parent_node(&n, h->key, h->stack[--h->stack_len], cv, h->flags);
        node_cv(&n, cv);
        total >>= 1;
    }
    memcpy(h->stack[h->stack_len++], cv, 8 * sizeof(uint32_t));
}

void fc_blake3_update(struct fc_blake3 *h, const void *data, size_t n)
{
    const uint8_t *p = data;
    while (n) {
        /* A full chunk is closed only when more input follows: the last
         * chunk must stay open because it may be the root. */
        if (h->blocks_compressed * 64 + h->block_len == FC_BLAKE3_CHUNK_LEN) {
            uint32_t cv[8];
            memcpy(cv, h->cv, sizeof(cv));
            compress_cv(cv, h->block, 64, h->chunk_counter,
                        h->flags | chunk_start_flag(h) | CHUNK_END);
            push_chunk_cv(h, cv, h->chunk_counter + 1);
            h->chunk_counter++;
            memcpy(h->cv, h->key, sizeof(h->cv));
            h->blocks_compressed = 0;
            h->block_len = 0;
        }
        /* Likewise a full block is compressed only once more input follows. */
        if (h->block_len == 64) {
            compress_cv(h->cv, h->block, 64, h->chunk_counter, h->flags | chunk_start_flag(h));
            h->blocks_compressed++;
            h->block_len = 0;
        }
        size_t room = 64 - h->block_len;
        size_t take = n < room ? n : room;
        memcpy(h->block + h->block_len, p, take);
        h->block_len = (uint8_t)(h->block_len + take);
        p += take;
        n -= take;
    }
}

void fc_blake3_finalize(const struct fc_blake3 *h, uint8_t *out, size_t out_len)
{
    struct node n;
    memcpy(n.cv, h->cv, sizeof(n.cv));
    memcpy(n.block, h->block, sizeof(n.block));
    memset(n.block + h->block_len, 0, 64 - h->block_len);
    n.block_len = h->block_len;
    n.counter = h->chunk_counter;
    n.flags = h->flags | chunk_start_flag(h) | CHUNK_END;
    /* Fold the open chunk into the waiting subtrees, right to left. */
    for (size_t i = h->stack_len; i-- > 0;) {
        uint32_t right[8];
        node_cv(&n, right);
        parent_node(&n, h->key, h->stack[i], right, h->flags);
    }
    root_output(&n, out, out_len);
}

void fc_blake3(const void *data, size_t n, uint8_t *out, size_t out_len)
{
    struct fc_blake3 h;
    fc_blake3_init(&h);
    fc_blake3_update(&h, data, n);
    fc_blake3_finalize(&h, out, out_len);
}

void fc_blake3_160(const void *data, size_t n, uint8_t out[20])
{
    fc_blake3(data, n, out, 20);
}
