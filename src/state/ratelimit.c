#include "state/ratelimit.h"

#include <hiredis/hiredis.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "state/redis_conn.h"

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

struct fc_ratelimit {
    pthread_mutex_t lock;
    /* embedded */
    struct bucket *table[BUCKETS];
    struct penalty *penalties[BUCKETS];
    size_t n;
    int64_t last_sweep_ms;
    /* redis */
    struct fc_redis *redis;
    char *url, *prefix;
};

struct fc_ratelimit *fc_ratelimit_new_embedded(void)
{
    struct fc_ratelimit *rl = fc_xcalloc(1, sizeof(*rl));
    pthread_mutex_init(&rl->lock, NULL);
    return rl;
}

enum fc_err fc_ratelimit_open_redis(const char *url, const char *prefix, struct fc_ratelimit **out,
                                    struct fc_diag *diag)
{
    struct fc_ratelimit *rl = fc_ratelimit_new_embedded();
    enum fc_err err = fc_redis_open(url, 1000, &rl->redis, diag);
    if (err) {
        fc_ratelimit_free(rl);
        return err;
    }
    rl->url = fc_xstrdup(url);
    rl->prefix = fc_xstrdup(prefix);
    *out = rl;
    return FC_OK;
}

bool fc_ratelimit_local(const struct fc_ratelimit *rl)
{
    return !rl->redis;
}

void fc_ratelimit_free(struct fc_ratelimit *rl)
{
    if (!rl)
        return;
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
    fc_redis_close(rl->redis);
    free(rl->url);
    free(rl->prefix);
    pthread_mutex_destroy(&rl->lock);
    free(rl);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (uint8_t)*s) * 1099511628211ULL;
    return h;
}

static void fill_result(struct fc_rate_result *out, int limit, double tokens, bool allowed)
{
    double per_s = limit / 60.0;
    out->allowed = allowed;
    out->limit = limit;
    out->remaining = (int)floor(tokens);
    out->reset_s = (int)ceil((limit - tokens) / per_s);
    out->retry_after_s = allowed ? 0 : (int)ceil((1.0 - tokens) / per_s);
    if (!allowed && out->retry_after_s < 1)
        out->retry_after_s = 1;
}

/* Drops buckets that have refilled completely (they equal a new bucket). */
static void sweep(struct fc_ratelimit *rl, int64_t now)
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
                rl->n--;
            } else {
                pp = &b->next;
            }
        }
}

static void take_embedded(struct fc_ratelimit *rl, const char *key, int limit,
                          struct fc_rate_result *out)
{
    int64_t now = fc_now_mono_ms();
    pthread_mutex_lock(&rl->lock);
    sweep(rl, now);
    size_t i = hash_str(key) % BUCKETS;
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
        rl->n++;
    }
    b->tokens += (double)(now - b->at_ms) / 1000.0 * (limit / 60.0);
    if (b->tokens > limit)
        b->tokens = limit;
    b->at_ms = now;
    bool allowed = b->tokens >= 1.0;
    if (allowed)
        b->tokens -= 1.0;
    fill_result(out, limit, b->tokens, allowed);
    pthread_mutex_unlock(&rl->lock);
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

static enum fc_err take_redis(struct fc_ratelimit *rl, const char *key, int limit,
                              struct fc_rate_result *out, struct fc_diag *diag)
{
    pthread_mutex_lock(&rl->lock);
    enum fc_err err = FC_OK;
    char full[512];
    snprintf(full, sizeof(full), "%srate:%s", rl->prefix, key);
    redisReply *r = fc_redis_call(&rl->redis, rl->url, diag, "EVAL %s 1 %s %d %lld", take_lua,
                                  full, limit, (long long)fc_now_unix_ms());
    if (!r)
        err = FC_ERR_UNAVAILABLE;
    else if (r->type != REDIS_REPLY_ARRAY || r->elements != 2)
        err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis rate limit: %s",
                          r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
    if (!err)
        fill_result(out, limit, (double)r->element[1]->integer / 1000.0,
                    r->element[0]->integer == 1);
    else
        fill_result(out, limit, limit, true);
    if (r)
        freeReplyObject(r);
    pthread_mutex_unlock(&rl->lock);
    return err;
}

