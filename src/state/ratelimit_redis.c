/* Rate limits and login penalties in Redis, shared by every API process:
 * one hash per bucket or per penalised key, changed by Lua scripts and
 * expiring once idle. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "state/ratelimit_backend.h"
#include "state/redis_conn.h"

/* unlike the registry, the limiter needs Redis from the start */
FC_REDIS_SHARED_BACKEND(ratelimit, shared, FC_REDIS_MUST_ANSWER)

FC_MUST_CHECK
static enum fc_err refused(const struct fc_redis_reply *r, const char *what,
                           struct fc_diag *diag)
{
    return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s: %s", what,
                       fc_redis_reply_type(r) == FC_REDIS_ERROR ? fc_redis_reply_str(r)
                                                                : "unexpected reply");
}

/* KEYS[1] bucket; ARGV limit, now (ms). Returns {allowed, tokens * 1000}. */
static const char take_lua[] =
    "local limit = tonumber(ARGV[1]) local now = tonumber(ARGV[2]) "
    "local b = redis.call('HMGET', KEYS[1], 't', 'at') "
    "local t = tonumber(b[1]) or limit local at = tonumber(b[2]) or now "
    "if now > at then t = math.min(limit, t + (now - at) / 1000 * limit / 60) end "
    "local ok = 0 if t >= 1 then t = t - 1 ok = 1 end "
    "redis.call('HSET', KEYS[1], 't', tostring(t), 'at', tostring(math.max(now, at))) "
    "redis.call('PEXPIRE', KEYS[1], 120000) "
    "return {ok, math.floor(t * 1000)}";

FC_MUST_CHECK
static enum fc_err shared_take(void *impl, const char *key, int limit,
                               struct fc_rate_result *out, struct fc_diag *diag)
{
    struct fc_redis_shared *rl = impl;
    enum fc_err err = FC_OK;
    char full[512];
    snprintf(full, sizeof(full), "%srate:%s", rl->prefix, key);
    pthread_mutex_lock(&rl->lock);
    struct fc_redis_reply *r = fc_redis_link_cmd(&rl->link, diag, "EVAL %s 1 %s %d %lld", take_lua,
                                                 full, limit, (long long)fc_now_unix_ms());
    if (!r)
        err = FC_ERR_UNAVAILABLE;
    else if (fc_redis_reply_type(r) != FC_REDIS_ARRAY || fc_redis_reply_count(r) != 2)
        err = refused(r, "rate limit", diag);
    if (!err)
        fc_ratelimit_fill_result(out, limit,
                                 (double)fc_redis_reply_int(fc_redis_reply_at(r, 1)) / 1000.0,
                                 fc_redis_reply_int(fc_redis_reply_at(r, 0)) == 1);
    else
        fc_ratelimit_fill_result(out, limit, limit, true);
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&rl->lock);
    return err;
}

/* KEYS[1]; ARGV now (ms), free failures, max lock s. */
static const char fail_lua[] =
    "local n = redis.call('HINCRBY', KEYS[1], 'n', 1) local now = tonumber(ARGV[1]) "
    "local nfree = tonumber(ARGV[2]) local lockt = 0 "
    "if n >= nfree then lockt = now + math.min(2 ^ math.min(n - nfree, 20), tonumber(ARGV[3])) "
    "* 1000 end "
    "redis.call('HSET', KEYS[1], 'until', string.format('%.0f', lockt)) "
    "redis.call('PEXPIRE', KEYS[1], 3600000) return n";

FC_MUST_CHECK
static enum fc_err shared_penalty_until(void *impl, const char *key, int64_t now,
                                        int64_t *until, struct fc_diag *diag)
{
    (void)now;
    struct fc_redis_shared *rl = impl;
    enum fc_err err = FC_OK;
    char full[512];
    snprintf(full, sizeof(full), "%sfail:%s", rl->prefix, key);
    pthread_mutex_lock(&rl->lock);
    struct fc_redis_reply *r = fc_redis_link_cmd(&rl->link, diag, "HGET %s until", full);
    if (!r)
        err = FC_ERR_UNAVAILABLE;
    else if (fc_redis_reply_type(r) == FC_REDIS_STRING)
        *until = strtoll(fc_redis_reply_str(r), NULL, 10);
    else if (fc_redis_reply_type(r) != FC_REDIS_NIL)
        err = refused(r, "login penalty", diag);
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&rl->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err shared_penalty_note(void *impl, const char *key, bool failed, int64_t now,
                                       struct fc_diag *diag)
{
    struct fc_redis_shared *rl = impl;
    enum fc_err err = FC_OK;
    char full[512];
    snprintf(full, sizeof(full), "%sfail:%s", rl->prefix, key);
    pthread_mutex_lock(&rl->lock);
    struct fc_redis_reply *r =
        failed ? fc_redis_link_cmd(&rl->link, diag, "EVAL %s 1 %s %lld %d %d", fail_lua, full,
                                   (long long)now, FC_PENALTY_FREE, FC_PENALTY_MAX_S)
               : fc_redis_link_cmd(&rl->link, diag, "DEL %s", full);
    if (!r)
        err = FC_ERR_UNAVAILABLE;
    else if (fc_redis_reply_type(r) == FC_REDIS_ERROR)
        err = refused(r, "login penalty", diag);
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&rl->lock);
    return err;
}

const struct fc_ratelimit_ops fc_ratelimit_redis_ops = FC_RATELIMIT_OPS(shared);
