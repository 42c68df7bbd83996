#include "indexer/verify_gate.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "core/log.h"
#include "fc/emit.h"
#include "indexer/internal.h"
#include "store/signers.h"
#include "store/writer.h"

enum fc_verify_mode fc_verify_mode_parse(const char *name)
{
    if (name && strcmp(name, "log") == 0)
        return FC_VERIFY_MODE_LOG;
    if (name && strcmp(name, "off") == 0)
        return FC_VERIFY_MODE_OFF;
    return FC_VERIFY_MODE_ENFORCE;
}

/* ---- parallel hash and signature checks ---- */

struct batch {
    const struct fc_message *const *m;
    enum fc_verify_result *out;
    size_t n;
    _Atomic size_t next;
};

/* Takes messages in small chunks until none are left. */
static void *batch_worker(void *arg)
{
    struct batch *b = arg;
    struct fc_buf scratch = FC_BUF_INIT;
    for (;;) {
        size_t i = b->next;
        while (i < b->n && !__atomic_compare_exchange_n(&b->next, &i, i + 16, false,
                                                        __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST))
            ;
        if (i >= b->n)
            break;
        for (size_t k = i; k < i + 16 && k < b->n; k++)
            b->out[k] = fc_verify_message(b->m[k], &scratch, NULL);
    }
    fc_buf_cleanup(&scratch);
    return NULL;
}

void fc_verify_batch(const struct fc_message *const *m, size_t n, unsigned threads,
                     enum fc_verify_result *out)
{
    struct batch b = {.m = m, .out = out, .n = n, .next = 0};
    /* a thread is worth starting for a few chunks of work, not for one */
    size_t useful = (n + 31) / 32;
    if (threads > useful)
        threads = (unsigned)useful;
    if (threads > 64)
        threads = 64;
    pthread_t tid[64];
    unsigned started = 0;
    for (unsigned t = 1; t < threads; t++)
        if (pthread_create(&tid[started], NULL, batch_worker, &b) == 0)
            started++;
    batch_worker(&b);
    for (unsigned t = 0; t < started; t++)
        pthread_join(tid[t], NULL);
}

/* ---- signer keys ---- */

static size_t key_slot(uint64_t fid, const uint8_t key[32], size_t cap)
{
    uint64_t k;
    memcpy(&k, key, sizeof(k)); /* keys are uniformly random bytes */
    uint64_t h = (fid * 0x9E3779B97F4A7C15ull) ^ k;
    h ^= h >> 31;
    return (size_t)h & (cap - 1);
}

/* The slot holding (fid, key), or the free slot where it would go. */
static struct fc_fid_key *key_find(const struct fc_keyset *ks, uint64_t fid, const uint8_t key[32])
{
    for (size_t i = key_slot(fid, key, ks->cap);; i = (i + 1) & (ks->cap - 1)) {
        struct fc_fid_key *e = &ks->slots[i];
        if (!e->fid || (e->fid == fid && memcmp(e->key, key, 32) == 0))
            return e;
    }
}

static void keyset_grow(struct fc_keyset *ks)
{
    struct fc_keyset bigger = {fc_xcalloc(ks->cap ? ks->cap * 2 : 64, sizeof(*ks->slots)),
                               ks->cap ? ks->cap * 2 : 64, ks->n};
    for (size_t i = 0; i < ks->cap; i++)
        if (ks->slots[i].fid)
            *key_find(&bigger, ks->slots[i].fid, ks->slots[i].key) = ks->slots[i];
    free(ks->slots);
    *ks = bigger;
}

void fc_keyset_add(struct fc_keyset *ks, uint64_t fid, const uint8_t key[32])
{
    if (!fid)
        return;
    if ((ks->n + 1) * 2 > ks->cap) /* at most half full: probes stay short */
        keyset_grow(ks);
    struct fc_fid_key *e = key_find(ks, fid, key);
    if (e->fid)
        return;
    e->fid = fid;
    memcpy(e->key, key, 32);
    ks->n++;
}

bool fc_keyset_has(const struct fc_keyset *ks, uint64_t fid, const uint8_t *key, size_t key_len)
{
    return key_len == 32 && fid && ks->n && key_find(ks, fid, key)->fid;
}

void fc_keyset_clear(struct fc_keyset *ks)
{
    if (ks->n)
        memset(ks->slots, 0, ks->cap * sizeof(*ks->slots));
    ks->n = 0;
}

void fc_keyset_cleanup(struct fc_keyset *ks)
{
    free(ks->slots);
    memset(ks, 0, sizeof(*ks));
}

void fc_keyset_note_onchain(struct fc_keyset *ks, const struct fc_onchain_event *o)
{
    if (o && o->type == FC_ONCHAIN_SIGNER && o->body.signer.event_type == 1 &&
        o->body.signer.key_len == 32)
        fc_keyset_add(ks, o->fid, o->body.signer.key);
}

static void add_loaded(void *ud, uint64_t fid, const uint8_t key[32])
{
    fc_keyset_add(ud, fid, key);
}

enum fc_err fc_keyset_load(struct fc_keyset *ks, struct fc_db *db, const uint64_t *fids, size_t n,
                           struct fc_diag *diag)
{
    if (!n)
        return FC_OK;
    return fc_signers_keys(db, fids, n, add_loaded, ks, diag);
}

/* ---- outcomes ---- */

bool fc_verify_gate_pass(struct fc_indexer *ix, const struct fc_message *m,
                         enum fc_verify_result r)
{
    if (r >= FC_VERIFY_RESULT_MAX)
        r = FC_VERIFY_HASH_MISMATCH;
    ix->m_verify[r]++;
    if (r == FC_VERIFY_OK)
        return true;
    if (ix->verify_mode == FC_VERIFY_MODE_ENFORCE) {
        ix->m_verify_rejected++;
        return false;
    }
    char hash[43];
    fc_hex_encode(m->hash, 20, hash);
    log_warn("verify", "message %s of fid %llu: %s (verify.mode = log: written anyway)", hash,
             (unsigned long long)m->fid, fc_verify_reason(r));
    return true;
}

enum fc_err fc_verify_dead_letter(struct fc_writer *w, const char *source,
                                  const struct fc_message *m, enum fc_verify_result r,
                                  struct fc_diag *diag)
{
    struct fc_buf payload = FC_BUF_INIT;
    fc_emit_message(m, &payload);
    enum fc_err err =
        fc_writer_dead_letter(w, source, payload.data, payload.len, fc_verify_reason(r), diag);
    fc_buf_cleanup(&payload);
    return err;
}
_Static_assert(FC_INDEXER_VERIFY_RESULTS == FC_VERIFY_RESULT_MAX, "metrics carry every verify result");
