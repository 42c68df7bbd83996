#include "state/jobq.h"

#include <errno.h>
#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/fctime.h"
#include "state/redis_conn.h"
#include "state/redis_link.h"

enum state { ST_FREE, ST_PENDING, ST_RUNNING, ST_DELAYED, ST_FAILED };

struct entry {
    uint64_t fid; /* 0 = free slot */
    enum state st;
    int failures;
    int64_t at_ms; /* delayed: ready time; running: lease end */
    uint64_t seq;  /* pending: order of arrival */
    char error[256];
};

struct fc_jobq {
    struct fc_jobq_options o;
    bool redis;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    /* embedded */
    struct entry *e;
    size_t cap, used;
    uint64_t seq;
    /* redis */
    struct fc_redis_link link;
    uint64_t group_at; /* link.connects when the consumer group was last ensured */
    char stream[200], queued[220], delayed[220], failed[220], attempts[220], group[32],
        consumer[128];
};

static void defaults(struct fc_jobq_options *o)
{
    if (o->max_attempts <= 0)
        o->max_attempts = 5;
    if (o->backoff_base_ms <= 0)
        o->backoff_base_ms = 1000;
    if (o->lease_ms <= 0)
        o->lease_ms = 300000;
}

/* Exponential, capped, with jitter: jobs failed together by one outage do
 * not all come back in the same instant. */
#define BACKOFF_CAP_MS 300000

static int64_t backoff(const struct fc_jobq *q, int failures)
{
    return fc_backoff_ms(failures, q->o.backoff_base_ms, BACKOFF_CAP_MS);
}

/* ---- embedded ---- */

static size_t slot_of(uint64_t fid, size_t cap)
{
    return (size_t)((fid * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

static struct entry *find(struct fc_jobq *q, uint64_t fid, bool create)
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

struct fc_jobq *fc_jobq_new_embedded(const struct fc_jobq_options *o)
{
    struct fc_jobq *q = fc_xcalloc(1, sizeof(*q));
    q->o = *o;
    defaults(&q->o);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    return q;
}

static void timed_wait(struct fc_jobq *q, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&q->cond, &q->lock, &until);
}

static enum fc_err emb_take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool *got)
{
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

/* ---- redis ---- */

/* A failed reply: NULL means the link already said why in diag. */
static enum fc_err rerr(struct fc_jobq *q, redisReply *r, const char *what, struct fc_diag *diag)
{
    (void)q;
    if (!r)
        return FC_ERR_UNAVAILABLE;
    enum fc_err e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s: %s", what,
                                r->str ? r->str : "unexpected reply");
    freeReplyObject(r);
    return e;
}

/* A new connection may be to a Redis that lost everything (restarted
 * without persistence): the stream and its consumer group are created again
 * (a no-op when they exist). Called with q->lock held. */
static enum fc_err ensure_group(struct fc_jobq *q, struct fc_diag *diag)
{
    if (q->link.conn && q->group_at == q->link.connects)
        return FC_OK;
    redisReply *r = fc_redis_link_cmd(&q->link, diag, "XGROUP CREATE %s %s 0 MKSTREAM",
                                      q->stream, q->group);
    if (!r || (r->type == REDIS_REPLY_ERROR && !strstr(r->str, "BUSYGROUP")))
        return rerr(q, r, "XGROUP CREATE", diag);
    freeReplyObject(r);
    q->group_at = q->link.connects;
    return FC_OK;
}

enum fc_err fc_jobq_open_redis(const char *url, const char *prefix, const char *consumer,
                               const struct fc_jobq_options *o, struct fc_jobq **out,
                               struct fc_diag *diag)
{
    struct fc_jobq *q = fc_xcalloc(1, sizeof(*q));
    q->o = *o;
    defaults(&q->o);
    q->redis = true;
    fc_redis_link_init(&q->link, url);
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->cond, NULL);
    snprintf(q->stream, sizeof(q->stream), "%sjobs", prefix);
    snprintf(q->queued, sizeof(q->queued), "%s:queued", q->stream);
    snprintf(q->delayed, sizeof(q->delayed), "%s:delayed", q->stream);
    snprintf(q->failed, sizeof(q->failed), "%s:failed", q->stream);
    snprintf(q->attempts, sizeof(q->attempts), "%s:attempts", q->stream);
    snprintf(q->group, sizeof(q->group), "workers");
    snprintf(q->consumer, sizeof(q->consumer), "%s", consumer);
    enum fc_err err = ensure_group(q, diag);
    if (err) {
        fc_jobq_free(q);
        return err;
    }
    *out = q;
    return FC_OK;
}

