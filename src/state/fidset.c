#include "state/fidset.h"

#include <hiredis/hiredis.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "state/redis_conn.h"
#include "state/redis_link.h"

struct fc_fidset {
    bool redis;
    /* embedded: open addressing, 0 = empty, UINT64_MAX = deleted */
    pthread_rwlock_t rw;
    uint64_t *slots;
    size_t cap, n;
    /* redis */
    pthread_mutex_t lock;
    struct fc_redis_link link; /* reconnects by itself */
    char key[256];
};

/* ---- embedded ---- */

static size_t slot_of(uint64_t fid, size_t cap)
{
    return (size_t)((fid * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

struct fc_fidset *fc_fidset_new_embedded(void)
{
    struct fc_fidset *s = fc_xcalloc(1, sizeof(*s));
    pthread_rwlock_init(&s->rw, NULL);
    s->cap = 1024;
    s->slots = fc_xcalloc(s->cap, sizeof(uint64_t));
    return s;
}

static bool emb_has(struct fc_fidset *s, uint64_t fid)
{
    bool found = false;
    pthread_rwlock_rdlock(&s->rw);
    for (size_t i = slot_of(fid, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == fid) {
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&s->rw);
    return found;
}

static void put(uint64_t *slots, size_t cap, uint64_t fid)
{
    size_t i = slot_of(fid, cap);
    while (slots[i] && slots[i] != UINT64_MAX && slots[i] != fid)
        i = (i + 1) & (cap - 1);
    slots[i] = fid;
}

static void emb_add(struct fc_fidset *s, uint64_t fid)
{
    if (emb_has(s, fid))
        return;
    pthread_rwlock_wrlock(&s->rw);
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap * 2;
        uint64_t *slots = fc_xcalloc(cap, sizeof(uint64_t));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i] && s->slots[i] != UINT64_MAX)
                put(slots, cap, s->slots[i]);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    put(s->slots, s->cap, fid);
    s->n++;
    pthread_rwlock_unlock(&s->rw);
}

static void emb_remove(struct fc_fidset *s, uint64_t fid)
{
    pthread_rwlock_wrlock(&s->rw);
    for (size_t i = slot_of(fid, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == fid) {
            s->slots[i] = UINT64_MAX; /* keeps probe chains intact */
            s->n--;
            break;
        }
    }
    pthread_rwlock_unlock(&s->rw);
}

/* ---- redis ---- */

static enum fc_err reply_err(struct fc_fidset *s, redisReply *r, const char *what,
                             struct fc_diag *diag)
{
    if (!r) /* the link said why */
        return FC_ERR_UNAVAILABLE;
    enum fc_err e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s %s: %s", what, s->key,
                                r->str ? r->str : "unexpected reply");
    freeReplyObject(r);
    return e;
}

enum fc_err fc_fidset_open_redis(const char *url, const char *prefix, const char *name,
                                 struct fc_fidset **out, struct fc_diag *diag)
{
    struct fc_fidset *s = fc_xcalloc(1, sizeof(*s));
    s->redis = true;
    fc_redis_link_init(&s->link, url);
    if (!fc_redis_link_ctx(&s->link, diag)) { /* Redis must answer at start */
        fc_redis_link_cleanup(&s->link);
        free(s);
        return FC_ERR_UNAVAILABLE;
    }
    pthread_mutex_init(&s->lock, NULL);
    snprintf(s->key, sizeof(s->key), "%s%s", prefix, name);
    *out = s;
    return FC_OK;
}

void fc_fidset_free(struct fc_fidset *s)
{
    if (!s)
        return;
    if (s->redis) {
        fc_redis_link_cleanup(&s->link);
        pthread_mutex_destroy(&s->lock);
    } else {
        free(s->slots);
        pthread_rwlock_destroy(&s->rw);
    }
    free(s);
}

bool fc_fidset_has(struct fc_fidset *s, uint64_t fid)
{
    if (!fid)
        return false;
    if (!s->redis)
        return emb_has(s, fid);
    pthread_mutex_lock(&s->lock);
    redisReply *r = fc_redis_link_cmd(&s->link, NULL, "SISMEMBER %s %llu", s->key, (unsigned long long)fid);
    bool found = r && r->type == REDIS_REPLY_INTEGER && r->integer == 1;
    if (r)
        freeReplyObject(r);
    pthread_mutex_unlock(&s->lock);
    return found;
}

enum fc_err fc_fidset_has_many(struct fc_fidset *s, const uint64_t *fids, size_t n, bool *out,
                               struct fc_diag *diag)
{
    if (!s->redis) {
        for (size_t i = 0; i < n; i++)
            out[i] = fids[i] && emb_has(s, fids[i]);
        return FC_OK;
    }
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
    redisReply *r = fc_redis_link_argv(&s->link, diag, (int)n + 2, argv, lens);
    enum fc_err err = FC_OK;
    if (!r || r->type != REDIS_REPLY_ARRAY || r->elements != n) {
        err = reply_err(s, r, "SMISMEMBER", diag);
    } else {
        for (size_t i = 0; i < n; i++)
            out[i] = r->element[i]->integer == 1;
        freeReplyObject(r);
    }
    pthread_mutex_unlock(&s->lock);
    free(argv);
    free(lens);
    free(num);
    return err;
}

static enum fc_err simple(struct fc_fidset *s, const char *cmd, uint64_t fid, struct fc_diag *diag)
{
    pthread_mutex_lock(&s->lock);
    redisReply *r = fc_redis_link_cmd(&s->link, diag, "%s %s %llu", cmd, s->key, (unsigned long long)fid);
    enum fc_err err = FC_OK;
    if (!r || r->type == REDIS_REPLY_ERROR)
        err = reply_err(s, r, cmd, diag);
    else
        freeReplyObject(r);
    pthread_mutex_unlock(&s->lock);
    return err;
}

enum fc_err fc_fidset_add(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag)
{
    if (!fid)
        return fc_diag_set(diag, FC_ERR_INVALID, "fid 0");
    if (!s->redis) {
        emb_add(s, fid);
        return FC_OK;
    }
    return simple(s, "SADD", fid, diag);
}

enum fc_err fc_fidset_remove(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag)
{
    if (!s->redis) {
        emb_remove(s, fid);
        return FC_OK;
    }
    return simple(s, "SREM", fid, diag);
}

enum fc_err fc_fidset_count(struct fc_fidset *s, size_t *n, struct fc_diag *diag)
{
    if (!s->redis) {
        pthread_rwlock_rdlock(&s->rw);
        *n = s->n;
        pthread_rwlock_unlock(&s->rw);
        return FC_OK;
    }
    pthread_mutex_lock(&s->lock);
    redisReply *r = fc_redis_link_cmd(&s->link, diag, "SCARD %s", s->key);
    enum fc_err err = FC_OK;
    if (!r || r->type != REDIS_REPLY_INTEGER) {
        err = reply_err(s, r, "SCARD", diag);
    } else {
        *n = (size_t)r->integer;
        freeReplyObject(r);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

enum fc_err fc_fidset_replace(struct fc_fidset *s, const uint64_t *fids, size_t n,
                              struct fc_diag *diag)
{
    if (!s->redis) {
        pthread_rwlock_wrlock(&s->rw);
        memset(s->slots, 0, s->cap * sizeof(uint64_t));
        s->n = 0;
        pthread_rwlock_unlock(&s->rw);
        for (size_t i = 0; i < n; i++)
            emb_add(s, fids[i]);
        return FC_OK;
    }
    /* Build under a temporary key, then RENAME: readers never see it half-made. */
    char tmp[300];
    snprintf(tmp, sizeof(tmp), "%s:rebuild", s->key);
    pthread_mutex_lock(&s->lock);
    enum fc_err err = FC_OK;
    redisContext *ctx = fc_redis_link_ctx(&s->link, diag);
    if (!ctx) {
        pthread_mutex_unlock(&s->lock);
        return FC_ERR_UNAVAILABLE;
    }
    redisAppendCommand(ctx, "DEL %s", tmp);
    size_t sent = 1;
    for (size_t i = 0; i < n; i += 1000) {
        struct fc_buf cmd = FC_BUF_INIT;
        size_t m = n - i < 1000 ? n - i : 1000;
        const char **argv = fc_xcalloc(m + 2, sizeof(char *));
        char (*num)[24] = fc_xcalloc(m, 24);
        argv[0] = "SADD";
        argv[1] = tmp;
        for (size_t k = 0; k < m; k++) {
            snprintf(num[k], 24, "%llu", (unsigned long long)fids[i + k]);
            argv[k + 2] = num[k];
        }
        redisAppendCommandArgv(ctx, (int)m + 2, argv, NULL);
        sent++;
        free(argv);
        free(num);
        fc_buf_cleanup(&cmd);
    }
    if (n)
        redisAppendCommand(ctx, "RENAME %s %s", tmp, s->key);
    else
        redisAppendCommand(ctx, "DEL %s", s->key);
    sent++;
    for (size_t i = 0; i < sent; i++) {
        redisReply *r = NULL;
        if (redisGetReply(ctx, (void **)&r) != REDIS_OK || !r || r->type == REDIS_REPLY_ERROR) {
            if (!r) {
                err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis rebuild %s: %s", s->key,
                                  ctx->errstr[0] ? ctx->errstr : "connection lost");
                fc_redis_link_drop(&s->link); /* nothing left queued on a dead connection */
                break;
            }
            if (!err)
                err = reply_err(s, r, "rebuild", diag);
            else if (r)
                freeReplyObject(r);
            if (!r)
                break;
            continue;
        }
        freeReplyObject(r);
    }
    pthread_mutex_unlock(&s->lock);
    return err;
}

uint64_t fc_fidset_connects(struct fc_fidset *s)
{
    if (!s->redis)
        return 0;
    pthread_mutex_lock(&s->lock);
    uint64_t n = s->link.connects;
    pthread_mutex_unlock(&s->lock);
    return n;
}
