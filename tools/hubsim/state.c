#include "state.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"
#include "fc/types.h"
#include "rng.h"
#include "sign.h"

struct sim_overlay {
    uint64_t fid;
    FC_VEC(struct sim_msg) added[K_NKINDS];
    uint8_t (*deleted)[20]; /* open-addressing set; all-zero = empty slot */
    size_t n_deleted, cap_deleted;
    FC_VEC(struct sim_signer) signers;
    uint32_t next_idx[K_NKINDS];
    /* the removes fid made in the second removes_ts (a re-add in that second
     * ties with them, and a hub keeps the remove) */
    FC_VEC(struct sim_msg) removes;
    uint32_t removes_ts;
};

void sim_state_init(struct sim_state *s, const struct sim_params *p, uint32_t retention_ticks,
                    uint32_t events_per_tick)
{
    memset(s, 0, sizeof(*s));
    s->p = *p;
    pthread_mutex_init(&s->lock, NULL);
    s->retention_ticks = retention_ticks;
    s->events_per_tick = events_per_tick;
    s->n_logs = p->flavour == SIM_SNAPCHAIN ? p->shards : 1;
    s->overlay_cap = 1024;
    s->overlays = fc_xcalloc(s->overlay_cap, sizeof(*s->overlays));
}

static void overlay_free(struct sim_overlay *o)
{
    for (int k = 0; k < K_NKINDS; k++)
        fc_vec_free(&o->added[k]);
    free(o->deleted);
    fc_vec_free(&o->signers);
    fc_vec_free(&o->removes);
    free(o);
}

void sim_state_cleanup(struct sim_state *s)
{
    for (size_t i = 0; i < sizeof(s->cache) / sizeof(s->cache[0]); i++)
        sim_fid_data_free(s->cache[i].data);
    for (size_t i = 0; i < s->overlay_cap; i++)
        if (s->overlays[i])
            overlay_free(s->overlays[i]);
    free(s->overlays);
    for (size_t i = 0; i < s->n_logs; i++)
        free(s->logs[i].ev);
    pthread_mutex_destroy(&s->lock);
}

static struct sim_fid_data *fid_data(struct sim_state *s, uint64_t fid)
{
    size_t n = sizeof(s->cache) / sizeof(s->cache[0]), victim = 0;
    for (size_t i = 0; i < n; i++) {
        if (s->cache[i].data && s->cache[i].fid == fid) {
            s->cache[i].used = ++s->clock;
            return s->cache[i].data;
        }
        if (s->cache[i].used < s->cache[victim].used)
            victim = i;
    }
    sim_fid_data_free(s->cache[victim].data);
    s->cache[victim].fid = fid;
    s->cache[victim].data = sim_fid_generate(&s->p, fid);
    s->cache[victim].used = ++s->clock;
    return s->cache[victim].data;
}

static struct sim_overlay *overlay_find(struct sim_state *s, uint64_t fid, bool create)
{
    size_t i = sim_mix(fid) & (s->overlay_cap - 1);
    while (s->overlays[i]) {
        if (s->overlays[i]->fid == fid)
            return s->overlays[i];
        i = (i + 1) & (s->overlay_cap - 1);
    }
    if (!create)
        return NULL;
    if ((s->n_overlays + 1) * 2 > s->overlay_cap) {
        struct sim_overlay **old = s->overlays;
        size_t old_cap = s->overlay_cap;
        s->overlay_cap *= 2;
        s->overlays = fc_xcalloc(s->overlay_cap, sizeof(*s->overlays));
        for (size_t k = 0; k < old_cap; k++) {
            if (!old[k])
                continue;
            size_t j = sim_mix(old[k]->fid) & (s->overlay_cap - 1);
            while (s->overlays[j])
                j = (j + 1) & (s->overlay_cap - 1);
            s->overlays[j] = old[k];
        }
        free(old);
        return overlay_find(s, fid, true);
    }
    struct sim_overlay *o = fc_xcalloc(1, sizeof(*o));
    o->fid = fid;
    for (int k = 0; k < K_NKINDS; k++)
        o->next_idx[k] = k == K_USERDATA ? 64 : sim_count(&s->p, fid, (enum sim_kind)k);
    s->overlays[i] = o;
    s->n_overlays++;
    return o;
}