static long long cmd_int(struct fc_jobq *q, redisReply *r, bool *ok)
{
    (void)q;
    *ok = r && r->type == REDIS_REPLY_INTEGER;
    long long v = *ok ? r->integer : 0;
    if (r)
        freeReplyObject(r);
    return v;
}

static const char push_lua[] =
    "if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end "
    "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then "
    " redis.call('XADD', KEYS[2], '*', 'fid', ARGV[1]) return 1 end return 0";
static const char promote_lua[] =
    "local due = redis.call('ZRANGEBYSCORE', KEYS[1], '-inf', ARGV[1], 'LIMIT', 0, 100) "
    "for _, f in ipairs(due) do redis.call('ZREM', KEYS[1], f) "
    " redis.call('XADD', KEYS[2], '*', 'fid', f) end return #due";

/* Finishing a job changes several keys: each change is one script, so a
 * process killed half-way cannot leave a fid queued with nothing to take. */
static const char done_lua[] =
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) redis.call('XDEL', KEYS[1], ARGV[2]) "
    "redis.call('SREM', KEYS[2], ARGV[3]) redis.call('HDEL', KEYS[3], ARGV[3]) return 1";
static const char fail_lua[] =
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) redis.call('XDEL', KEYS[1], ARGV[2]) "
    "local n = redis.call('HINCRBY', KEYS[3], ARGV[3], 1) "
    "if n >= tonumber(ARGV[4]) then redis.call('HSET', KEYS[4], ARGV[3], ARGV[5]) "
    " redis.call('SREM', KEYS[2], ARGV[3]) "
    "else redis.call('ZADD', KEYS[5], ARGV[6], ARGV[3]) "
    " redis.call('HSET', KEYS[6], ARGV[3], ARGV[5]) end return n";
static const char release_lua[] =
    "redis.call('XACK', KEYS[1], ARGV[1], ARGV[2]) redis.call('XDEL', KEYS[1], ARGV[2]) "
    "redis.call('XADD', KEYS[1], '*', 'fid', ARGV[3]) return 1";

static bool parse_entry(redisReply *entry, struct fc_job *job)
{
    /* [id, [field, value, ...]] */
    if (entry->type != REDIS_REPLY_ARRAY || entry->elements < 2 ||
        entry->element[0]->type != REDIS_REPLY_STRING ||
        entry->element[1]->type != REDIS_REPLY_ARRAY || entry->element[1]->elements < 2)
        return false;
    snprintf(job->id, sizeof(job->id), "%s", entry->element[0]->str);
    job->fid = strtoull(entry->element[1]->element[1]->str, NULL, 10);
    return job->fid != 0;
}

