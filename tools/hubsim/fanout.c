#include "fanout.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"
#include "render.h"
#include "sign.h"
#include "rng.h"

/* One reverse index: a sorted array of (target key, message). */
struct entry {
    uint64_t key;
    struct sim_msg msg;
};

struct fanout {
    FC_VEC(struct entry) e[4]; /* by FAN_* kind, sorted by key once built */
};

static int cmp_entry(const void *a, const void *b)
{
    const struct entry *x = a, *y = b;
    return x->key < y->key ? -1 : x->key > y->key;
}

static uint64_t hash_key(const uint8_t h[20])
{
    uint64_t k;
    memcpy(&k, h, 8);
    return k;
}

static void add(struct fanout *f, int kind, uint64_t key, const struct sim_msg *m)
{
    *fc_vec_push(&f->e[kind]) = (struct entry){key, *m};
}

static struct fanout *build(const struct sim_params *p)
{
    struct fanout *f = fc_xcalloc(1, sizeof(*f));
    for (uint64_t fid = 1; fid <= p->n_fids; fid++) {
        struct sim_fid_data *d = sim_fid_generate(p, fid);
        for (size_t i = 0; i < d->n[K_LINK]; i++)
            add(f, FAN_FOLLOWERS, d->list[K_LINK][i].target_fid, &d->list[K_LINK][i]);
        for (size_t i = 0; i < d->n[K_REACTION]; i++) {
            const struct sim_msg *m = &d->list[K_REACTION][i];
            if (!m->target_fid)
                continue;
            uint8_t h[20];
            sim_cast_hash(p, m->target_fid, m->target_idx, h);
            add(f, FAN_REACTIONS, hash_key(h), m);
        }
        for (size_t i = 0; i < d->n[K_CAST]; i++) {
            const struct sim_msg *m = &d->list[K_CAST][i];
            if (m->type != MT_CAST_ADD)
                continue;
            uint64_t pf;
            uint32_t pi;
            int url;
            sim_cast_parent(p, fid, m->idx, &pf, &pi, &url);
            if (url >= 0)
                add(f, FAN_CHANNEL, (uint64_t)url, m);
            if (!pf)
                continue;
            uint8_t h[20];
            sim_cast_hash(p, pf, pi, h);
            add(f, FAN_REPLIES, hash_key(h), m);
        }
        sim_fid_data_free(d);
    }
    for (int k = 0; k < 4; k++)
        qsort(f->e[k].p, f->e[k].n, sizeof(struct entry), cmp_entry);
    return f;
}

void fanout_free(struct fanout *f)
{
    if (!f)
        return;
    for (int k = 0; k < 4; k++)
        fc_vec_free(&f->e[k]);
    free(f);
}

/* Is (fid, idx) the cast whose hash is hash? */
static bool is_cast(const struct sim_params *p, uint64_t fid, uint32_t idx, const uint8_t hash[20])
{
    uint8_t h[20];
    sim_cast_hash(p, fid, idx, h);
    return memcmp(h, hash, 20) == 0;
}

static bool matches(const struct sim_params *p, enum fanout_kind kind, const struct sim_msg *m,
                    uint64_t target_fid, const uint8_t target_hash[20])
{
    switch (kind) {
    case FAN_FOLLOWERS:
        return m->type == MT_LINK_ADD && m->target_fid == target_fid;
    case FAN_REACTIONS:
        return m->type == MT_REACTION_ADD && m->target_fid &&
               is_cast(p, m->target_fid, m->target_idx, target_hash);
    case FAN_CHANNEL:
    case FAN_REPLIES: {
        if (m->type != MT_CAST_ADD)
            return false;
        uint64_t pf;
        uint32_t pi;
        int url;
        sim_cast_parent(p, m->fid, m->idx, &pf, &pi, &url);
        if (kind == FAN_CHANNEL)
            return url >= 0 && (uint64_t)url == target_fid;
        return pf && is_cast(p, pf, pi, target_hash);
    }
    }
    return false;
}

/* Is base message m still listed by its author's *ByFid endpoint? Only a
 * live deletion takes it away; asking that does not generate the author. */
static bool still_live(struct sim_state *s, const struct sim_msg *m)
{
    return !sim_state_deleted(s, m->fid, m->hash);
}

size_t fanout_query(struct sim_state *s, struct fanout **index, enum fanout_kind kind,
                    uint64_t target_fid, const uint8_t target_hash[20], struct sim_msg **out)
{
    if (!*index)
        *index = build(&s->p);
    struct fanout *f = *index;
    enum sim_kind k = kind == FAN_FOLLOWERS ? K_LINK : kind == FAN_REACTIONS ? K_REACTION : K_CAST;
    uint64_t key = kind == FAN_FOLLOWERS || kind == FAN_CHANNEL ? target_fid : hash_key(target_hash);
    FC_VEC(struct sim_msg) res = {0};
    /* base history: binary search the sorted index */
    size_t lo = 0, hi = f->e[kind].n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (f->e[kind].p[mid].key < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    for (size_t i = lo; i < f->e[kind].n && f->e[kind].p[i].key == key; i++) {
        const struct sim_msg *m = &f->e[kind].p[i].msg;
        if (!matches(&s->p, kind, m, target_fid, target_hash) || !still_live(s, m))
            continue;
        *fc_vec_push(&res) = *m;
    }
    /* live additions: scan the fids the stream touched */
    for (uint64_t fid = 1; fid <= s->p.n_fids; fid++) {
        struct sim_msg *list;
        size_t ln = 0;
        if (!sim_state_touched(s, fid))
            continue; /* untouched: already covered by the index */
        ln = sim_state_list(s, fid, k, &list);
        for (size_t i = 0; i < ln; i++) {
            if (list[i].idx < sim_count(&s->p, fid, k))
                continue; /* base message: the index has it */
            if (!matches(&s->p, kind, &list[i], target_fid, target_hash))
                continue;
            *fc_vec_push(&res) = list[i];
        }
        free(list);
    }
    *out = res.p;
    return res.n;
}
