/* BLAKE3 against the official test vectors (tests/data/blake3_vectors.txt)
 * and the Farcaster protocol's message hash vectors. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/blake3.h"
#include "core/hex.h"

#define VECTOR_OUT_LEN 131

struct vector {
    size_t input_len;
    uint8_t hash[VECTOR_OUT_LEN], keyed[VECTOR_OUT_LEN], derive[VECTOR_OUT_LEN];
};

struct vectors {
    struct vector v[64];
    size_t n;
    char key[64];
    char context[128];
};

static void unhex(const char *s, uint8_t *out, size_t want)
{
    size_t n = 0;
    assert_int_equal(strlen(s), 2 * want);
    assert_int_equal(fc_hex_decode(s, strlen(s), false, out, want, &n, NULL), FC_OK);
    assert_int_equal(n, want);
}

static void copy_value(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    assert_true(n < cap);
    memcpy(dst, src, n + 1);
}

static void load_vectors(struct vectors *vs)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/tests/data/blake3_vectors.txt",
             fct_require_env("FCINDEX_SOURCE_DIR"));
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    memset(vs, 0, sizeof(*vs));
    static char line[2048];
    while (fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = '\0';
        if (strncmp(line, "# key: ", 7) == 0) {
            copy_value(vs->key, sizeof(vs->key), line + 7);
        } else if (strncmp(line, "# context: ", 11) == 0) {
            copy_value(vs->context, sizeof(vs->context), line + 11);
        } else if (line[0] != '#' && line[0]) {
            assert_true(vs->n < sizeof(vs->v) / sizeof(vs->v[0]));
            struct vector *v = &vs->v[vs->n++];
            char *save = NULL;
            v->input_len = strtoul(strtok_r(line, " ", &save), NULL, 10);
            unhex(strtok_r(NULL, " ", &save), v->hash, VECTOR_OUT_LEN);
            unhex(strtok_r(NULL, " ", &save), v->keyed, VECTOR_OUT_LEN);
            unhex(strtok_r(NULL, " ", &save), v->derive, VECTOR_OUT_LEN);
        }
    }
    fclose(f);
    assert_int_equal(strlen(vs->key), FC_BLAKE3_KEY_LEN);
    assert_true(strlen(vs->context) > 0);
    assert_true(vs->n >= 35); /* every official case, up to 102400 bytes */
}

static uint8_t *vector_input(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    assert_non_null(p);
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(i % 251);
    return p;
}

/* Feeds in pieces of the given size, to cross every block/chunk boundary. */
static void update_in_pieces(struct fc_blake3 *h, const uint8_t *p, size_t n, size_t piece)
{
    for (size_t off = 0; off < n; off += piece)
        fc_blake3_update(h, p + off, n - off < piece ? n - off : piece);
}

