/* Rate limits and login penalties in this process's memory: token buckets
 * and failure counts in hash chains, swept as they go stale. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "core/hash.h"
#include "state/ratelimit_backend.h"

#define BUCKETS 4096 /* hash chains of the embedded table */

struct bucket {
    char *key;
    double tokens;
    int64_t at_ms;
    struct bucket *next;
};

/* Failures of one key (embedded penalty table). */
struct penalty {
    char *key;
    int failures;
    int64_t until_ms, last_ms; /* locked until; last failure (dropped an hour later) */
    struct penalty *next;
};

struct embedded {
    pthread_mutex_t lock;
    struct bucket *table[BUCKETS];
    struct penalty *penalties[BUCKETS];
    int64_t last_sweep_ms;
};

void *fc_ratelimit_embedded_new(void)
{
    struct embedded *rl = fc_xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

static void embedded_free(void *impl)
{
    struct embedded *rl = impl;
    for (size_t i = 0; i < BUCKETS; i++) {
        for (struct bucket *b = rl->table[i], *n; b; b = n) {
            n = b->next;
            free(b->key);
            free(b);
        }
        for (struct penalty *p = rl->penalties[i], *n; p; p = n) {
            n = p->next;
            free(p->key);
            free(p);
        }
    }
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

/* Drops buckets that have refilled completely (they equal a new bucket). */
static void sweep(struct embedded *rl, int64_t now)
{
    if (now - rl->last_sweep_ms < 60000)
        return;
    rl->last_sweep_ms = now;
    for (size_t i = 0; i < BUCKETS; i++)
        for (struct bucket **pp = &rl->table[i]; *pp;) {
            struct bucket *b = *pp;
            if (now - b->at_ms > 60000) {
                *pp = b->next;
                free(b->key);
                free(b);
            } else {
                pp = &b->next;
            }
        }
}

FC_MUST_CHECK
static enum fc_err embedded_take(void *impl, const char *key, int limit,
                                 struct fc_rate_result *out, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *rl = impl;
    int64_t now = fc_now_mono_ms();
    pthread_mutex_lock(&rl->lock);
    sweep(rl, now);
    size_t i = fc_fnv1a_str(key) % BUCKETS;
    struct bucket *b = rl->table[i];
    while (b && strcmp(b->key, key) != 0)
        b = b->next;
    if (!b) {
        b = fc_xcalloc(1, sizeof(*b));
        b->key = fc_xstrdup(key);
        b->tokens = limit;
        b->at_ms = now;
        b->next = rl->table[i];
        rl->table[i] = b;
    }
    b->tokens += (double)(now - b->at_ms) / 1000.0 * (limit / 60.0);
    if (b->tokens > limit)
        b->tokens = limit;
    b->at_ms = now;
    bool allowed = b->tokens >= 1.0;
    if (allowed)
        b->tokens -= 1.0;
    fc_ratelimit_fill_result(out, limit, b->tokens, allowed);
    pthread_mutex_unlock(&rl->lock);
    return FC_OK;
}

static int64_t lock_ms(int failures)
{
    if (failures < FC_PENALTY_FREE)
        return 0;
    int shift = failures - FC_PENALTY_FREE;
    int64_t s = shift >= 10 ? FC_PENALTY_MAX_S : (int64_t)1 << shift;
    return (s > FC_PENALTY_MAX_S ? FC_PENALTY_MAX_S : s) * 1000;
}

/* The embedded entry of key (created when make), with stale ones dropped. */
static struct penalty **penalty_slot(struct embedded *rl, const char *key, int64_t now)
{
    struct penalty **pp = &rl->penalties[fc_fnv1a_str(key) % BUCKETS];
    while (*pp) {
        struct penalty *p = *pp;
        if (now - p->last_ms > 3600000) {
            *pp = p->next;
            free(p->key);
            free(p);
            continue;
        }
        if (strcmp(p->key, key) == 0)
            return pp;
        pp = &p->next;
    }
    return pp;
}

FC_MUST_CHECK
static enum fc_err embedded_penalty_until(void *impl, const char *key, int64_t now,
                                          int64_t *until, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *rl = impl;
    pthread_mutex_lock(&rl->lock);
    struct penalty **pp = penalty_slot(rl, key, now);
    if (*pp)
        *until = (*pp)->until_ms;
    pthread_mutex_unlock(&rl->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err embedded_penalty_note(void *impl, const char *key, bool failed, int64_t now,
                                         struct fc_diag *diag)
{
    (void)diag;
    struct embedded *rl = impl;
    pthread_mutex_lock(&rl->lock);
    struct penalty **pp = penalty_slot(rl, key, now);
    if (!failed) {
        if (*pp) {
            struct penalty *p = *pp;
            *pp = p->next;
            free(p->key);
            free(p);
        }
    } else {
        if (!*pp) {
            *pp = fc_xcalloc(1, sizeof(**pp));
            (*pp)->key = fc_xstrdup(key);
        }
        struct penalty *p = *pp;
        p->failures++;
        p->last_ms = now;
        int64_t l = lock_ms(p->failures);
        p->until_ms = l ? now + l : 0;
    }
    pthread_mutex_unlock(&rl->lock);
    return FC_OK;
}

const struct fc_ratelimit_ops fc_ratelimit_embedded_ops = FC_RATELIMIT_OPS(embedded);
