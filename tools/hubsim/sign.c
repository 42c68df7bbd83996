#include "sign.h"

#include <sodium.h>
#include <string.h>

#include "core/blake3.h"
#include "render.h"
#include "rng.h"

/* Field numbers of the MessageData schema (message.proto). */
enum {
    MD_TYPE = 1, MD_FID = 2, MD_TIMESTAMP = 3, MD_NETWORK = 4, MD_CAST_ADD = 5,
    MD_CAST_REMOVE = 6, MD_REACTION = 7, MD_VERIF_ADD = 9, MD_VERIF_REMOVE = 10,
    MD_USER_DATA = 12, MD_LINK = 14,
};
#define NETWORK_MAINNET 1

struct pb {
    struct fc_buf *b;
    bool prost; /* empty packed repeated fields omitted (else written as tag + 00) */
};

static void pb_varint(struct fc_buf *b, uint64_t v)
{
    uint8_t tmp[10];
    size_t n = 0;
    do {
        tmp[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
        v >>= 7;
    } while (v);
    fc_buf_append(b, tmp, n);
}

static void pb_uint(struct pb *w, int field, uint64_t v)
{
    if (!v)
        return; /* proto3 default */
    pb_varint(w->b, (uint64_t)field << 3);
    pb_varint(w->b, v);
}

static void pb_bytes(struct pb *w, int field, const void *data, size_t n)
{
    pb_varint(w->b, (uint64_t)field << 3 | 2);
    pb_varint(w->b, n);
    fc_buf_append(w->b, data, n);
}

/* A nested message, built in its own buffer so its length can lead it. */
static void pb_sub(struct pb *w, int field, const struct fc_buf *inner)
{
    pb_bytes(w, field, inner->data ? inner->data : "", inner->len);
}

static void pb_packed(struct pb *w, int field, const uint64_t *v, size_t n)
{
    if (!n && w->prost)
        return;
    struct fc_buf inner = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        pb_varint(&inner, v[i]);
    pb_sub(w, field, &inner);
    fc_buf_cleanup(&inner);
}

static void pb_cast_id(struct pb *w, int field, uint64_t fid, const uint8_t hash[20])
{
    struct fc_buf inner = FC_BUF_INIT;
    struct pb iw = {&inner, w->prost};
    pb_uint(&iw, 1, fid);
    pb_bytes(&iw, 2, hash, 20);
    pb_sub(w, field, &inner);
    fc_buf_cleanup(&inner);
}

static void cast_add_body(const struct sim_params *p, const struct sim_msg *m, struct pb *w)
{
    struct sim_cast c;
    struct fc_buf text = FC_BUF_INIT;
    sim_cast_content(p, m->fid, m->idx, &c, &text);
    uint64_t positions[2] = {c.positions[0], c.positions[1]};
    pb_packed(w, 2, c.mentions, c.n_mentions);
    if (c.parent_fid) {
        uint8_t h[20];
        sim_cast_hash(p, c.parent_fid, c.parent_idx, h);
        pb_cast_id(w, 3, c.parent_fid, h);
    } else if (c.parent_url >= 0) {
        const char *u = sim_channel_url((unsigned)c.parent_url);
        pb_bytes(w, 7, u, strlen(u));
    }
    pb_bytes(w, 4, text.data ? text.data : "", text.len);
    pb_packed(w, 5, positions, c.n_mentions);
    if (c.embed_url) {
        struct fc_buf url = FC_BUF_INIT, inner = FC_BUF_INIT;
        struct pb iw = {&inner, w->prost};
        sim_embed_url(m->fid, m->idx, &url);
        pb_bytes(&iw, 1, url.data, url.len);
        pb_sub(w, 6, &inner);
        fc_buf_cleanup(&url);
        fc_buf_cleanup(&inner);
    }
    if (c.embed_fid) {
        uint8_t h[20];
        struct fc_buf inner = FC_BUF_INIT;
        struct pb iw = {&inner, w->prost};
        sim_cast_hash(p, c.embed_fid, c.embed_idx, h);
        pb_cast_id(&iw, 2, c.embed_fid, h);
        pb_sub(w, 6, &inner);
        fc_buf_cleanup(&inner);
    }
    pb_uint(w, 8, c.type);
    fc_buf_cleanup(&text);
}

static void body(const struct sim_params *p, const struct sim_msg *m, struct pb *w)
{
    switch (m->type) {
    case MT_CAST_ADD: cast_add_body(p, m, w); break;
    case MT_CAST_REMOVE: {
        uint8_t h[20];
        sim_remove_target_hash(p, m, h);
        pb_bytes(w, 1, h, 20);
        break;
    }
    case MT_REACTION_ADD:
    case MT_REACTION_REMOVE:
        pb_uint(w, 1, m->sub == 2 ? 2 : 1);
        if (m->target_fid) {
            uint8_t h[20];
            sim_cast_hash(p, m->target_fid, m->target_idx, h);
            pb_cast_id(w, 2, m->target_fid, h);
        } else {
            const char *u = sim_channel_url(m->target_idx);
            pb_bytes(w, 3, u, strlen(u));
        }
        break;
    case MT_LINK_ADD:
    case MT_LINK_REMOVE:
        pb_bytes(w, 1, "follow", 6);
        pb_varint(w->b, 3 << 3); /* target_fid is a oneof member: written even when 0 */
        pb_varint(w->b, m->target_fid);
        break;
    case MT_VERIF_ADD: {
        uint8_t addr[32], bh[32], claim[65];
        size_t an = sim_verif_address(p, m, addr);
        size_t cn = sim_verif_claim(p, m, bh, claim);
        pb_bytes(w, 1, addr, an);
        pb_bytes(w, 2, claim, cn);
        pb_bytes(w, 3, bh, 32);
        /* verification type 0 (EOA) and chain id 0 are defaults: not written */
        pb_uint(w, 7, m->sub); /* protocol: 0 Ethereum, 1 Solana */
        break;
    }
    case MT_VERIF_REMOVE: {
        uint8_t addr[32];
        size_t an = sim_verif_address(p, m, addr);
        pb_bytes(w, 1, addr, an);
        pb_uint(w, 2, m->sub);
        break;
    }
    case MT_USER_DATA_ADD: {
        struct fc_buf v = FC_BUF_INIT;
        sim_userdata_value(p, m, &v);
        pb_uint(w, 1, m->sub);
        pb_bytes(w, 2, v.data ? v.data : "", v.len);
        fc_buf_cleanup(&v);
        break;
    }
    }
}

static int body_field(unsigned type)
{
    switch (type) {
    case MT_CAST_ADD: return MD_CAST_ADD;
    case MT_CAST_REMOVE: return MD_CAST_REMOVE;
    case MT_REACTION_ADD:
    case MT_REACTION_REMOVE: return MD_REACTION;
    case MT_LINK_ADD:
    case MT_LINK_REMOVE: return MD_LINK;
    case MT_VERIF_ADD: return MD_VERIF_ADD;
    case MT_VERIF_REMOVE: return MD_VERIF_REMOVE;
    case MT_USER_DATA_ADD: return MD_USER_DATA;
    }
    return 0;
}

void sim_msg_data(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *out)
{
    struct pb w = {out, m->fid % 4 == 0};
    pb_uint(&w, MD_TYPE, m->type);
    pb_uint(&w, MD_FID, m->fid);
    pb_uint(&w, MD_TIMESTAMP, m->ts);
    pb_uint(&w, MD_NETWORK, NETWORK_MAINNET);
    struct fc_buf inner = FC_BUF_INIT;
    struct pb iw = {&inner, w.prost};
    body(p, m, &iw);
    pb_sub(&w, body_field(m->type), &inner);
    fc_buf_cleanup(&inner);
}

void sim_msg_seal(const struct sim_params *p, struct sim_msg *m)
{
    struct fc_buf data = FC_BUF_INIT;
    sim_msg_data(p, m, &data);
    fc_blake3_160(data.data, data.len, m->hash);
    fc_buf_cleanup(&data);
}

/* Recently computed cast hashes; a reply's parent is often a popular cast. */
#define MEMO_SLOTS 4096
struct cast_memo {
    uint64_t seed, fid;
    uint32_t idx, ts;
    uint8_t hash[20];
    bool used;
};
static _Thread_local struct cast_memo cast_memo[MEMO_SLOTS];

static void cast_hash_at(const struct sim_params *p, uint64_t fid, uint32_t idx, uint32_t ts,
                         uint8_t out[20])
{
    struct cast_memo *e = &cast_memo[sim_hash4(p->seed, fid, idx, ts) % MEMO_SLOTS];
    if (e->used && e->seed == p->seed && e->fid == fid && e->idx == idx && e->ts == ts) {
        memcpy(out, e->hash, 20);
        return;
    }
    struct sim_msg m = {.fid = fid, .idx = idx, .ts = ts, .type = MT_CAST_ADD};
    sim_msg_seal(p, &m); /* recurses into earlier casts only: e may be reused meanwhile */
    memcpy(out, m.hash, 20);
    *e = (struct cast_memo){.seed = p->seed, .fid = fid, .idx = idx, .ts = ts, .used = true};
    memcpy(e->hash, m.hash, 20);
}

void sim_cast_hash(const struct sim_params *p, uint64_t fid, uint32_t idx, uint8_t out[20])
{
    uint32_t n = sim_count(p, fid, K_CAST);
    cast_hash_at(p, fid, idx, sim_base_ts(p, fid, K_CAST, idx, n), out);
}

void sim_remove_target_hash(const struct sim_params *p, const struct sim_msg *m, uint8_t out[20])
{
    cast_hash_at(p, m->fid, m->target_idx, m->target_ts, out);
}

/* Derived key pairs; every message needs its signer's, so they are kept. */
#define KEY_SLOTS 1024
struct key_memo {
    uint64_t seed, fid, k;
    uint8_t pk[32], sk[64];
    bool used;
};
static _Thread_local struct key_memo key_memo[KEY_SLOTS];

void sim_signer_keypair(const struct sim_params *p, uint64_t fid, uint64_t k, uint8_t pk[32],
                        uint8_t sk[64])
{
    struct key_memo *e = &key_memo[sim_hash4(p->seed, fid, k, 0x4B) % KEY_SLOTS];
    if (!(e->used && e->seed == p->seed && e->fid == fid && e->k == k)) {
        uint8_t seed[crypto_sign_SEEDBYTES];
        sim_bytes(p->seed, fid, K_SIGNER, k + 100, seed, sizeof(seed));
        e->seed = p->seed;
        e->fid = fid;
        e->k = k;
        crypto_sign_seed_keypair(e->pk, e->sk, seed);
        e->used = true;
    }
    memcpy(pk, e->pk, 32);
    if (sk)
        memcpy(sk, e->sk, 64);
}

void sim_msg_sign(const struct sim_params *p, const struct sim_msg *m, uint8_t sig[64],
                  uint8_t signer[32])
{
    uint8_t sk[64];
    sim_signer_keypair(p, m->fid, 0, signer, sk);
    crypto_sign_detached(sig, NULL, m->hash, 20, sk);
    sodium_memzero(sk, sizeof(sk));
}

void sim_msg_sign_unregistered(const struct sim_params *p, const struct sim_msg *m,
                               uint8_t sig[64], uint8_t signer[32])
{
    uint8_t sk[64];
    /* Signer numbers from 1 << 40 are never added: live adds use 1000 + t * 65536 + j. */
    sim_signer_keypair(p, m->fid, 1ull << 40, signer, sk);
    crypto_sign_detached(sig, NULL, m->hash, 20, sk);
    sodium_memzero(sk, sizeof(sk));
}
