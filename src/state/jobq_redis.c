/* The job queue in Redis, shared by every process: a stream with a
 * consumer group (each delivered entry is a running job, its lease the
 * pending-entry idle time), a set of queued fids for deduplication, a sorted
 * set of delayed retries, hashes of attempts and of failed jobs' errors.
 * Every change of several keys is one Lua script. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "state/jobq_backend.h"
#include "state/redis_conn.h"

struct shared {
    struct fc_jobq_options o;
    pthread_mutex_t lock; /* the link is one connection */
    struct fc_redis_link link;
    uint64_t group_at; /* link.connects when the consumer group was last ensured */
    char stream[200], queued[220], delayed[220], failed[220], attempts[220], group[32],
        consumer[128];
};

/* A failed reply: NULL means the link already said why in diag. */
FC_MUST_CHECK
static enum fc_err rerr(struct fc_redis_reply *r, const char *what, struct fc_diag *diag)
{
    if (!r)
        return FC_ERR_UNAVAILABLE;
    const char *why = fc_redis_reply_str(r);
    enum fc_err e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s: %s", what,
                                why ? why : "unexpected reply");
    fc_redis_reply_free(r);
    return e;
}

/* An integer reply is success; anything else is the failure of what. */
FC_MUST_CHECK
static enum fc_err want_int(struct fc_redis_reply *r, const char *what, long long *v,
                            struct fc_diag *diag)
{
    if (fc_redis_reply_type(r) != FC_REDIS_INTEGER)
        return rerr(r, what, diag);
    if (v)
        *v = fc_redis_reply_int(r);
    fc_redis_reply_free(r);
    return FC_OK;
}

/* A new connection may be to a Redis that lost everything (restarted
 * without persistence): the stream and its consumer group are created again
 * (a no-op when they exist). Called with q->lock held. */
FC_MUST_CHECK
static enum fc_err ensure_group(struct shared *q, struct fc_diag *diag)
{
    if (q->link.conn && q->group_at == q->link.connects)
        return FC_OK;
    struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag, "XGROUP CREATE %s %s 0 MKSTREAM",
                                                 q->stream, q->group);
    if (!r || (fc_redis_reply_type(r) == FC_REDIS_ERROR &&
               !strstr(fc_redis_reply_str(r), "BUSYGROUP")))
        return rerr(r, "XGROUP CREATE", diag);
    fc_redis_reply_free(r);
    q->group_at = q->link.connects;
    return FC_OK;
}

static void redis_free(void *impl)
{
    struct shared *q = impl;
    fc_redis_link_cleanup(&q->link);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

enum fc_err fc_jobq_redis_open(const char *url, const char *prefix, const char *consumer,
                               const struct fc_jobq_options *o, void **out,
                               struct fc_diag *diag)
{
    struct shared *q = fc_xcalloc(1, sizeof(*q));
    q->o = *o;
    fc_redis_link_init(&q->link, url);
    pthread_mutex_init(&q->lock, NULL);
    snprintf(q->stream, sizeof(q->stream), "%sjobs", prefix);
    snprintf(q->queued, sizeof(q->queued), "%s:queued", q->stream);
    snprintf(q->delayed, sizeof(q->delayed), "%s:delayed", q->stream);
    snprintf(q->failed, sizeof(q->failed), "%s:failed", q->stream);
    snprintf(q->attempts, sizeof(q->attempts), "%s:attempts", q->stream);
    snprintf(q->group, sizeof(q->group), "workers");
    snprintf(q->consumer, sizeof(q->consumer), "%s", consumer);
    enum fc_err err = ensure_group(q, diag);
    if (err) {
        redis_free(q);
        return err;
    }
    *out = q;
    return FC_OK;
}

static const char push_lua[] =
    "if redis.call('HEXISTS', KEYS[3], ARGV[1]) == 1 then return 0 end "
    "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then "
    " redis.call('XADD', KEYS[2], '*', 'fid', ARGV[1]) return 1 end return 0";
/* A failed job queued again: its error and attempts forgotten and the fid
 * pushed, in one step (a retry cut half-way would leave it neither failed
 * nor queued). 0 when the fid has no failed job. */
static const char retry_lua[] =
    "if redis.call('HDEL', KEYS[3], ARGV[1]) == 0 then return 0 end "
    "redis.call('HDEL', KEYS[4], ARGV[1]) "
    "if redis.call('SADD', KEYS[1], ARGV[1]) == 1 then "
    " redis.call('XADD', KEYS[2], '*', 'fid', ARGV[1]) end return 1";
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

static bool parse_entry(const struct fc_redis_reply *entry, struct fc_job *job)
{
    /* [id, [field, value, ...]] */
    const struct fc_redis_reply *id = fc_redis_reply_at(entry, 0);
    const struct fc_redis_reply *fields = fc_redis_reply_at(entry, 1);
    if (fc_redis_reply_type(id) != FC_REDIS_STRING ||
        fc_redis_reply_count(fields) < 2 || !fc_redis_reply_str(fc_redis_reply_at(fields, 1)))
        return false;
    snprintf(job->id, sizeof(job->id), "%s", fc_redis_reply_str(id));
    job->fid = strtoull(fc_redis_reply_str(fc_redis_reply_at(fields, 1)), NULL, 10);
    return job->fid != 0;
}

/* The attempts recorded for fid so far (0 when none or unreadable). */
static int attempts_of(struct shared *q, uint64_t fid, struct fc_diag *diag)
{
    struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag, "HGET %s %llu", q->attempts,
                                                 (unsigned long long)fid);
    int n = fc_redis_reply_type(r) == FC_REDIS_STRING ? atoi(fc_redis_reply_str(r)) : 0;
    fc_redis_reply_free(r);
    return n;
}

