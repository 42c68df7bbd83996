#include "state/revoked.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "state/redis_conn.h"

struct ended {
    char jti[64];
    int64_t exp;
};

struct fc_revoked {
    pthread_mutex_t lock;
    struct ended *list; /* embedded: few entries (one per logout), pruned by expiry */
    size_t n, cap;
    struct fc_redis *redis;
    char *url, *prefix;
};

struct fc_revoked *fc_revoked_new_embedded(void)
{
    struct fc_revoked *r = fc_xcalloc(1, sizeof(*r));
    pthread_mutex_init(&r->lock, NULL);
    return r;
}

enum fc_err fc_revoked_open_redis(const char *url, const char *prefix, struct fc_revoked **out,
                                  struct fc_diag *diag)
{
    struct fc_revoked *r = fc_revoked_new_embedded();
    enum fc_err err = fc_redis_open(url, 1000, &r->redis, diag);
    if (err) {
        fc_revoked_free(r);
        return err;
    }
    r->url = fc_xstrdup(url);
    r->prefix = fc_xstrdup(prefix);
    *out = r;
    return FC_OK;
}

void fc_revoked_free(struct fc_revoked *r)
{
    if (!r)
        return;
    fc_redis_close(r->redis);
    free(r->list);
    free(r->url);
    free(r->prefix);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

enum fc_err fc_revoked_add(struct fc_revoked *r, const char *jti, int64_t exp_unix_s,
                           struct fc_diag *diag)
{
    int64_t now = fc_now_unix_ms() / 1000;
    if (exp_unix_s <= now)
        return FC_OK;
    enum fc_err err = FC_OK;
    pthread_mutex_lock(&r->lock);
    if (r->url) {
        char key[256];
        snprintf(key, sizeof(key), "%srevoked:%s", r->prefix, jti);
        redisReply *reply = fc_redis_call(&r->redis, r->url, diag, "SET %s 1 EX %lld", key,
                                           (long long)(exp_unix_s - now));
        if (!reply)
            err = FC_ERR_UNAVAILABLE;
        else
            freeReplyObject(reply);
    } else {
        size_t k = 0;
        for (size_t i = 0; i < r->n; i++) /* drop expired entries */
            if (r->list[i].exp > now)
                r->list[k++] = r->list[i];
        r->n = k;
        if (r->n == r->cap) {
            r->cap = r->cap ? r->cap * 2 : 16;
            r->list = fc_xrealloc(r->list, r->cap * sizeof(*r->list));
        }
        snprintf(r->list[r->n].jti, sizeof(r->list[r->n].jti), "%s", jti);
        r->list[r->n++].exp = exp_unix_s;
    }
    pthread_mutex_unlock(&r->lock);
    return err;
}

enum fc_err fc_revoked_has(struct fc_revoked *r, const char *jti, bool *out, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    *out = false;
    pthread_mutex_lock(&r->lock);
    if (r->url) {
        char key[256];
        snprintf(key, sizeof(key), "%srevoked:%s", r->prefix, jti);
        redisReply *reply = fc_redis_call(&r->redis, r->url, diag, "EXISTS %s", key);
        if (!reply)
            err = FC_ERR_UNAVAILABLE;
        else {
            *out = reply->type == REDIS_REPLY_INTEGER && reply->integer > 0;
            freeReplyObject(reply);
        }
    } else {
        for (size_t i = 0; i < r->n && !*out; i++)
            *out = strcmp(r->list[i].jti, jti) == 0;
    }
    pthread_mutex_unlock(&r->lock);
    return err;
}
