/* A fid set in Redis, shared by every process: one SET key. A rebuild
 * fills a temporary key and renames it, so readers never see it half-made. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "state/fidset_backend.h"
#include "state/redis_conn.h"

struct shared {
    pthread_mutex_t lock;      /* the link is one connection */
    struct fc_redis_link link; /* reconnects by itself */
    char key[256];
};

FC_MUST_CHECK
static enum fc_err reply_err(struct shared *s, struct fc_redis_reply *r, const char *what,
                             struct fc_diag *diag)
{
    if (!r) /* the link said why */
        return FC_ERR_UNAVAILABLE;
    const char *why = fc_redis_reply_str(r);
    enum fc_err e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s %s: %s", what, s->key,
                                why ? why : "unexpected reply");
    fc_redis_reply_free(r);
    return e;
}

enum fc_err fc_fidset_redis_open(const char *url, const char *prefix, const char *name,
                                 void **out, struct fc_diag *diag)
{
    struct shared *s = fc_xcalloc(1, sizeof(*s));
    fc_redis_link_init(&s->link, url);
    if (fc_redis_link_connect(&s->link, diag)) { /* Redis must answer at start */
        fc_redis_link_cleanup(&s->link);
        free(s);
        return FC_ERR_UNAVAILABLE;
    }
    pthread_mutex_init(&s->lock, NULL);
    snprintf(s->key, sizeof(s->key), "%s%s", prefix, name);
    *out = s;
    return FC_OK;
}

static void shared_free(void *impl)
{
    struct shared *s = impl;
    fc_redis_link_cleanup(&s->link);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

static bool shared_has(void *impl, uint64_t fid)
{
    struct shared *s = impl;
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *r = fc_redis_link_cmd(&s->link, NULL, "SISMEMBER %s %llu", s->key,
                                                 (unsigned long long)fid);
    bool found = fc_redis_reply_type(r) == FC_REDIS_INTEGER && fc_redis_reply_int(r) == 1;
    fc_redis_reply_free(r);
    pthread_mutex_unlock(&s->lock);
    return found;
}

FC_MUST_CHECK
static enum fc_err shared_has_many(void *impl, const uint64_t *fids, size_t n, bool *out,
                                   struct fc_diag *diag)
{
    struct shared *s = impl;
    if (!n)
        return FC_OK;
    /* SMISMEMBER key f1 f2 ...: one round trip for the batch */
    const char **argv = fc_xcalloc(n + 2, sizeof(char *));
    size_t *lens = fc_xcalloc(n + 2, sizeof(size_t));
    char (*num)[24] = fc_xcalloc(n, 24);
    argv[0] = "SMISMEMBER";
    argv[1] = s->key;
    lens[0] = 10;
    lens[1] = strlen(s->key);
    for (size_t i = 0; i < n; i++) {
        snprintf(num[i], 24, "%llu", (unsigned long long)fids[i]);
        argv[i + 2] = num[i];
        lens[i + 2] = strlen(num[i]);
    }
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *r = fc_redis_link_argv(&s->link, diag, (int)n + 2, argv, lens);
    enum fc_err err = FC_OK;
    if (fc_redis_reply_type(r) != FC_REDIS_ARRAY || fc_redis_reply_count(r) != n) {
        err = reply_err(s, r, "SMISMEMBER", diag);
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = fc_redis_reply_int(fc_redis_reply_at(r, i)) == 1;
        fc_redis_reply_free(r);
    }
    pthread_mutex_unlock(&s->lock);
    free(argv);
    free(lens);
    free(num);
    return err;
}

FC_MUST_CHECK
static enum fc_err simple(struct shared *s, const char *cmd, uint64_t fid, struct fc_diag *diag)
{
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *r = fc_redis_link_cmd(&s->link, diag, "%s %s %llu", cmd, s->key,
                                                 (unsigned long long)fid);
    enum fc_err err = FC_OK;
    if (!r || fc_redis_reply_type(r) == FC_REDIS_ERROR)
        err = reply_err(s, r, cmd, diag);
    else
        fc_redis_reply_free(r);
    pthread_mutex_unlock(&s->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err shared_add(void *impl, uint64_t fid, struct fc_diag *diag)
{
    return simple(impl, "SADD", fid, diag);
}

FC_MUST_CHECK
static enum fc_err shared_remove(void *impl, uint64_t fid, struct fc_diag *diag)
{
    return simple(impl, "SREM", fid, diag);
}

FC_MUST_CHECK
static enum fc_err shared_count(void *impl, size_t *n, struct fc_diag *diag)
{
    struct shared *s = impl;
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *r = fc_redis_link_cmd(&s->link, diag, "SCARD %s", s->key);
    enum fc_err err = FC_OK;
    if (fc_redis_reply_type(r) != FC_REDIS_INTEGER) {
        err = reply_err(s, r, "SCARD", diag);
    } else {
        *n = (size_t)fc_redis_reply_int(r);
        fc_redis_reply_free(r);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

/* Queues the rebuild: DEL tmp, SADD tmp in chunks of 1000, then RENAME
 * (or DEL the set when empty). Returns how many commands were queued. */
static size_t queue_rebuild(struct shared *s, const char *tmp, const uint64_t *fids, size_t n)
{
    fc_redis_link_append(&s->link, "DEL %s", tmp);
    size_t sent = 1;
    for (size_t i = 0; i < n; i += 1000) {
        size_t m = n - i < 1000 ? n - i : 1000;
        const char **argv = fc_xcalloc(m + 2, sizeof(char *));
        char (*num)[24] = fc_xcalloc(m, 24);
        argv[0] = "SADD";
        argv[1] = tmp;
        for (size_t k = 0; k < m; k++) {
            snprintf(num[k], 24, "%llu", (unsigned long long)fids[i + k]);
            argv[k + 2] = num[k];
        }
        fc_redis_link_append_argv(&s->link, (int)m + 2, argv, NULL);
        sent++;
        free(argv);
        free(num);
    }
    if (n)
        fc_redis_link_append(&s->link, "RENAME %s %s", tmp, s->key);
    else
        fc_redis_link_append(&s->link, "DEL %s", s->key);
    return sent + 1;
}

FC_MUST_CHECK
static enum fc_err shared_replace(void *impl, const uint64_t *fids, size_t n,
                                  struct fc_diag *diag)
{
    struct shared *s = impl;
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s:rebuild", s->key);
    pthread_mutex_lock(&s->lock);
    if (fc_redis_link_connect(&s->link, diag)) {
        pthread_mutex_unlock(&s->lock);
        return FC_ERR_UNAVAILABLE;
    }
    size_t sent = queue_rebuild(s, tmp, fids, n);
    enum fc_err err = FC_OK;
    for (size_t i = 0; i < sent; i++) {
        struct fc_diag why;
        struct fc_redis_reply *r = fc_redis_link_next_reply(&s->link, &why);
        if (!r) { /* the link is dropped: nothing stays queued */
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis rebuild %s: %s", s->key, why.msg);
            break;
        }
        if (fc_redis_reply_type(r) == FC_REDIS_ERROR && !err)
            err = reply_err(s, r, "rebuild", diag);
        else
            fc_redis_reply_free(r);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

static uint64_t shared_connects(void *impl)
{
    struct shared *s = impl;
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->link.connects;
    pthread_mutex_unlock(&s->lock);
    return n;
}

const struct fc_fidset_ops fc_fidset_redis_ops = FC_FIDSET_OPS(shared);