static const uint8_t zero_hash[20];

static size_t slot_of(const uint8_t hash[20], size_t cap)
{
    uint64_t h;
    memcpy(&h, hash, 8);
    return sim_mix(h) & (cap - 1);
}

static bool is_deleted(const struct sim_overlay *o, const uint8_t hash[20])
{
    if (!o || !o->n_deleted)
        return false;
    for (size_t i = slot_of(hash, o->cap_deleted);; i = (i + 1) & (o->cap_deleted - 1)) {
        if (memcmp(o->deleted[i], hash, 20) == 0)
            return true;
        if (memcmp(o->deleted[i], zero_hash, 20) == 0)
            return false;
    }
}

size_t sim_state_list(struct sim_state *s, uint64_t fid, enum sim_kind kind, struct sim_msg **out)
{
    struct sim_fid_data *d = fid_data(s, fid);
    struct sim_overlay *o = overlay_find(s, fid, false);
    size_t total = d->n[kind] + (o ? o->added[kind].n : 0), n = 0;
    struct sim_msg *list = fc_xmalloc((total ? total : 1) * sizeof(*list));
    for (size_t i = 0; i < d->n[kind]; i++)
        if (!is_deleted(o, d->list[kind][i].hash))
            list[n++] = d->list[kind][i];
    for (size_t i = 0; o && i < o->added[kind].n; i++)
        if (!is_deleted(o, o->added[kind].p[i].hash))
            list[n++] = o->added[kind].p[i];
    *out = list;
    return n;
}

bool sim_state_base_view(struct sim_state *s, uint64_t fid, enum sim_kind kind,
                         const struct sim_msg **out, size_t *n)
{
    if (overlay_find(s, fid, false))
        return false;
    struct sim_fid_data *d = fid_data(s, fid);
    *out = d->list[kind];
    *n = d->n[kind];
    return true;
}

bool sim_state_touched(struct sim_state *s, uint64_t fid)
{
    return overlay_find(s, fid, false) != NULL;
}

bool sim_state_deleted(struct sim_state *s, uint64_t fid, const uint8_t hash[20])
{
    return is_deleted(overlay_find(s, fid, false), hash);
}

size_t sim_state_signers(struct sim_state *s, uint64_t fid, struct sim_signer **out)
{
    struct sim_signer base[SIM_MAX_SIGNERS];
    size_t nb = sim_signers(&s->p, fid, base);
    struct sim_overlay *o = overlay_find(s, fid, false);
    size_t extra = o ? o->signers.n : 0;
    struct sim_signer *all = fc_xmalloc((nb + extra) * sizeof(*all));
    memcpy(all, base, nb * sizeof(*all));
    if (extra)
        memcpy(all + nb, o->signers.p, extra * sizeof(*all));
    *out = all;
    return nb + extra;
}

struct sim_event_log *sim_state_log(struct sim_state *s, unsigned shard)
{
    if (s->p.flavour == SIM_HUBBLE)
        return shard == 0 ? &s->logs[0] : NULL;
    if (shard < 1 || shard > s->n_logs)
        return NULL;
    return &s->logs[shard - 1];
}

uint64_t sim_state_height(const struct sim_state *s)
{
    return SIM_H0 + s->head_tick;
}

static void overlay_add(struct sim_overlay *o, enum sim_kind k, const struct sim_msg *m)
{
    *fc_vec_push(&o->added[k]) = *m;
}

static void set_insert(uint8_t (*set)[20], size_t cap, const uint8_t hash[20])
{
    size_t i = slot_of(hash, cap);
    while (memcmp(set[i], zero_hash, 20) != 0) {
        if (memcmp(set[i], hash, 20) == 0)
            return;
        i = (i + 1) & (cap - 1);
    }
    memcpy(set[i], hash, 20);
}