enum fc_err fc_ratelimit_take(struct fc_ratelimit *rl, const char *cls, const char *client,
                              int limit_per_min, struct fc_rate_result *out, struct fc_diag *diag)
{
    if (limit_per_min <= 0) {
        memset(out, 0, sizeof(*out));
        out->allowed = true;
        return FC_OK;
    }
    char key[256];
    snprintf(key, sizeof(key), "%s:%s", cls, client);
    if (rl->url)
        return take_redis(rl, key, limit_per_min, out, diag);
    take_embedded(rl, key, limit_per_min, out);
    return FC_OK;
}

/* ---- penalties ---- */

static int64_t lock_ms(int failures)
{
    if (failures < FC_PENALTY_FREE)
        return 0;
    int shift = failures - FC_PENALTY_FREE;
    int64_t s = shift >= 10 ? FC_PENALTY_MAX_S : (int64_t)1 << shift;
    return (s > FC_PENALTY_MAX_S ? FC_PENALTY_MAX_S : s) * 1000;
}

/* The embedded entry of key (created when make), with stale ones dropped. */
static struct penalty **penalty_slot(struct fc_ratelimit *rl, const char *key, int64_t now)
{
    struct penalty **pp = &rl->penalties[hash_str(key) % BUCKETS];
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

/* KEYS[1]; ARGV now (ms), free failures, max lock s. */
static const char fail_lua[] =
    "local n = redis.call('HINCRBY', KEYS[1], 'n', 1) local now = tonumber(ARGV[1]) "
    "local nfree = tonumber(ARGV[2]) local lockt = 0 "
    "if n >= nfree then lockt = now + math.min(2 ^ math.min(n - nfree, 20), tonumber(ARGV[3])) "
    "* 1000 end "
    "redis.call('HSET', KEYS[1], 'until', string.format('%.0f', lockt)) "
    "redis.call('PEXPIRE', KEYS[1], 3600000) return n";

enum fc_err fc_ratelimit_penalty_check(struct fc_ratelimit *rl, const char *key,
                                       int *retry_after_s, struct fc_diag *diag)
{
    int64_t now = fc_now_unix_ms(), until = 0;
    enum fc_err err = FC_OK;
    pthread_mutex_lock(&rl->lock);
    if (rl->url) {
        char full[512];
        snprintf(full, sizeof(full), "%sfail:%s", rl->prefix, key);
        redisReply *r = fc_redis_call(&rl->redis, rl->url, diag, "HGET %s until", full);
        if (!r)
            err = FC_ERR_UNAVAILABLE;
        else if (r->type == REDIS_REPLY_STRING)
            until = strtoll(r->str, NULL, 10);
        else if (r->type != REDIS_REPLY_NIL)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis login penalty: %s",
                              r->type == REDIS_REPLY_ERROR ? r->str : "unexpected reply");
        if (r)
            freeReplyObject(r);
    } else {
        struct penalty **pp = penalty_slot(rl, key, now);
        if (*pp)
            until = (*pp)->until_ms;
    }
    pthread_mutex_unlock(&rl->lock);
    *retry_after_s = until > now ? (int)((until - now + 999) / 1000) : 0;
    return err;
}

enum fc_err fc_ratelimit_penalty_note(struct fc_ratelimit *rl, const char *key, bool failed,
                                      struct fc_diag *diag)
{
    int64_t now = fc_now_unix_ms();
    enum fc_err err = FC_OK;
    pthread_mutex_lock(&rl->lock);
    if (rl->url) {
        char full[512];
        snprintf(full, sizeof(full), "%sfail:%s", rl->prefix, key);
        redisReply *r = failed ? fc_redis_call(&rl->redis, rl->url, diag, "EVAL %s 1 %s %lld %d %d",
                                               fail_lua, full, (long long)now, FC_PENALTY_FREE,
                                               FC_PENALTY_MAX_S)
                               : fc_redis_call(&rl->redis, rl->url, diag, "DEL %s", full);
        if (!r)
            err = FC_ERR_UNAVAILABLE;
        else if (r->type == REDIS_REPLY_ERROR)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis login penalty: %s", r->str);
        if (r)
            freeReplyObject(r);
    } else {
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
    }
    pthread_mutex_unlock(&rl->lock);
    return err;
}
