#include "api/cache.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/cond.h"
#include "core/fctime.h"
#include "core/hash.h"

#define GEN_SLOTS (1u << 18) /* collisions only cost an extra refill */
#define WAIT_MS 5000         /* a fill taking longer is not waited for */
#define RECENT 4096          /* invalidations whose arrival time is remembered */

struct entry {
    char *key;
    uint64_t hash;
    int status;
    char *body;
    size_t len;
    int64_t expires_ms;
    uint64_t fill_seq; /* invalidation sequence when the fill began */
    uint64_t *fids;
    size_t n_fids;
    bool all, filling;
    struct entry *hnext;      /* bucket chain */
    struct entry *prev, *next; /* LRU list, most recent first */
};

struct fc_cache {
    pthread_mutex_t lock;
    pthread_cond_t filled;
    struct entry **buckets;
    size_t mask;
    struct entry lru; /* sentinel */
    size_t entries, bytes, max_entries, max_bytes;
    _Atomic uint64_t seq, any_gen, clear_gen;
    _Atomic uint64_t *gen;
    /* when the last RECENT invalidations arrived (a ring, under lock) */
    struct {
        int64_t at_ms;
        uint64_t seq;
    } recent[RECENT];
    size_t recent_next, recent_n;
    struct fc_cache_stats st;
};

static size_t slot_of(uint64_t fid)
{
    return (size_t)((fid * 0x9E3779B97F4A7C15ULL) >> 46) & (GEN_SLOTS - 1);
}

void fc_cache_value_depend(struct fc_cache_value *v, uint64_t fid)
{
    *fc_vec_push(&v->fids) = fid;
}

struct fc_cache *fc_cache_new(size_t max_entries, size_t max_bytes)
{
    struct fc_cache *c = fc_xcalloc(1, sizeof(*c));
    size_t nb = 64;
    while (nb < max_entries * 2)
        nb *= 2;
    c->buckets = fc_xcalloc(nb, sizeof(*c->buckets));
    c->mask = nb - 1;
    c->max_entries = max_entries ? max_entries : 1;
    c->max_bytes = max_bytes;
    c->lru.prev = c->lru.next = &c->lru;
    c->gen = fc_xcalloc(GEN_SLOTS, sizeof(*c->gen));
    pthread_mutex_init(&c->lock, NULL);
    fc_cond_init_monotonic(&c->filled);
    return c;
}

static void entry_free(struct entry *e)
{
    free(e->key);
    free(e->body);
    free(e->fids);
    free(e);
}

void fc_cache_free(struct fc_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i <= c->mask; i++)
        for (struct entry *e = c->buckets[i], *n; e; e = n) {
            n = e->hnext;
            entry_free(e);
        }
    free(c->buckets);
    free((void *)c->gen);
    pthread_mutex_destroy(&c->lock);
    pthread_cond_destroy(&c->filled);
    free(c);
}

static void lru_unlink(struct entry *e)
{
    e->prev->next = e->next;
    e->next->prev = e->prev;
}

static void lru_front(struct fc_cache *c, struct entry *e)
{
    e->next = c->lru.next;
    e->prev = &c->lru;
    c->lru.next->prev = e;
    c->lru.next = e;
}

static struct entry *find(struct fc_cache *c, const char *key, uint64_t h)
{
    for (struct entry *e = c->buckets[h & c->mask]; e; e = e->hnext)
        if (e->hash == h && strcmp(e->key, key) == 0)
            return e;
    return NULL;
}

static void remove_entry(struct fc_cache *c, struct entry *e)
{
    struct entry **pp = &c->buckets[e->hash & c->mask];
    while (*pp != e)
        pp = &(*pp)->hnext;
    *pp = e->hnext;
    lru_unlink(e);
    c->entries--;
    c->bytes -= e->len;
    entry_free(e);
}

static bool fresh(struct fc_cache *c, const struct entry *e, int64_t now)
{
    if (now >= e->expires_ms || c->clear_gen > e->fill_seq)
        return false;
    if (e->all)
        return c->any_gen <= e->fill_seq;
    for (size_t i = 0; i < e->n_fids; i++)
        if (c->gen[slot_of(e->fids[i])] > e->fill_seq)
            return false;
    return true;
}

/* The invalidation sequence as of at_ms: lowered to just before the first
 * invalidation that arrived at or after at_ms (a change the data may not
 * show yet). False when invalidations that old are no longer remembered. */
static bool seq_as_of(struct fc_cache *c, int64_t at_ms, uint64_t *seq)
{
    uint64_t first_after = UINT64_MAX;
    int64_t oldest = INT64_MAX;
    for (size_t i = 0; i < c->recent_n; i++) {
        if (c->recent[i].at_ms < oldest)
            oldest = c->recent[i].at_ms;
        if (c->recent[i].at_ms >= at_ms && c->recent[i].seq < first_after)
            first_after = c->recent[i].seq;
    }
    if (c->recent_n == RECENT && oldest >= at_ms)
        return false; /* older invalidations fell out of the ring */
    if (first_after != UINT64_MAX && first_after - 1 < *seq)
        *seq = first_after - 1;
    return true;
}

static void remember(struct fc_cache *c, uint64_t seq)
{
    c->recent[c->recent_next].at_ms = fc_now_mono_ms();
    c->recent[c->recent_next].seq = seq;
    c->recent_next = (c->recent_next + 1) % RECENT;
    if (c->recent_n < RECENT)
        c->recent_n++;
}

