#include "model.h"

#include <math.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "rng.h"
#include "sign.h"

static const char *const channels[SIM_N_CHANNELS] = {
    "https://warpcast.com/~/channel/farcaster", "https://warpcast.com/~/channel/dev",
    "https://warpcast.com/~/channel/base",      "https://warpcast.com/~/channel/memes",
    "https://warpcast.com/~/channel/music",     "https://warpcast.com/~/channel/art",
    "chain://eip155:1/erc721:0xca21d4228cdcc68d4e23807e5e370c07577dd152",
    "chain://eip155:8453/erc721:0x7a8eb3ed2e0c0f76c0e1e9e2c5e6a1ef12ac0de1",
};

static const char *const name_words[] = {
    "alice", "bob", "carol", "dan", "erin", "frank", "grace", "heidi", "ivan", "judy",
    "mallory", "nina", "oscar", "peggy", "rupert", "sybil", "trent", "victor", "walter", "zoe",
};

const char *sim_channel_url(unsigned i)
{
    return channels[i % SIM_N_CHANNELS];
}

unsigned sim_shard_of(uint64_t fid, unsigned shards)
{
    uint8_t in[4] = {(uint8_t)(fid >> 24), (uint8_t)(fid >> 16), (uint8_t)(fid >> 8), (uint8_t)fid};
    uint8_t out[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(out, in, sizeof(in));
    uint32_t v = (uint32_t)out[0] << 24 | (uint32_t)out[1] << 16 | (uint32_t)out[2] << 8 | out[3];
    return (unsigned)(v % shards) + 1;
}

bool sim_fid_exists(const struct sim_params *p, uint64_t fid)
{
    if (fid >= 1 && fid <= p->n_fids)
        return true;
    for (size_t i = 0; i < p->n_apps; i++)
        if (p->apps[i] == fid)
            return true;
    return false;
}

uint32_t sim_count(const struct sim_params *p, uint64_t fid, enum sim_kind kind)
{
    uint64_t h = sim_hash4(p->seed, fid, K_COUNT, (uint64_t)kind);
    double u = sim_unit(h);
    double base, cap = SIM_MAX_COUNT;
    switch (kind) {
    case K_CAST: base = 6; break;
    case K_REACTION: base = 8; break;
    case K_LINK:
        base = 10;
        cap = 5000;
        if ((double)p->n_fids - 1 < cap)
            cap = (double)p->n_fids - 1;
        break;
    case K_VERIF: return (uint32_t)(h % 3);
    default: return 0;
    }
    /* Pareto with alpha 1.2: most accounts tens of messages, a few tens of thousands. */
    double n = floor(base * pow(u, -1.0 / 1.2));
    if (n > cap)
        n = cap;
    if (n < 0)
        n = 0;
    return (uint32_t)n;
}

uint64_t sim_popular_fid(const struct sim_params *p, uint64_t h)
{
    uint64_t n = p->n_fids;
    if (n <= 1)
        return 1;
    /* Log-uniform rank: P(rank r) ~ 1/r, so a few ranks take a large share. */
    double u = sim_unit(h);
    uint64_t r = (uint64_t)floor(exp(u * log((double)n + 1.0)));
    if (r < 1)
        r = 1;
    if (r > n)
        r = n;
    /* Map ranks to fids with a fixed permutation so popular fids are spread out. */
    uint64_t a = (n % 1000003) ? 1000003 : 999983;
    return ((r - 1) * a + (p->seed % n)) % n + 1;
}

bool sim_cast_removed(const struct sim_params *p, uint64_t fid, uint32_t idx)
{
    return sim_hash4(p->seed, fid, K_FLAG, (uint64_t)idx << 8 | K_CAST) % 20 == 0;
}

uint32_t sim_base_ts(const struct sim_params *p, uint64_t fid, unsigned kind, uint32_t idx,
                     uint32_t count)
{
    uint64_t h = sim_hash4(p->seed, fid, K_TIME, kind);
    uint32_t start = SIM_T0 - SIM_HISTORY_SPAN + (uint32_t)(h % (SIM_HISTORY_SPAN / 4));
    uint32_t step = (SIM_T0 - 3600 - start) / (count + 1);
    uint64_t j = sim_hash4(p->seed, fid, K_TIME, (uint64_t)idx << 8 | kind);
    return start + idx * step + (uint32_t)(j % (step / 2 + 1));
}

/* Open-addressing set of 64-bit keys for de-duplicating CRDT keys. */
struct keyset {
    uint64_t *slots;
    size_t cap;
};

static bool keyset_add(struct keyset *s, uint64_t key)
{
    key |= 1; /* 0 marks an empty slot */
    size_t i = sim_mix(key) & (s->cap - 1);
    while (s->slots[i]) {
        if (s->slots[i] == key)
            return false;
        i = (i + 1) & (s->cap - 1);
    }
    s->slots[i] = key;
    return true;
}

static void keyset_init(struct keyset *s, size_t n)
{
    s->cap = 64;
    while (s->cap < n * 2 + 2)
        s->cap *= 2;
    s->slots = fc_xcalloc(s->cap, sizeof(uint64_t));
}

/* Appends d's next message of kind k: the fid's idx-th of that kind, of
 * type type, every other field zero. */
static struct sim_msg *push(struct sim_fid_data *d, enum sim_kind k, size_t *cap, uint32_t idx,
                            uint8_t type)
{
    if (d->n[k] == cap[k]) {
        cap[k] = cap[k] ? cap[k] * 2 : 16;
        d->list[k] = fc_xrealloc(d->list[k], cap[k] * sizeof(struct sim_msg));
    }
    struct sim_msg *m = &d->list[k][d->n[k]++];
    memset(m, 0, sizeof(*m));
    m->fid = d->fid;
    m->idx = idx;
    m->type = type;
    return m;
}

static const uint8_t userdata_types[] = {6, 2, 1, 3, 5, 7, 8, 9};
static const uint8_t userdata_pct[] = {100, 90, 80, 70, 30, 20, 30, 20};

struct sim_fid_data *sim_fid_generate(const struct sim_params *p, uint64_t fid)
{
    struct sim_fid_data *d = fc_xcalloc(1, sizeof(*d));
    size_t cap[K_NKINDS] = {0};
    d->fid = fid;

    uint32_t nc = sim_count(p, fid, K_CAST);
    for (uint32_t i = 0; i < nc; i++) {
        uint32_t ts = sim_base_ts(p, fid, K_CAST, i, nc);
        bool removed = sim_cast_removed(p, fid, i);
        struct sim_msg *m = push(d, K_CAST, cap, i, removed ? MT_CAST_REMOVE : MT_CAST_ADD);
        if (removed) {
            uint64_t h = sim_hash4(p->seed, fid, K_CAST_REMOVE, i);
            m->ts = ts + 1 + (uint32_t)(h % 60);
            m->target_idx = i;
            m->target_ts = ts;
        } else {
            m->ts = ts;
        }
        sim_msg_seal(p, m);
    }

    uint32_t nr = sim_count(p, fid, K_REACTION);
    struct keyset seen;
    keyset_init(&seen, nr);
    for (uint32_t i = 0; i < nr; i++) {
        uint64_t h = sim_hash4(p->seed, fid, K_REACTION, i);
        if (h % 20 == 7)
            continue; /* removed later by its author: the hub lists only adds */
        uint8_t rtype = (h >> 8) % 5 == 0 ? 2 : 1;
        uint64_t tf = 0;
        uint32_t ti;
        if ((h >> 16) % 20 == 0) {
            ti = (uint32_t)((h >> 24) % SIM_N_CHANNELS); /* URL target */
        } else {
            tf = sim_popular_fid(p, sim_mix(h));
            uint32_t tc = sim_count(p, tf, K_CAST);
            if (tc == 0)
                continue;
            ti = (uint32_t)(sim_mix(h ^ 0x5151) % tc);
        }
        if (!keyset_add(&seen, (uint64_t)rtype << 60 ^ tf << 20 ^ ti ^ (tf ? 0 : 1ull << 59)))
            continue; /* same (type, target) twice: the hub keeps one */
        struct sim_msg *m = push(d, K_REACTION, cap, i, MT_REACTION_ADD);
        m->sub = rtype;
        m->target_fid = tf;
        m->target_idx = ti;
        m->ts = sim_base_ts(p, fid, K_REACTION, i, nr);
        sim_msg_seal(p, m);
    }
    free(seen.slots);

    uint32_t nl = sim_count(p, fid, K_LINK);
    keyset_init(&seen, nl);
    for (uint32_t i = 0; i < nl; i++) {
        uint64_t h = sim_hash4(p->seed, fid, K_LINK, i);
        uint64_t tf = sim_popular_fid(p, h);
        if (tf == fid || !keyset_add(&seen, tf) || (h >> 32) % 20 == 3)
            continue; /* self, duplicate, or unfollowed since */
        struct sim_msg *m = push(d, K_LINK, cap, i, MT_LINK_ADD);
        m->target_fid = tf;
        m->ts = sim_base_ts(p, fid, K_LINK, i, nl);
        sim_msg_seal(p, m);
    }
    free(seen.slots);

    uint32_t nv = sim_count(p, fid, K_VERIF);
    for (uint32_t i = 0; i < nv; i++) {
        struct sim_msg *m = push(d, K_VERIF, cap, i, MT_VERIF_ADD);
        m->sub = sim_hash4(p->seed, fid, K_VERIF, i) % 5 == 0 ? 1 : 0; /* Solana : Ethereum */
        m->ts = sim_base_ts(p, fid, K_VERIF, i, nv);
        sim_msg_seal(p, m);
    }

    uint32_t nu = 0;
    for (uint32_t i = 0; i < sizeof(userdata_types); i++)
        if (sim_hash4(p->seed, fid, K_USERDATA, userdata_types[i]) % 100 < userdata_pct[i])
            nu++;
    uint32_t k = 0;
    for (uint32_t i = 0; i < sizeof(userdata_types); i++) {
        if (sim_hash4(p->seed, fid, K_USERDATA, userdata_types[i]) % 100 >= userdata_pct[i])
            continue;
        struct sim_msg *m = push(d, K_USERDATA, cap, k, MT_USER_DATA_ADD);
        m->sub = userdata_types[i];
        m->ts = sim_base_ts(p, fid, K_USERDATA, k, nu);
        sim_msg_seal(p, m);
        k++;
    }
    return d;
}

void sim_fid_data_free(struct sim_fid_data *d)
{
    if (!d)
        return;
    for (int k = 0; k < K_NKINDS; k++)
        free(d->list[k]);
    free(d);
}

void sim_custody(const struct sim_params *p, uint64_t fid, uint8_t out[20])
{
    sim_bytes(p->seed, fid, K_CUSTODY, 0, out, 20);
}

bool sim_custody_transferred(const struct sim_params *p, uint64_t fid)
{
    (void)p;
    return fid % 3 == 0;
}

bool sim_recovery_changed(const struct sim_params *p, uint64_t fid)
{
    (void)p;
    return fid % 4 == 0;
}

void sim_first_custody(const struct sim_params *p, uint64_t fid, uint8_t out[20])
{
    if (sim_custody_transferred(p, fid))
        sim_bytes(p->seed, fid, K_CUSTODY, 2, out, 20);
    else
        sim_custody(p, fid, out);
}

void sim_first_recovery(const struct sim_params *p, uint64_t fid, uint8_t out[20])
{
    sim_bytes(p->seed, fid, K_CUSTODY, 1, out, 20);
}

void sim_recovery(const struct sim_params *p, uint64_t fid, uint8_t out[20])
{
    if (sim_recovery_changed(p, fid))
        sim_bytes(p->seed, fid, K_CUSTODY, 3, out, 20);
    else
        sim_first_recovery(p, fid, out);
}

uint64_t sim_register_block(const struct sim_params *p, uint64_t fid)
{
    (void)p;
    return 110000000ull + fid * 7 % 20000000ull;
}

size_t sim_signers(const struct sim_params *p, uint64_t fid, struct sim_signer out[SIM_MAX_SIGNERS])
{
    uint64_t h = sim_hash4(p->seed, fid, K_SIGNER, 0);
    size_t n = 1 + h % SIM_MAX_SIGNERS;
    uint64_t block = sim_register_block(p, fid);
    for (size_t k = 0; k < n; k++) {
        uint64_t hk = sim_hash4(p->seed, fid, K_SIGNER, k + 1);
        struct sim_signer *s = &out[k];
        sim_signer_keypair(p, fid, k, s->key, NULL);
        bool app = p->n_apps && (k == 0 ? hk % 10 < 7 : hk % 2 == 0);
        s->app_fid = app ? p->apps[(hk >> 8) % p->n_apps] : sim_popular_fid(p, hk);
        s->block_number = block + 10 + k * 1000;
        s->log_index = (uint32_t)(hk >> 20) % 200;
        s->removed = k > 0 && (hk >> 40) % 100 < 15;
        s->remove_block = s->block_number + 500;
    }
    return n;
}

void sim_username(const struct sim_params *p, uint64_t fid, char out[32])
{
    uint64_t h = sim_hash4(p->seed, fid, K_USERDATA, 6);
    snprintf(out, 32, "%s%llu", name_words[h % (sizeof(name_words) / sizeof(name_words[0]))],
             (unsigned long long)fid);
}