static enum fc_err redis_take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool *got,
                              struct fc_diag *diag)
{
    *got = false;
    int64_t deadline = fc_now_mono_ms() + wait_ms;
    pthread_mutex_lock(&q->lock);
    enum fc_err gerr = ensure_group(q, diag);
    if (gerr) {
        pthread_mutex_unlock(&q->lock);
        return gerr;
    }
    for (;;) {
        /* due retries join the stream */
        char now[32];
        snprintf(now, sizeof(now), "%lld", (long long)fc_now_unix_ms());
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 2 %s %s %s", promote_lua, q->delayed,
                                     q->stream, now);
        if (r)
            freeReplyObject(r);
        /* jobs whose lease expired (their worker died) are claimed first */
        r = fc_redis_link_cmd(&q->link, diag, "XAUTOCLAIM %s %s %s %d 0-0 COUNT 1", q->stream, q->group,
                         q->consumer, q->o.lease_ms);
        if (r && r->type == REDIS_REPLY_ARRAY && r->elements >= 2 &&
            r->element[1]->type == REDIS_REPLY_ARRAY && r->element[1]->elements > 0)
            *got = parse_entry(r->element[1]->element[0], job);
        if (r)
            freeReplyObject(r);
        if (!*got) {
            r = fc_redis_link_cmd(&q->link, diag, "XREADGROUP GROUP %s %s COUNT 1 STREAMS %s >", q->group,
                             q->consumer, q->stream);
            if (!r || r->type == REDIS_REPLY_ERROR) {
                enum fc_err e = rerr(q, r, "XREADGROUP", diag);
                pthread_mutex_unlock(&q->lock);
                return e;
            }
            if (r->type == REDIS_REPLY_ARRAY && r->elements > 0) {
                redisReply *entries = r->element[0]->element[1];
                if (entries->elements > 0)
                    *got = parse_entry(entries->element[0], job);
            }
            freeReplyObject(r);
        }
        if (*got || fc_now_mono_ms() >= deadline)
            break;
        /* poll in short steps: a blocking read would hold the connection */
        pthread_mutex_unlock(&q->lock);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&q->lock);
    }
    if (*got) {
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "HGET %s %llu", q->attempts,
                                     (unsigned long long)job->fid);
        job->attempt = 1 + (r && r->type == REDIS_REPLY_STRING ? atoi(r->str) : 0);
        if (r)
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

/* ---- the interface ---- */

void fc_jobq_free(struct fc_jobq *q)
{
    if (!q)
        return;
    fc_redis_link_cleanup(&q->link);
    free(q->e);
    pthread_mutex_destroy(&q->lock);
    pthread_cond_destroy(&q->cond);
    free(q);
}

enum fc_err fc_jobq_push(struct fc_jobq *q, uint64_t fid, bool *queued, struct fc_diag *diag)
{
    bool added = false;
    if (!fid)
        return fc_diag_set(diag, FC_ERR_INVALID, "fid 0");
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
        struct entry *e = find(q, fid, false);
        if (!e) {
            e = find(q, fid, true);
            e->st = ST_PENDING;
            e->seq = ++q->seq;
            added = true;
            pthread_cond_signal(&q->cond);
        }
    } else {
        char f[24];
        snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
        bool ok;
        enum fc_err gerr = ensure_group(q, diag);
        if (gerr) {
            pthread_mutex_unlock(&q->lock);
            return gerr;
        }
        added = cmd_int(q, fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s", push_lua, q->queued,
                                        q->stream, q->failed, f), &ok) == 1;
        if (!ok) {
            pthread_mutex_unlock(&q->lock);
            return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: queueing %s failed", f);
        }
    }
    pthread_mutex_unlock(&q->lock);
    if (queued)
        *queued = added;
    return FC_OK;
}

enum fc_err fc_jobq_take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool *got,
                         struct fc_diag *diag)
{
    return q->redis ? redis_take(q, wait_ms, job, got, diag) : emb_take(q, wait_ms, job, got);
}

enum fc_err fc_jobq_done(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag)
{
    (void)diag;
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
        struct entry *e = find(q, job->fid, false);
        if (e)
            e->st = ST_FREE;
    } else {
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s %s %llu", done_lua, q->stream,
                                     q->queued, q->attempts, q->group, job->id,
                                     (unsigned long long)job->fid);
        if (r)
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