static void overlay_delete(struct sim_overlay *o, const uint8_t hash[20])
{
    if (is_deleted(o, hash))
        return;
    if ((o->n_deleted + 1) * 2 > o->cap_deleted) {
        size_t cap = o->cap_deleted ? o->cap_deleted * 2 : 16;
        uint8_t(*set)[20] = fc_xcalloc(cap, 20);
        for (size_t i = 0; i < o->cap_deleted; i++)
            if (memcmp(o->deleted[i], zero_hash, 20) != 0)
                set_insert(set, cap, o->deleted[i]);
        free(o->deleted);
        o->deleted = set;
        o->cap_deleted = cap;
    }
    set_insert(o->deleted, o->cap_deleted, hash);
    o->n_deleted++;
}

static struct sim_event *log_push(struct sim_event_log *log)
{
    if (log->len == log->cap) {
        /* Reclaim the space of events past retention before growing. */
        if (log->start > log->len / 2) {
            memmove(log->ev, log->ev + log->start, (log->len - log->start) * sizeof(*log->ev));
            log->len -= log->start;
            log->start = 0;
        }
        if (log->len == log->cap) {
            log->cap = log->cap ? log->cap * 2 : 1024;
            log->ev = fc_xrealloc(log->ev, log->cap * sizeof(*log->ev));
        }
    }
    struct sim_event *e = &log->ev[log->len++];
    memset(e, 0, sizeof(*e));
    return e;
}

/* The event that takes back add `prev` (an unlike, an unfollow): a remove
 * message with the same key, merged with prev in deletedMessages. */
static void retract(struct sim_state *s, struct sim_overlay *o, const struct sim_msg *prev,
                    uint8_t remove_type, uint32_t ts, struct sim_event *ev)
{
    struct sim_msg m = *prev;
    m.type = remove_type;
    m.ts = ts;
    sim_msg_seal(&s->p, &m);
    ev->deleted = *prev;
    ev->has_deleted = 1;
    overlay_delete(o, prev->hash);
    ev->msg = m;
    if (o->removes_ts != ts)
        o->removes.n = 0;
    o->removes_ts = ts;
    *fc_vec_push(&o->removes) = m;
}

/* Whether a and b, two reactions or two links, have the same key: a
 * reaction's type and target, a link's target. */
static bool same_key(const struct sim_msg *a, const struct sim_msg *b, bool reactions)
{
    return a->target_fid == b->target_fid &&
           (!reactions || (a->sub == b->sub && a->target_idx == b->target_idx));
}

/* Whether add would tie with a remove of the same key that fid made in the
 * same second: a remove wins a tie, so a hub rejects such an add. */
static bool ties_with_remove(const struct sim_overlay *o, const struct sim_msg *add)
{
    for (size_t i = 0; o->removes_ts == add->ts && i < o->removes.n; i++) {
        const struct sim_msg *r = &o->removes.p[i];
        bool reactions = r->type == MT_REACTION_REMOVE && add->type == MT_REACTION_ADD;
        bool links = r->type == MT_LINK_REMOVE && add->type == MT_LINK_ADD;
        if ((reactions || links) && same_key(r, add, reactions))
            return true;
    }
    return false;
}

/* add (a reaction or a link by its fid, key set) as a live change: fid's
 * message of the same key taken back when there is one, otherwise add
 * merged unless it ties with a remove (false then). */
static bool toggle(struct sim_state *s, struct sim_overlay *o, enum sim_kind k,
                   struct sim_msg *add, uint8_t remove_type, struct sim_event *ev)
{
    struct sim_msg *list;
    size_t n = sim_state_list(s, add->fid, k, &list);
    for (size_t i = 0; i < n; i++) {
        if (same_key(&list[i], add, k == K_REACTION)) {
            retract(s, o, &list[i], remove_type, add->ts, ev);
            free(list);
            return true;
        }
    }
    free(list);
    if (ties_with_remove(o, add))
        return false;
    add->idx = o->next_idx[k]++;
    sim_msg_seal(&s->p, add);
    overlay_add(o, k, add);
    ev->msg = *add;
    return true;
}

/* Whether user data `add` loses to `cur` for the same field: an older
 * timestamp, or the same one and a lower hash (last write wins by
 * (timestamp, hash)); a hub rejects such a message. */
static bool loses_to(const struct sim_msg *add, const struct sim_msg *cur)
{
    return add->ts < cur->ts || (add->ts == cur->ts && memcmp(add->hash, cur->hash, 20) < 0);
}

/* One live change by fid at tick t; fills ev (type, msg, deleted) or
 * returns false when nothing applies. */
