/* Message verification speed, one thread, against libsodium in the same run:
 * - full verification (rebuild MessageData, BLAKE3, ed25519) of every message of
 *   the recorded corpus, in signatures/s, next to libsodium's bare
 *   crypto_sign_verify_detached over the same hashes, signatures and keys;
 * - BLAKE3 MB/s on message-sized inputs next to libsodium's BLAKE2b
 *   (crypto_generichash) over the same bytes.
 * Usage: verify_bench FIXTURES_DIR [SECONDS_PER_CASE] */
#include <dirent.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/blake3.h"
#include "core/buf.h"
#include "fc/decode.h"
#include "fc/msgdata.h"
#include "fc/verify.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct corpus {
    const struct fc_message **m;
    size_t n, cap;
    struct fc_decoder **decoders;
    size_t n_decoders;
};

static void add(struct corpus *c, const struct fc_message *m)
{
    if (!m)
        return;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->m = fc_xrealloc(c->m, c->cap * sizeof(*c->m));
    }
    c->m[c->n++] = m;
}

static void on_item(void *ud, const struct fc_item *it)
{
    struct corpus *c = ud;
    if (it->kind == FC_ITEM_MESSAGE) {
        add(c, it->message);
    } else if (it->kind == FC_ITEM_EVENT) {
        add(c, it->event->message);
        for (size_t i = 0; i < it->event->n_deleted; i++)
            add(c, it->event->deleted[i]);
    }
}

/* Decodes every page under dir (recursively); decoders are kept so the
 * messages stay valid. */
static void load(struct corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) {
        fprintf(stderr, "verify_bench: cannot open %s\n", dir);
        exit(1);
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[2048];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        size_t n = strlen(e->d_name);
        if (e->d_type == DT_DIR) {
            load(c, path);
        } else if (n > 5 && strcmp(e->d_name + n - 5, ".json") == 0 &&
                   strcmp(e->d_name, "manifest.json") != 0 &&
                   strcmp(e->d_name, "expected.json") != 0) {
            size_t len;
            char *text = fc_read_file(path, &len);
            struct fc_decoder *dec = NULL;
            struct fc_diag diag;
            if (text && fc_decode_buffer(FC_PAGE_AUTO, text, len, on_item, c, NULL, &diag,
                                         &dec) == FC_OK) {
                c->decoders = fc_xrealloc(c->decoders, (c->n_decoders + 1) * sizeof(dec));
                c->decoders[c->n_decoders++] = dec;
            }
            free(text);
        }
    }
    closedir(d);
}

static double seconds_per_case = 1.5;

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, size_t n)
{
    double tmp[16];
    memcpy(tmp, v, n * sizeof(double));
    qsort(tmp, n, sizeof(double), cmp_double);
    return tmp[n / 2];
}