/* One try at a job: due retries join the stream, a job whose lease expired
 * (its worker died) is claimed first, else the next new entry. */
FC_MUST_CHECK
static enum fc_err take_once(struct shared *q, struct fc_job *job, bool *got,
                             struct fc_diag *diag)
{
    char now[32];
    snprintf(now, sizeof(now), "%lld", (long long)fc_now_unix_ms());
    fc_redis_reply_free(fc_redis_link_cmd(&q->link, diag, "EVAL %s 2 %s %s %s", promote_lua,
                                          q->delayed, q->stream, now));
    struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag,
                                                 "XAUTOCLAIM %s %s %s %d 0-0 COUNT 1", q->stream,
                                                 q->group, q->consumer, q->o.lease_ms);
    const struct fc_redis_reply *claimed = fc_redis_reply_at(r, 1);
    if (fc_redis_reply_count(claimed) > 0)
        *got = parse_entry(fc_redis_reply_at(claimed, 0), job);
    fc_redis_reply_free(r);
    if (*got)
        return FC_OK;
    r = fc_redis_link_cmd(&q->link, diag, "XREADGROUP GROUP %s %s COUNT 1 STREAMS %s >",
                          q->group, q->consumer, q->stream);
    if (!r || fc_redis_reply_type(r) == FC_REDIS_ERROR)
        return rerr(r, "XREADGROUP", diag);
    /* [[stream, [entry...]]] */
    const struct fc_redis_reply *entries = fc_redis_reply_at(fc_redis_reply_at(r, 0), 1);
    if (fc_redis_reply_count(entries) > 0)
        *got = parse_entry(fc_redis_reply_at(entries, 0), job);
    fc_redis_reply_free(r);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err redis_take(void *impl, int wait_ms, struct fc_job *job, bool *got,
                              struct fc_diag *diag)
{
    struct shared *q = impl;
    *got = false;
    int64_t deadline = fc_now_mono_ms() + wait_ms;
    pthread_mutex_lock(&q->lock);
    enum fc_err err = ensure_group(q, diag);
    while (!err) {
        err = take_once(q, job, got, diag);
        if (err || *got || fc_now_mono_ms() >= deadline)
            break;
        /* poll in short steps: a blocking read would hold the connection */
        pthread_mutex_unlock(&q->lock);
        struct timespec ts = {0, 20 * 1000000L};
        nanosleep(&ts, NULL);
        pthread_mutex_lock(&q->lock);
    }
    if (!err && *got)
        job->attempt = 1 + attempts_of(q, job->fid, diag);
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_push(void *impl, uint64_t fid, bool *queued, struct fc_diag *diag)
{
    struct shared *q = impl;
    char f[24];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    pthread_mutex_lock(&q->lock);
    enum fc_err err = ensure_group(q, diag);
    if (!err) {
        struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s",
                                                     push_lua, q->queued, q->stream, q->failed, f);
        if (fc_redis_reply_type(r) == FC_REDIS_INTEGER)
            *queued = fc_redis_reply_int(r) == 1;
        else
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: queueing %s failed", f);
        fc_redis_reply_free(r);
    }
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_done(void *impl, const struct fc_job *job, struct fc_diag *diag)
{
    struct shared *q = impl;
    pthread_mutex_lock(&q->lock);
    enum fc_err err = want_int(fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s %s %llu",
                                                 done_lua, q->stream, q->queued, q->attempts,
                                                 q->group, job->id, (unsigned long long)job->fid),
                               "finishing a job", NULL, diag);
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_fail(void *impl, const struct fc_job *job, const char *error,
                              struct fc_diag *diag)
{
    struct shared *q = impl;
    char lasterror[260], ready[32], max[16];
    snprintf(lasterror, sizeof(lasterror), "%s:lasterror", q->attempts);
    snprintf(max, sizeof(max), "%d", q->o.max_attempts);
    pthread_mutex_lock(&q->lock);
    /* the delay doubles per failure: read the count first to compute it */
    int failures = 1 + attempts_of(q, job->fid, diag);
    snprintf(ready, sizeof(ready), "%lld",
             (long long)(fc_now_unix_ms() + fc_jobq_backoff_ms(&q->o, failures)));
    struct fc_redis_reply *r = fc_redis_link_cmd(
        &q->link, diag, "EVAL %s 6 %s %s %s %s %s %s %s %s %llu %s %s %s", fail_lua, q->stream,
        q->queued, q->attempts, q->failed, q->delayed, lasterror, q->group, job->id,
        (unsigned long long)job->fid, max, error, ready);
    enum fc_err err = FC_OK;
    if (fc_redis_reply_type(r) != FC_REDIS_INTEGER)
        err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: recording the failure of %llu "
                                                    "failed", (unsigned long long)job->fid);
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_release(void *impl, const struct fc_job *job, struct fc_diag *diag)
{
    struct shared *q = impl;
    pthread_mutex_lock(&q->lock);
    enum fc_err err = want_int(fc_redis_link_cmd(&q->link, diag, "EVAL %s 1 %s %s %s %llu",
                                                 release_lua, q->stream, q->group, job->id,
                                                 (unsigned long long)job->fid),
                               "giving a job back", NULL, diag);
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_retry(void *impl, uint64_t fid, bool *found, struct fc_diag *diag)
{
    struct shared *q = impl;
    char f[24];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    long long retried = 0;
    pthread_mutex_lock(&q->lock);
    enum fc_err err = ensure_group(q, diag);
    if (!err)
        err = want_int(fc_redis_link_cmd(&q->link, diag, "EVAL %s 4 %s %s %s %s %s", retry_lua,
                                         q->queued, q->stream, q->failed, q->attempts, f),
                       "retrying a job", &retried, diag);
    pthread_mutex_unlock(&q->lock);
    *found = !err && retried == 1;
    return err;
}

/* HGET key fid into out when it is a string; an unreachable Redis or an
 * error reply is a failure, a missing field is not. */
FC_MUST_CHECK
static enum fc_err hget_text(struct shared *q, const char *key, uint64_t fid, char *out,
                             size_t out_size, struct fc_diag *diag)
{
    struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag, "HGET %s %llu", key,
                                                 (unsigned long long)fid);
    if (!r || fc_redis_reply_type(r) == FC_REDIS_ERROR)
        return rerr(r, "reading a job's error", diag);
    if (fc_redis_reply_type(r) == FC_REDIS_STRING)
        snprintf(out, out_size, "%s", fc_redis_reply_str(r));
    fc_redis_reply_free(r);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err redis_error(void *impl, uint64_t fid, char *out, size_t out_size,
                               struct fc_diag *diag)
{
    struct shared *q = impl;
    char lasterror[260];
    snprintf(lasterror, sizeof(lasterror), "%s:lasterror", q->attempts);
    pthread_mutex_lock(&q->lock);
    enum fc_err err = hget_text(q, q->failed, fid, out, out_size, diag);
    if (!err && !out[0])
        err = hget_text(q, lasterror, fid, out, out_size, diag);
    pthread_mutex_unlock(&q->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err redis_counts(void *impl, struct fc_jobq_counts *c, struct fc_diag *diag)
{
    struct shared *q = impl;
    memset(c, 0, sizeof(*c));
    long long queued = 0, delayed = 0, failed = 0;
    pthread_mutex_lock(&q->lock);
    bool ok1 = !want_int(fc_redis_link_cmd(&q->link, diag, "SCARD %s", q->queued), "SCARD",
                         &queued, diag);
    bool ok2 = !want_int(fc_redis_link_cmd(&q->link, diag, "ZCARD %s", q->delayed), "ZCARD",
                         &delayed, diag);
    bool ok3 = !want_int(fc_redis_link_cmd(&q->link, diag, "HLEN %s", q->failed), "HLEN",
                         &failed, diag);
    struct fc_redis_reply *r = fc_redis_link_cmd(&q->link, diag, "XPENDING %s %s", q->stream,
                                                 q->group);
    long long running = fc_redis_reply_int(fc_redis_reply_at(r, 0));
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&q->lock);
    enum fc_err err = FC_OK;
    if (!ok1 || !ok2 || !ok3)
        err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: counting jobs failed");
    c->running = (size_t)running;
    c->delayed = (size_t)delayed;
    c->failed = (size_t)failed;
    long long pending = queued - running - delayed;
    c->pending = pending > 0 ? (size_t)pending : 0;
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

FC_MUST_CHECK
static enum fc_err redis_clear(void *impl, bool failed, size_t *removed, struct fc_diag *diag)
{
    struct shared *q = impl;
    char lasterror[260];
    snprintf(lasterror, sizeof(lasterror), "%s:lasterror", q->attempts);
    pthread_mutex_lock(&q->lock);
    struct fc_redis_reply *r =
        failed ? fc_redis_link_cmd(&q->link, diag, "EVAL %s 5 %s %s %s %s %s", clear_failed_lua,
                                   q->failed, q->delayed, q->attempts, lasterror, q->queued)
               : fc_redis_link_cmd(&q->link, diag, "EVAL %s 3 %s %s %s %s", clear_pending_lua,
                                   q->stream, q->queued, q->attempts, q->group);
    long long n = 0;
    enum fc_err err = want_int(r, failed ? "clearing failed jobs" : "clearing pending jobs", &n,
                               diag);
    if (!err)
        *removed = (size_t)n;
    pthread_mutex_unlock(&q->lock);
    return err;
}

const struct fc_jobq_ops fc_jobq_redis_ops = FC_JOBQ_OPS(redis);