static bool live_change(struct sim_state *s, uint32_t t, uint32_t j, struct sim_event *ev)
{
    const struct sim_params *p = &s->p;
    uint64_t h = sim_hash4(p->seed, 0x11FE, t, j);
    uint64_t fid = 1 + h % p->n_fids;
    unsigned action = (unsigned)((h >> 32) % 100);
    uint32_t ts = SIM_T0 + t;
    struct sim_overlay *o = overlay_find(s, fid, true);
    struct sim_msg *list = NULL, m;
    size_t n;
    memset(&m, 0, sizeof(m));
    m.fid = fid;
    m.ts = ts;
    ev->type = EV_MERGE_MESSAGE;

    if (action >= 30 && action < 55) { /* react, or take a reaction back */
        uint64_t tf = sim_popular_fid(p, sim_mix(h));
        uint32_t tc = sim_count(p, tf, K_CAST);
        if (!tc)
            return false;
        uint32_t ti = (uint32_t)(sim_mix(h ^ 77) % tc);
        m.type = MT_REACTION_ADD;
        m.sub = (h >> 8) % 5 == 0 ? 2 : 1;
        m.target_fid = tf;
        m.target_idx = ti;
        return toggle(s, o, K_REACTION, &m, MT_REACTION_REMOVE, ev);
    } else if (action >= 55 && action < 70) { /* follow, or unfollow */
        uint64_t tf = sim_popular_fid(p, sim_mix(h ^ 3));
        if (tf == fid)
            return false;
        m.type = MT_LINK_ADD;
        m.target_fid = tf;
        return toggle(s, o, K_LINK, &m, MT_LINK_REMOVE, ev);
    } else if (action >= 70 && action < 82 && action != 76) {
        /* remove (70-75), prune (77-79) or revoke (80-81) one of fid's live casts */
        n = sim_state_list(s, fid, K_CAST, &list);
        size_t live = 0;
        for (size_t i = 0; i < n; i++)
            live += list[i].type == MT_CAST_ADD;
        if (!live) {
            free(list);
            return false;
        }
        size_t pick = action >= 77 && action < 80 ? 0 : (size_t)(sim_mix(h) % live);
        struct sim_msg victim = {0};
        for (size_t i = 0, k = 0; i < n; i++) {
            if (list[i].type != MT_CAST_ADD)
                continue;
            if (k++ == pick) {
                victim = list[i];
                break;
            }
        }
        free(list);
        overlay_delete(o, victim.hash);
        if (action < 76) {
            m.type = MT_CAST_REMOVE;
            m.idx = victim.idx;
            m.target_idx = victim.idx;
            m.target_ts = victim.ts;
            sim_msg_seal(p, &m);
            overlay_add(o, K_CAST, &m);
            ev->deleted = victim;
            ev->has_deleted = 1;
        } else {
            ev->type = action < 80 ? EV_PRUNE_MESSAGE : EV_REVOKE_MESSAGE;
            m = victim;
        }
    } else if (action == 76 || (action >= 82 && action < 87)) { /* profile bio change */
        m.type = MT_USER_DATA_ADD;
        m.sub = 3;
        m.idx = o->next_idx[K_USERDATA];
        sim_msg_seal(p, &m);
        n = sim_state_list(s, fid, K_USERDATA, &list);
        for (size_t i = 0; i < n; i++) {
            if (list[i].sub == 3 && loses_to(&m, &list[i])) {
                free(list); /* a second change in the same second, with a lower hash */
                return false;
            }
        }
        for (size_t i = 0; i < n; i++) {
            if (list[i].sub == 3) {
                ev->deleted = list[i];
                ev->has_deleted = 1;
                overlay_delete(o, list[i].hash);
            }
        }
        free(list);
        o->next_idx[K_USERDATA]++;
        overlay_add(o, K_USERDATA, &m);
    } else if (action >= 87 && action < 91) { /* a new signer, from one of the apps */
        struct sim_signer sg = {0};
        /* signer numbers past the base ones: 900 + ... keeps the keys these ticks had */
        sim_signer_keypair(p, fid, 900 + (uint64_t)t * 65536 + j, sg.key, NULL);
        sg.app_fid = p->n_apps ? p->apps[(h >> 12) % p->n_apps] : sim_popular_fid(p, h);
        sg.block_number = 140000000ull + t;
        sg.log_index = j % 1000;
        *fc_vec_push(&o->signers) = sg;
        ev->type = EV_MERGE_ON_CHAIN_EVENT;
        ev->signer = sg;
        m.type = 0;
    } else if (action >= 91 && action < 94) {
        m.type = MT_VERIF_ADD;
        m.sub = (h >> 4) % 5 == 0;
        m.idx = o->next_idx[K_VERIF]++;
        sim_msg_seal(p, &m);
        overlay_add(o, K_VERIF, &m);
    } else { /* a new cast (0-29, 94-99): text, replies, channels, mentions */
        m.type = MT_CAST_ADD;
        m.idx = o->next_idx[K_CAST]++;
        sim_msg_seal(p, &m);
        overlay_add(o, K_CAST, &m);
    }
    ev->msg = m;
    return true;
}

