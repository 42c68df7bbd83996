/* Throughput history in Redis: each process's buckets in the hash
 * <prefix>throughput:<id> (field: the bucket's start in unix seconds,
 * value: "read applied messages"), expiring an hour after its last write,
 * plus the sorted set <prefix>throughput of process ids scored by their
 * last write, so reading needs no SCAN. Gone processes' hashes stay until
 * they expire: their buckets still count for the hour. */
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"
#include "state/rates_backend.h"
#include "state/redis_conn.h"

/* a process's hash outlives its last bucket's hour by a minute */
#define KEEP_MS ((FC_RATES_WINDOW_S + FC_RATES_BUCKET_S) * 1000 + 60000)

/* KEYS[1] the process's hash, KEYS[2] the set; ARGV: id, now (ms), the
 * window's first bucket (s), expiry (ms), "start read applied messages\n"
 * per bucket. Stores the buckets, drops the process's ones older than the
 * window, refreshes the expiry and the process's last write. */
static const char PUT_SCRIPT[] =
    "for s, v in string.gmatch(ARGV[5], '(%d+) ([%d ]+)\\n') do "
    "  redis.call('HSET', KEYS[1], s, v) "
    "end "
    "local keep = tonumber(ARGV[3]) "
    "for _, f in ipairs(redis.call('HKEYS', KEYS[1])) do "
    "  local t = tonumber(f) "
    "  if not t or t < keep then redis.call('HDEL', KEYS[1], f) end "
    "end "
    "redis.call('PEXPIRE', KEYS[1], ARGV[4]) "
    "redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1]) "
    "return 1";

/* KEYS[1] the set; ARGV: the oldest last write that can hold a bucket of
 * the window (ms), the hashes' key prefix. Forgets older processes, then
 * returns id, {field, value, ...} for each remaining one. */
static const char LIST_SCRIPT[] =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) "
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf') "
    "local out = {} "
    "for _, id in ipairs(ids) do "
    "  local h = redis.call('HGETALL', ARGV[2] .. id) "
    "  if #h > 0 then out[#out + 1] = id; out[#out + 1] = h end "
    "end "
    "return out";

/* Redis down at start is not fatal: every call reconnects */
FC_REDIS_SHARED_BACKEND(rates, store, FC_REDIS_MAY_BE_DOWN)

FC_MUST_CHECK
static enum fc_err store_put(void *impl, const char *proc_id, const struct fc_rate_bucket *b,
                             size_t n, int64_t keep_since_unix_s, int64_t now_unix_ms,
                             struct fc_diag *diag)
{
    struct fc_redis_shared *s = impl;
    struct fc_buf payload = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        char counts[72];
        fc_rate_counts_format(&b[i].c, counts);
        fc_buf_printf(&payload, "%" PRId64 " %s\n", b[i].start_unix_s, counts);
    }
    char key[256], set[256];
    snprintf(key, sizeof(key), "%sthroughput:%s", s->prefix, proc_id);
    snprintf(set, sizeof(set), "%sthroughput", s->prefix);
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *reply = fc_redis_link_cmd(
        &s->link, diag, "EVAL %s 2 %s %s %s %lld %lld %d %b", PUT_SCRIPT, key, set, proc_id,
        (long long)now_unix_ms, (long long)keep_since_unix_s, KEEP_MS, payload.data, payload.len);
    pthread_mutex_unlock(&s->lock);
    fc_buf_cleanup(&payload);
    if (!reply)
        return FC_ERR_UNAVAILABLE;
    enum fc_err err = FC_OK;
    if (fc_redis_reply_type(reply) != FC_REDIS_INTEGER) {
        const char *why = fc_redis_reply_str(reply);
        err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis refused the throughput buckets: %.200s",
                          fc_redis_reply_type(reply) == FC_REDIS_ERROR && why ? why
                                                                           : "unexpected reply");
    }
    fc_redis_reply_free(reply);
    return err;
}

/* A stored field (a bucket's start in unix seconds) read strictly. */
static bool parse_start(const char *s, size_t len, int64_t *out)
{
    if (!len || len > 18)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

FC_MUST_CHECK
static enum fc_err store_list(void *impl, int64_t since_unix_s, struct fc_rate_row **out,
                              size_t *n, size_t *n_procs, struct fc_diag *diag)
{
    struct fc_redis_reply *reply =
        fc_redis_shared_list(impl, LIST_SCRIPT, "throughput", "throughput:",
                             (long long)since_unix_s * 1000, "reading throughput", diag);
    if (!reply)
        return FC_ERR_UNAVAILABLE;
    FC_VEC(struct fc_rate_row) rows = {0};
    size_t procs = 0;
    for (size_t i = 0; i + 1 < fc_redis_reply_count(reply); i += 2) {
        const struct fc_redis_reply *h = fc_redis_reply_at(reply, i + 1);
        if (fc_redis_reply_type(h) != FC_REDIS_ARRAY)
            continue;
        bool any = false;
        for (size_t f = 0; f + 1 < fc_redis_reply_count(h); f += 2) {
            const struct fc_redis_reply *k = fc_redis_reply_at(h, f), *v = fc_redis_reply_at(h, f + 1);
            struct fc_rate_bucket b;
            /* a bucket another version wrote in a form this one cannot read is left out */
            if (fc_redis_reply_type(k) != FC_REDIS_STRING ||
                fc_redis_reply_type(v) != FC_REDIS_STRING ||
                !parse_start(fc_redis_reply_str(k), fc_redis_reply_len(k), &b.start_unix_s) ||
                !fc_rate_counts_parse(fc_redis_reply_str(v), fc_redis_reply_len(v), &b.c) ||
                b.start_unix_s < since_unix_s)
                continue;
            *fc_vec_push(&rows) = (struct fc_rate_row){procs, b};
            any = true;
        }
        procs += any;
    }
    fc_redis_reply_free(reply);
    *out = rows.p ? rows.p : fc_xcalloc(1, sizeof(struct fc_rate_row));
    *n = rows.n;
    *n_procs = procs;
    return FC_OK;
}

const struct fc_rates_ops fc_rates_redis_ops = FC_RATES_OPS(store);