enum fc_err fc_jobq_fail(struct fc_jobq *q, const struct fc_job *job, const char *error,
                         struct fc_diag *diag)
{
    pthread_mutex_lock(&q->lock);
    enum fc_err err = FC_OK;
    if (!q->redis) {
        struct entry *e = find(q, job->fid, false);
        if (e) {
            e->failures++;
            snprintf(e->error, sizeof(e->error), "%s", error);
            if (e->failures >= q->o.max_attempts) {
                e->st = ST_FAILED;
            } else {
                e->st = ST_DELAYED;
                e->at_ms = fc_now_mono_ms() + backoff(q, e->failures);
            }
        }
    } else {
        char lasterror[260], ready[32], max[16];
        snprintf(lasterror, sizeof(lasterror), "%s:lasterror", q->attempts);
        snprintf(max, sizeof(max), "%d", q->o.max_attempts);
        /* the delay doubles per failure: read the count first to compute it */
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "HGET %s %llu", q->attempts,
                                     (unsigned long long)job->fid);
        int failures = 1 + (r && r->type == REDIS_REPLY_STRING ? atoi(r->str) : 0);
        if (r)
            freeReplyObject(r);
        snprintf(ready, sizeof(ready), "%lld", (long long)(fc_now_unix_ms() + backoff(q, failures)));
        r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 6 %s %s %s %s %s %s %s %s %llu %s %s %s", fail_lua,
                         q->stream, q->queued, q->attempts, q->failed, q->delayed, lasterror,
                         q->group, job->id, (unsigned long long)job->fid, max, error, ready);
        if (!r || r->type != REDIS_REPLY_INTEGER)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: recording the failure of %llu "
                                                        "failed", (unsigned long long)job->fid);
        if (r)
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

enum fc_err fc_jobq_release(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag)
{
    (void)diag;
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
        struct entry *e = find(q, job->fid, false);
        if (e) {
            e->st = ST_PENDING;
            e->seq = ++q->seq;
            pthread_cond_signal(&q->cond);
        }
    } else {
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 1 %s %s %s %llu", release_lua, q->stream,
                                     q->group, job->id, (unsigned long long)job->fid);
        if (r)
            freeReplyObject(r);
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