static void finish_block(struct sim_state *s, unsigned shard, uint32_t t, struct sim_event *block,
                         size_t n)
{
    struct sim_event_log *log = &s->logs[s->p.flavour == SIM_SNAPCHAIN ? shard - 1 : 0];
    if (s->p.flavour == SIM_SNAPCHAIN) {
        uint64_t height = SIM_H0 + t;
        struct sim_event *bc = log_push(log);
        bc->type = EV_BLOCK_CONFIRMED;
        bc->tick = t;
        bc->shard = (uint16_t)shard;
        bc->id = fc_snapchain_first_event_id(height);
        bc->total_events = (uint32_t)n + 1;
        for (size_t i = 0; i < n && i < 16383; i++) {
            struct sim_event *e = log_push(log);
            *e = block[i];
            e->tick = t;
            e->shard = (uint16_t)shard;
            e->id = fc_snapchain_first_event_id(height) | (i + 1);
        }
    } else {
        uint64_t fc_ms = (uint64_t)(SIM_T0 + t) * 1000ull;
        for (size_t i = 0; i < n; i++) {
            struct sim_event *e = log_push(log);
            *e = block[i];
            e->tick = t;
            e->id = (fc_ms + i / 4096) << 12 | (i % 4096);
        }
    }
}

void sim_state_advance(struct sim_state *s, uint32_t count)
{
    size_t nlogs = s->n_logs;
    struct sim_event **blocks = fc_xcalloc(nlogs, sizeof(*blocks));
    size_t *nb = fc_xcalloc(nlogs, sizeof(*nb));
    for (size_t i = 0; i < nlogs; i++)
        blocks[i] = fc_xcalloc(s->events_per_tick + 1, sizeof(**blocks));
    for (uint32_t c = 0; c < count; c++) {
        uint32_t t = ++s->head_tick;
        memset(nb, 0, nlogs * sizeof(*nb));
        for (uint32_t j = 0; j < s->events_per_tick; j++) {
            struct sim_event ev;
            memset(&ev, 0, sizeof(ev));
            if (!live_change(s, t, j, &ev))
                continue;
            uint64_t fid = ev.msg.fid ? ev.msg.fid : 0;
            if (!fid) /* on-chain event: the signer's fid */
                fid = 1 + sim_hash4(s->p.seed, 0x11FE, t, j) % s->p.n_fids;
            ev.msg.fid = ev.msg.fid ? ev.msg.fid : fid;
            unsigned shard = s->p.flavour == SIM_SNAPCHAIN ? sim_shard_of(fid, s->p.shards) : 1;
            blocks[shard - 1][nb[shard - 1]++] = ev;
        }
        for (size_t i = 0; i < nlogs; i++)
            finish_block(s, (unsigned)i + 1, t, blocks[i], nb[i]);
        /* Retention: drop events older than the window, as real hubs do. */
        for (size_t i = 0; i < nlogs; i++) {
            struct sim_event_log *log = &s->logs[i];
            while (log->start < log->len && log->ev[log->start].tick + s->retention_ticks < t)
                log->start++;
        }
    }
    for (size_t i = 0; i < nlogs; i++)
        free(blocks[i]);
    free(blocks);
    free(nb);
}