static void evict(struct fc_cache *c)
{
    struct entry *e = c->lru.prev;
    while (e != &c->lru && (c->entries > c->max_entries || (c->max_bytes && c->bytes > c->max_bytes))) {
        struct entry *prev = e->prev;
        if (!e->filling) {
            remove_entry(c, e);
            c->st.evictions++;
        }
        e = prev;
    }
}

static void fill_direct(fc_cache_fill_fn fill, void *arg, int *status, struct fc_buf *body)
{
    struct fc_cache_value v = {.body = FC_BUF_INIT};
    fill(arg, &v);
    *status = v.status;
    fc_buf_append(body, v.body.data, v.body.len);
    fc_buf_cleanup(&v.body);
    fc_vec_free(&v.fids);
}

bool fc_cache_peek(struct fc_cache *c, const char *key, int *status, struct fc_buf *body)
{
    uint64_t h = fc_fnv1a_str(key);
    pthread_mutex_lock(&c->lock);
    struct entry *e = find(c, key, h);
    bool hit = e && !e->filling && fresh(c, e, fc_now_mono_ms());
    if (hit) {
        c->st.hits++;
        *status = e->status;
        fc_buf_append(body, e->body, e->len);
        lru_unlink(e);
        lru_front(c, e);
    }
    pthread_mutex_unlock(&c->lock);
    return hit;
}

void fc_cache_get(struct fc_cache *c, const char *key, int ttl_s, fc_cache_fill_fn fill,
                  void *arg, int *status, struct fc_buf *body, bool *hit)
{
    *hit = false;
    if (ttl_s <= 0) {
        fill_direct(fill, arg, status, body);
        return;
    }
    uint64_t h = fc_fnv1a_str(key);
    struct timespec deadline = fc_cond_deadline(WAIT_MS);
    pthread_mutex_lock(&c->lock);
    struct entry *e;
    for (;;) {
        e = find(c, key, h);
        if (!e || !e->filling)
            break;
        /* single flight: someone is filling this key; wait for the result */
        c->st.waits++;
        if (pthread_cond_timedwait(&c->filled, &c->lock, &deadline) == ETIMEDOUT) {
            pthread_mutex_unlock(&c->lock);
            fill_direct(fill, arg, status, body);
            return;
        }
    }
    int64_t now = fc_now_mono_ms();
    if (e && fresh(c, e, now)) {
        c->st.hits++;
        *hit = true;
        *status = e->status;
        fc_buf_append(body, e->body, e->len);
        lru_unlink(e);
        lru_front(c, e);
        pthread_mutex_unlock(&c->lock);
        return;
    }
    c->st.misses++;
    if (e) {
        c->st.stale++;
    } else {
        e = fc_xcalloc(1, sizeof(*e));
        e->key = fc_xstrdup(key);
        e->hash = h;
        e->hnext = c->buckets[h & c->mask];
        c->buckets[h & c->mask] = e;
        lru_front(c, e);
        c->entries++;
    }
    e->filling = true;
    uint64_t fill_seq = c->seq;
    pthread_mutex_unlock(&c->lock);

    struct fc_cache_value v = {.body = FC_BUF_INIT};
    bool ok = fill(arg, &v);
    *status = v.status;
    fc_buf_append(body, v.body.data, v.body.len);

    pthread_mutex_lock(&c->lock);
    e->filling = false;
    bool dated = ok && v.as_of_ms && seq_as_of(c, v.as_of_ms, &fill_seq);
    if (ok && v.as_of_ms && !dated)
        c->st.too_old++;
    if (!ok || (v.as_of_ms && !dated)) {
        remove_entry(c, e);
        fc_buf_cleanup(&v.body);
    } else {
        c->bytes -= e->len;
        free(e->body);
        free(e->fids);
        e->len = v.body.len;
        e->body = fc_buf_take(&v.body);
        e->status = v.status;
        e->fids = v.fids.p;
        e->n_fids = v.fids.n;
        v.fids.p = NULL; /* taken over */
        e->all = v.all;
        e->fill_seq = fill_seq;
        e->expires_ms = fc_now_mono_ms() + (int64_t)ttl_s * 1000;
        c->bytes += e->len;
        evict(c);
    }
    fc_vec_free(&v.fids);
    pthread_cond_broadcast(&c->filled);
    pthread_mutex_unlock(&c->lock);
}

void fc_cache_invalidate(struct fc_cache *c, const uint64_t *fids, size_t n)
{
    if (!n)
        return;
    /* under the lock, so a dated fill sees the sequence and its arrival
     * time together */
    pthread_mutex_lock(&c->lock);
    uint64_t s = ++c->seq;
    remember(c, s);
    for (size_t i = 0; i < n; i++)
        c->gen[slot_of(fids[i])] = s;
    c->any_gen = s;
    c->st.invalidations += n;
    pthread_mutex_unlock(&c->lock);
}

void fc_cache_clear(struct fc_cache *c)
{
    pthread_mutex_lock(&c->lock);
    uint64_t s = ++c->seq;
    remember(c, s);
    c->clear_gen = s;
    c->any_gen = s;
    pthread_mutex_unlock(&c->lock);
}

void fc_cache_stats(struct fc_cache *c, struct fc_cache_stats *out)
{
    pthread_mutex_lock(&c->lock);
    *out = c->st;
    out->entries = c->entries;
    out->bytes = c->bytes;
    pthread_mutex_unlock(&c->lock);
}