/* Runs fn over the corpus until the time is up; returns items/s. */
#define RATE(count_var, body)                                         \
    do {                                                              \
        size_t rounds_ = 0;                                           \
        double t0_ = now(), t_;                                       \
        count_var = 0;                                                \
        do {                                                          \
            body;                                                     \
            rounds_++;                                                \
        } while ((t_ = now()) - t0_ < seconds_per_case);              \
        (void)rounds_;                                                \
        rate = (double)(count_var) / (t_ - t0_);                      \
    } while (0)

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: verify_bench FIXTURES_DIR [SECONDS_PER_CASE]\n");
        return 2;
    }
    if (argc > 2)
        seconds_per_case = atof(argv[2]);
    if (sodium_init() < 0)
        return 1;
    struct corpus c = {0};
    load(&c, argv[1]);
    if (!c.n) {
        fprintf(stderr, "verify_bench: no messages under %s\n", argv[1]);
        return 1;
    }
    struct fc_buf scratch = FC_BUF_INIT;
    size_t failed = 0, total_bytes = 0;
    for (size_t i = 0; i < c.n; i++) {
        if (fc_verify_message(c.m[i], &scratch, NULL) != FC_VERIFY_OK)
            failed++;
        fc_buf_reset(&scratch);
        if (fc_msgdata_encode(c.m[i], FC_PB_TS_PROTO, &scratch, NULL) == FC_OK)
            total_bytes += scratch.len;
    }
    printf("corpus: %zu messages, mean MessageData %zu bytes, %zu not verifying\n", c.n,
           total_bytes / c.n, failed);

    double rate;
    size_t count;
    volatile int sink = 0;

    /* The machine is shared and noisy: the reference (libsodium's own verify
     * of the same hash, signature and key) and the full verification take
     * turns, and the medians of the rates and of the pairwise ratios are
     * reported. */
    enum { TURNS = 7 };
    double sodium_rates[TURNS], verify_rates[TURNS], ratios[TURNS];
    double turn_seconds = seconds_per_case;
    seconds_per_case = turn_seconds / 2;
    for (int k = 0; k < TURNS; k++) {
        RATE(count, {
            for (size_t i = 0; i < c.n; i++)
                sink += crypto_sign_verify_detached(c.m[i]->signature, c.m[i]->hash, 20,
                                                    c.m[i]->signer);
            count += c.n;
        });
        sodium_rates[k] = rate;
        RATE(count, {
            for (size_t i = 0; i < c.n; i++)
                sink += (int)fc_verify_message(c.m[i], &scratch, NULL);
            count += c.n;
        });
        verify_rates[k] = rate;
        ratios[k] = verify_rates[k] / sodium_rates[k];
    }
    seconds_per_case = turn_seconds;
    double sodium_rate = median(sodium_rates, TURNS), verify_rate = median(verify_rates, TURNS);
    double ratio = median(ratios, TURNS);

    RATE(count, {
        for (size_t i = 0; i < c.n; i++) {
            fc_buf_reset(&scratch);
            sink += (int)fc_msgdata_encode(c.m[i], FC_PB_TS_PROTO, &scratch, NULL);
        }
        count += c.n;
    });
    double rebuild_rate = rate;

    /* What verification adds to the signature check: rebuild and hash. */
    RATE(count, {
        for (size_t i = 0; i < c.n; i++) {
            uint8_t h[20];
            fc_buf_reset(&scratch);
            sink += (int)fc_msgdata_encode(c.m[i], FC_PB_TS_PROTO, &scratch, NULL);
            fc_blake3_160(scratch.data, scratch.len, h);
            sink += h[0];
        }
        count += c.n;
    });
    double prehash_rate = rate;

    printf("libsodium crypto_sign_verify_detached: %.0f signatures/s/core\n", sodium_rate);
    printf("fc_verify_message (rebuild + BLAKE3 + ed25519): %.0f messages/s/core; "
           "median ratio of %d alternating turns: %.1f%% of libsodium alone\n",
           verify_rate, TURNS, 100.0 * ratio);
    printf("MessageData rebuild alone: %.0f messages/s/core; rebuild + BLAKE3: %.0f/s/core "
           "(%.2f us per message: %.2f%% of a signature check)\n",
           rebuild_rate, prehash_rate, 1e6 / prehash_rate, 100.0 * sodium_rate / prehash_rate);

    /* BLAKE3 vs BLAKE2b on the same buffers */
    static const size_t sizes[] = {64, 128, 256, 1024, 65536};
    uint8_t *buf = fc_xmalloc(1 << 20);
    for (size_t i = 0; i < (1 << 20); i++)
        buf[i] = (uint8_t)(i * 131u + 7u);
    for (size_t s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
        size_t len = sizes[s], per = (1 << 20) / len;
        uint8_t out[32];
        RATE(count, {
            for (size_t i = 0; i < per; i++) {
                fc_blake3(buf + i * len, len, out, 20);
                sink += out[0];
            }
            count += per * len;
        });
        double b3 = rate / 1e6;
        RATE(count, {
            for (size_t i = 0; i < per; i++) {
                crypto_generichash(out, 32, buf + i * len, len, NULL, 0);
                sink += out[0];
            }
            count += per * len;
        });
        double b2 = rate / 1e6;
        printf("BLAKE3 %6zu-byte inputs: %7.1f MB/s (%.2f M hashes/s); libsodium BLAKE2b same "
               "inputs %7.1f MB/s; ratio %.2f\n",
               len, b3, b3 / (double)len, b2, b3 / b2);
    }
    free(buf);
    fc_buf_cleanup(&scratch);
    for (size_t i = 0; i < c.n_decoders; i++)
        fc_decoder_free(c.decoders[i]);
    free(c.decoders);
    free(c.m);
    return sink == 42 ? 3 : 0;
}