static void official_vectors(void **state)
{
    (void)state;
    static struct vectors vs;
    load_vectors(&vs);
    static const size_t pieces[] = {1, 7, 64, 65, 1000, 1024, 200000};
    for (size_t i = 0; i < vs.n; i++) {
        const struct vector *v = &vs.v[i];
        uint8_t *in = vector_input(v->input_len);
        uint8_t out[VECTOR_OUT_LEN];
        struct fc_blake3 h;

        /* default hash: one shot, extended output and 32-byte output */
        fc_blake3(in, v->input_len, out, sizeof(out));
        if (memcmp(out, v->hash, sizeof(out)) != 0)
            fail_msg("hash of %zu bytes differs from the official vector", v->input_len);
        fc_blake3(in, v->input_len, out, FC_BLAKE3_OUT_LEN);
        assert_memory_equal(out, v->hash, FC_BLAKE3_OUT_LEN);
        fc_blake3_160(in, v->input_len, out);
        assert_memory_equal(out, v->hash, 20);

        /* incremental, in pieces of several sizes */
        for (size_t p = 0; p < sizeof(pieces) / sizeof(pieces[0]); p++) {
            fc_blake3_init(&h);
            update_in_pieces(&h, in, v->input_len, pieces[p]);
            fc_blake3_finalize(&h, out, sizeof(out));
            if (memcmp(out, v->hash, sizeof(out)) != 0)
                fail_msg("hash of %zu bytes fed %zu at a time differs", v->input_len, pieces[p]);
        }

        fc_blake3_init_keyed(&h, (const uint8_t *)vs.key);
        update_in_pieces(&h, in, v->input_len, 100);
        fc_blake3_finalize(&h, out, sizeof(out));
        if (memcmp(out, v->keyed, sizeof(out)) != 0)
            fail_msg("keyed hash of %zu bytes differs from the official vector", v->input_len);

        fc_blake3_init_derive_key(&h, vs.context);
        update_in_pieces(&h, in, v->input_len, 333);
        fc_blake3_finalize(&h, out, sizeof(out));
        if (memcmp(out, v->derive, sizeof(out)) != 0)
            fail_msg("derived key of %zu bytes differs from the official vector", v->input_len);
        free(in);
    }
}

/* Finalizing leaves the state as it was: more input may follow. */
static void finalize_then_continue(void **state)
{
    (void)state;
    static struct vectors vs;
    load_vectors(&vs);
    const struct vector *v1025 = NULL, *v2048 = NULL;
    for (size_t i = 0; i < vs.n; i++) {
        if (vs.v[i].input_len == 1025)
            v1025 = &vs.v[i];
        if (vs.v[i].input_len == 2048)
            v2048 = &vs.v[i];
    }
    assert_non_null(v1025);
    assert_non_null(v2048);
    uint8_t *in = vector_input(2048);
    struct fc_blake3 h;
    uint8_t out[32];
    fc_blake3_init(&h);
    fc_blake3_update(&h, in, 1025);
    fc_blake3_finalize(&h, out, sizeof(out));
    assert_memory_equal(out, v1025->hash, sizeof(out));
    fc_blake3_update(&h, in + 1025, 2048 - 1025);
    fc_blake3_finalize(&h, out, sizeof(out));
    assert_memory_equal(out, v2048->hash, sizeof(out));
    free(in);
}

/* Farcaster message hashes: data_bytes and hash of the protocol's
 * conformance vectors (farcasterxyz/protocol vectors/v1, as listed in the
 * shared hub HTTP API reference, section 8.5). */
static void farcaster_message_hashes(void **state)
{
    (void)state;
    static const struct {
        const char *data_hex, *hash_hex;
    } cases[] = {
        {"080110d2091880b58e2d20012a13221148656c6c6f2c2046617263617374657221",
         "27f49c6928369d64495f4c4dd142c2e7389ebf1e"},
        {"080210d2091880b58e2d200132160a140101010101010101010101010101010101010101",
         "b7d1cd976fb46bf5a6fdbdca32717c8404277e2d"},
        {"080310d2091880b58e2d20013a1d0801121908c10212140202020202020202020202020202020202020202",
         "bbe457a26f1099b0d75d9965bcac691bbb4ce49a"},
        {"080510d2091880b58e2d2001720b0a06666f6c6c6f7718c803",
         "17e218e50051a6fc3f2e37431f1d981624e42b0a"},
        {"080b10d2091880b58e2d2001620d08021209546573742055736572",
         "60ee272dd458e0cf081bc3db81a16b26cd56b048"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        uint8_t data[256], want[20], got[20];
        size_t n = strlen(cases[i].data_hex) / 2;
        unhex(cases[i].data_hex, data, n);
        unhex(cases[i].hash_hex, want, 20);
        fc_blake3_160(data, n, got);
        assert_memory_equal(got, want, 20);
    }
}

FCT_MAIN(NULL, NULL, official_vectors, finalize_then_continue, farcaster_message_hashes)