enum fc_err fc_jobq_retry(struct fc_jobq *q, uint64_t fid, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
        struct entry *e = find(q, fid, false);
        if (!e || e->st != ST_FAILED) {
            err = fc_diag_set(diag, FC_ERR_NOT_FOUND, "fid %llu has no failed job",
                              (unsigned long long)fid);
        } else {
            e->st = ST_PENDING;
            e->failures = 0;
            e->error[0] = '\0';
            e->seq = ++q->seq;
            pthread_cond_signal(&q->cond);
        }
    } else {
        bool ok;
        long long removed = cmd_int(q, fc_redis_link_cmd(&q->link, diag, "HDEL %s %llu", q->failed,
                                                    (unsigned long long)fid), &ok);
        if (!removed) {
            err = fc_diag_set(diag, FC_ERR_NOT_FOUND, "fid %llu has no failed job",
                              (unsigned long long)fid);
        } else {
            redisReply *r = fc_redis_link_cmd(&q->link, diag, "HDEL %s %llu", q->attempts,
                                         (unsigned long long)fid);
            if (r)
                freeReplyObject(r);
            char f[24];
            snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
            r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s", push_lua, q->queued, q->stream,
                             q->failed, f);
            if (r)
                freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

enum fc_err fc_jobq_error(struct fc_jobq *q, uint64_t fid, char *out, size_t out_size,
                          struct fc_diag *diag)
{
    (void)diag;
    out[0] = '\0';
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
        struct entry *e = find(q, fid, false);
        if (e)
            snprintf(out, out_size, "%s", e->error);
    } else {
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "HGET %s %llu", q->failed, (unsigned long long)fid);
        if (r && r->type == REDIS_REPLY_STRING)
            snprintf(out, out_size, "%s", r->str);
        if (r)
            freeReplyObject(r);
        if (!out[0]) {
            r = fc_redis_link_cmd(&q->link, diag, "HGET %s:lasterror %llu", q->attempts,
                             (unsigned long long)fid);
            if (r && r->type == REDIS_REPLY_STRING)
                snprintf(out, out_size, "%s", r->str);
            if (r)
                freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return FC_OK;
}

enum fc_err fc_jobq_counts(struct fc_jobq *q, struct fc_jobq_counts *c, struct fc_diag *diag)
{
    memset(c, 0, sizeof(*c));
    pthread_mutex_lock(&q->lock);
    enum fc_err err = FC_OK;
    if (!q->redis) {
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
    } else {
        bool ok1, ok2, ok3;
        long long queued = cmd_int(q, fc_redis_link_cmd(&q->link, diag, "SCARD %s", q->queued), &ok1);
        long long delayed = cmd_int(q, fc_redis_link_cmd(&q->link, diag, "ZCARD %s", q->delayed), &ok2);
        long long failed = cmd_int(q, fc_redis_link_cmd(&q->link, diag, "HLEN %s", q->failed), &ok3);
        redisReply *r = fc_redis_link_cmd(&q->link, diag, "XPENDING %s %s", q->stream, q->group);
        long long running = r && r->type == REDIS_REPLY_ARRAY && r->elements > 0 &&
                                    r->element[0]->type == REDIS_REPLY_INTEGER
                                ? r->element[0]->integer : 0;
        if (r)
            freeReplyObject(r);
        if (!ok1 || !ok2 || !ok3)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: counting jobs failed");
        c->running = (size_t)running;
        c->delayed = (size_t)delayed;
        c->failed = (size_t)failed;
        long long pending = queued - running - delayed;
        c->pending = pending > 0 ? (size_t)pending : 0;
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

/* Undelivered stream entries are the pending jobs (delivered ones are
 * running): those after the group's last delivered id. */
static const char clear_pending_lua[] =
    "local last = '0-0' "
    "for _, g in ipairs(redis.call('XINFO', 'GROUPS', KEYS[1])) do "
    " local name, id for i = 1, #g, 2 do if g[i] == 'name' then name = g[i + 1] end "
    "  if g[i] == 'last-delivered-id' then id = g[i + 1] end end "
    " if name == ARGV[1] then last = id end end "
    "local n = 0 "
    "for _, e in ipairs(redis.call('XRANGE', KEYS[1], '(' .. last, '+')) do "
    " redis.call('XDEL', KEYS[1], e[1]) redis.call('SREM', KEYS[2], e[2][2]) "
    " redis.call('HDEL', KEYS[3], e[2][2]) n = n + 1 end return n";
static const char clear_failed_lua[] =
    "local n = 0 "
    "for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do "
    " redis.call('HDEL', KEYS[3], f) redis.call('HDEL', KEYS[4], f) n = n + 1 end "
    "redis.call('DEL', KEYS[1]) "
    "for _, f in ipairs(redis.call('ZRANGE', KEYS[2], 0, -1)) do redis.call('SREM', KEYS[5], f) "
    " redis.call('HDEL', KEYS[3], f) redis.call('HDEL', KEYS[4], f) n = n + 1 end "
    "redis.call('DEL', KEYS[2]) return n";

enum fc_err fc_jobq_clear(struct fc_jobq *q, bool failed, size_t *removed, struct fc_diag *diag)
{
    *removed = 0;
    enum fc_err err = FC_OK;
    pthread_mutex_lock(&q->lock);
    if (!q->redis) {
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
    } else {
        char lasterror[260];
        snprintf(lasterror, sizeof(lasterror), "%s:lasterror", q->attempts);
        redisReply *r = failed
            ? fc_redis_link_cmd(&q->link, diag, "EVAL %s 5 %s %s %s %s %s", clear_failed_lua, q->failed,
                           q->delayed, q->attempts, lasterror, q->queued)
            : fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s", clear_pending_lua, q->stream,
                           q->queued, q->attempts, q->group);
        if (!r || r->type != REDIS_REPLY_INTEGER)
            err = rerr(q, r, failed ? "clearing failed jobs" : "clearing pending jobs", diag);
        else {
            *removed = (size_t)r->integer;
            freeReplyObject(r);
        }
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}
