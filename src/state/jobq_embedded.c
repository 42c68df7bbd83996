/* The job queue in this process's memory: an open-addressing table of
 * entries by fid, each pending, running (with a lease), delayed (until a
 * retry time) or failed. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cond.h"
#include "core/fctime.h"
#include "state/jobq_backend.h"

enum state { ST_FREE, ST_PENDING, ST_RUNNING, ST_DELAYED, ST_FAILED };

struct entry {
    uint64_t fid; /* 0 = free slot */
    enum state st;
    int failures;
    int64_t at_ms; /* delayed: ready time; running: lease end */
    uint64_t seq;  /* pending: order of arrival */
    char error[256];
};

struct embedded {
    struct fc_jobq_options o;
    pthread_mutex_t lock;
    pthread_cond_t cond; /* a job became pending */
    struct entry *e;
    size_t cap, used;
    uint64_t seq;
};

static size_t slot_of(uint64_t fid, size_t cap)
{
    return (size_t)((fid * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static struct entry *find(struct embedded *q, uint64_t fid, bool create)
{
    if (create && (q->used + 1) * 2 > q->cap) {
        struct entry *old = q->e;
        size_t old_cap = q->cap;
        q->cap = q->cap ? q->cap * 2 : 256;
        q->e = fc_xcalloc(q->cap, sizeof(*q->e));
        q->used = 0;
        for (size_t i = 0; i < old_cap; i++) {
            if (old[i].fid && old[i].st != ST_FREE) {
                size_t k = slot_of(old[i].fid, q->cap);
                while (q->e[k].fid)
                    k = (k + 1) & (q->cap - 1);
                q->e[k] = old[i];
                q->used++;
            }
        }
        free(old);
    }
    if (!q->cap)
        return NULL;
    size_t i = slot_of(fid, q->cap);
    struct entry *tomb = NULL;
    while (q->e[i].fid) {
        if (q->e[i].fid == fid && q->e[i].st != ST_FREE)
            return &q->e[i];
        if (q->e[i].st == ST_FREE && !tomb)
            tomb = &q->e[i];
        i = (i + 1) & (q->cap - 1);
    }
    if (!create)
        return NULL;
    struct entry *slot = tomb ? tomb : &q->e[i];
    if (!tomb)
        q->used++;
    memset(slot, 0, sizeof(*slot));
    slot->fid = fid;
    return slot;
}

static void timed_wait(struct embedded *q, int ms)
{
    struct timespec until = fc_cond_deadline(ms);
    pthread_cond_timedwait(&q->cond, &q->lock, &until);
}

FC_MUST_CHECK
static enum fc_err emb_take(void *impl, int wait_ms, struct fc_job *job, bool *got,
                           struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    int64_t deadline = fc_now_mono_ms() + wait_ms;
    *got = false;
    pthread_mutex_lock(&q->lock);
    for (;;) {
        int64_t now = fc_now_mono_ms();
        struct entry *best = NULL;
        for (size_t i = 0; i < q->cap; i++) {
            struct entry *e = &q->e[i];
            if (!e->fid || e->st == ST_FREE)
                continue;
            /* due retries and expired leases become pending again */
            if ((e->st == ST_DELAYED || e->st == ST_RUNNING) && e->at_ms <= now) {
                e->st = ST_PENDING;
                e->seq = ++q->seq;
            }
            if (e->st == ST_PENDING && (!best || e->seq < best->seq))
                best = e;
        }
        if (best) {
            best->st = ST_RUNNING;
            best->at_ms = now + q->o.lease_ms;
            job->fid = best->fid;
            job->attempt = best->failures + 1;
            snprintf(job->id, sizeof(job->id), "%llu", (unsigned long long)best->fid);
            *got = true;
            break;
        }
        if (now >= deadline)
            break;
        timed_wait(q, (int)(deadline - now < 100 ? deadline - now : 100));
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

void *fc_jobq_embedded_new(const struct fc_jobq_options *o)
{
    struct embedded *q = fc_xcalloc(1, sizeof(*q));
    q->o = *o;
    pthread_mutex_init(&q->lock, NULL);
    fc_cond_init_monotonic(&q->cond);
    return q;
}

static void emb_free(void *impl)
{
    struct embedded *q = impl;
    free(q->e);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q);
}

static void make_pending(struct embedded *q, struct entry *e)
{
    e->st = ST_PENDING;
    e->seq = ++q->seq;
    pthread_cond_signal(&q->cond);
}

FC_MUST_CHECK
static enum fc_err emb_push(void *impl, uint64_t fid, bool *queued, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    *queued = false;
    if (!find(q, fid, false)) {
        make_pending(q, find(q, fid, true));
        *queued = true;
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_done(void *impl, const struct fc_job *job, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    struct entry *e = find(q, job->fid, false);
    if (e)
        e->st = ST_FREE;
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_fail(void *impl, const struct fc_job *job, const char *error,
                            struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    struct entry *e = find(q, job->fid, false);
    if (e) {
        e->failures++;
        snprintf(e->error, sizeof(e->error), "%s", error);
        if (e->failures >= q->o.max_attempts) {
            e->st = ST_FAILED;
        } else {
            e->st = ST_DELAYED;
            e->at_ms = fc_now_mono_ms() + fc_jobq_backoff_ms(&q->o, e->failures);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_release(void *impl, const struct fc_job *job, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    struct entry *e = find(q, job->fid, false);
    if (e)
        make_pending(q, e);
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_retry(void *impl, uint64_t fid, bool *found, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    struct entry *e = find(q, fid, false);
    *found = e && e->st == ST_FAILED;
    if (*found) {
        e->failures = 0;
        e->error[0] = '\0';
        make_pending(q, e);
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_error(void *impl, uint64_t fid, char *out, size_t out_size,
                             struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    struct entry *e = find(q, fid, false);
    if (e)
        snprintf(out, out_size, "%s", e->error);
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_counts(void *impl, struct fc_jobq_counts *c, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    memset(c, 0, sizeof(*c));
    pthread_mutex_lock(&q->lock);
    int64_t now = fc_now_mono_ms();
    for (size_t i = 0; i < q->cap; i++) {
        const struct entry *e = &q->e[i];
        if (!e->fid || e->st == ST_FREE)
            continue;
        if (e->st == ST_PENDING || (e->st == ST_DELAYED && e->at_ms <= now))
            c->pending++;
        else if (e->st == ST_RUNNING)
            c->running++;
        else if (e->st == ST_DELAYED)
            c->delayed++;
        else
            c->failed++;
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err emb_clear(void *impl, bool failed, size_t *removed, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *q = impl;
    pthread_mutex_lock(&q->lock);
    for (size_t i = 0; i < q->cap; i++) {
        struct entry *e = &q->e[i];
        if (!e->fid || e->st == ST_FREE)
            continue;
        bool go = failed ? (e->st == ST_FAILED || e->st == ST_DELAYED) : e->st == ST_PENDING;
        if (go) {
            e->st = ST_FREE;
            (*removed)++;
        }
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

const struct fc_jobq_ops fc_jobq_embedded_ops = FC_JOBQ_OPS(emb);
