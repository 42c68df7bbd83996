/* The Redis wrapper (see redis_conn.h): the only file that includes
 * hiredis. Replies handed out are hiredis replies behind an opaque type. */
#include "state/redis_conn.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/fctime.h"

struct fc_redis {
    redisContext *ctx;
};

#define REPLY(r) ((const redisReply *)(const void *)(r))

enum fc_err fc_redis_open(const char *url, int timeout_ms, struct fc_redis **out,
                          struct fc_diag *diag)
{
    char host[256] = "127.0.0.1", password[256] = "";
    int port = 6379, db = 0;
    if (strncmp(url, "redis://", 8) != 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "redis.url must start with redis://");
    const char *p = url + 8;
    const char *at = strchr(p, '@');
    if (at) {
        const char *colon = memchr(p, ':', (size_t)(at - p));
        if (colon)
            snprintf(password, sizeof(password), "%.*s", (int)(at - colon - 1), colon + 1);
        p = at + 1;
    }
    size_t hl = strcspn(p, ":/");
    if (hl && hl < sizeof(host))
        snprintf(host, sizeof(host), "%.*s", (int)hl, p);
    p += hl;
    if (*p == ':') {
        port = atoi(p + 1);
        p += 1 + strspn(p + 1, "0123456789");
    }
    if (*p == '/' && p[1])
        db = atoi(p + 1);
    if (port <= 0 || port > 65535)
        return fc_diag_set(diag, FC_ERR_INVALID, "redis.url: bad port");
    struct timeval tv = {timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    redisContext *ctx = redisConnectWithTimeout(host, port, tv);
    if (!ctx || ctx->err) {
        enum fc_err e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis %s:%d: %s", host, port,
                                    ctx ? ctx->errstr : "out of memory");
        if (ctx)
            redisFree(ctx);
        return e;
    }
    redisSetTimeout(ctx, tv);
    if (*password || db) {
        redisReply *r = *password ? redisCommand(ctx, "AUTH %s", password) : NULL;
        bool bad = *password && (!r || r->type == REDIS_REPLY_ERROR);
        if (r)
            freeReplyObject(r);
        if (!bad && db) {
            r = redisCommand(ctx, "SELECT %d", db);
            bad = !r || r->type == REDIS_REPLY_ERROR;
            if (r)
                freeReplyObject(r);
        }
        if (bad) {
            redisFree(ctx);
            return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: authentication or SELECT failed");
        }
    }
    struct fc_redis *rc = fc_xcalloc(1, sizeof(*rc));
    rc->ctx = ctx;
    *out = rc;
    return FC_OK;
}

void fc_redis_close(struct fc_redis *r)
{
    if (!r)
        return;
    redisFree(r->ctx);
    free(r);
}

enum fc_err fc_redis_ping(struct fc_redis *r, struct fc_diag *diag)
{
    redisReply *rep = redisCommand(r->ctx, "PING");
    enum fc_err e = FC_OK;
    if (!rep || rep->type == REDIS_REPLY_ERROR)
        e = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis PING failed: %s",
                        rep ? rep->str : r->ctx->errstr);
    if (rep)
        freeReplyObject(rep);
    return e;
}

static void lost(redisContext *c, struct fc_diag *diag, const char *what)
{
    fc_diag_set(diag, FC_ERR_UNAVAILABLE, "%s: %s", what,
                c->errstr[0] ? c->errstr : "connection lost");
}

struct fc_redis_reply *fc_redis_vcommand(struct fc_redis *r, struct fc_diag *diag,
                                         const char *fmt, va_list ap)
{
    redisReply *reply = redisvCommand(r->ctx, fmt, ap);
    if (!reply)
        lost(r->ctx, diag, "redis");
    return (struct fc_redis_reply *)(void *)reply;
}

struct fc_redis_reply *fc_redis_command(struct fc_redis *r, struct fc_diag *diag,
                                        const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    struct fc_redis_reply *reply = fc_redis_vcommand(r, diag, fmt, ap);
    va_end(ap);
    return reply;
}

/* ---- subscriptions ---- */

enum fc_err fc_redis_subscribe(struct fc_redis *r, const char *channel, struct fc_diag *diag)
{
    redisReply *reply = redisCommand(r->ctx, "SUBSCRIBE %s", channel);
    if (!reply) {
        lost(r->ctx, diag, "redis SUBSCRIBE");
        return FC_ERR_UNAVAILABLE;
    }
    freeReplyObject(reply);
    return FC_OK;
}

int fc_redis_wait_messages(struct fc_redis *r, int timeout_ms,
                           void (*fn)(void *arg, const char *payload, size_t len), void *arg)
{
    redisContext *ctx = r->ctx;
    struct pollfd pfd = {.fd = ctx->fd, .events = POLLIN};
    int pr = poll(&pfd, 1, timeout_ms);
    if (pr < 0)
        return -1;
    if (pr == 0)
        return 0;
    if (redisBufferRead(ctx) != REDIS_OK)
        return -1;
    void *rep = NULL;
    while (redisGetReplyFromReader(ctx, &rep) == REDIS_OK && rep) {
        redisReply *m = rep;
        /* ["message", channel, payload] */
        if (m->type == REDIS_REPLY_ARRAY && m->elements == 3 &&
            m->element[2]->type == REDIS_REPLY_STRING)
            fn(arg, m->element[2]->str, m->element[2]->len);
        freeReplyObject(m);
        rep = NULL;
    }
    return ctx->err ? -1 : 1;
}

/* ---- replies ---- */

enum fc_redis_type fc_redis_reply_type(const struct fc_redis_reply *r)
{
    if (!r)
        return FC_REDIS_OTHER;
    switch (REPLY(r)->type) {
    case REDIS_REPLY_STRING: return FC_REDIS_STRING;
    case REDIS_REPLY_ARRAY: return FC_REDIS_ARRAY;
    case REDIS_REPLY_INTEGER: return FC_REDIS_INTEGER;
    case REDIS_REPLY_NIL: return FC_REDIS_NIL;
    case REDIS_REPLY_STATUS: return FC_REDIS_STATUS;
    case REDIS_REPLY_ERROR: return FC_REDIS_ERROR;
    default: return FC_REDIS_OTHER;
    }
}

long long fc_redis_reply_int(const struct fc_redis_reply *r)
{
    return r && REPLY(r)->type == REDIS_REPLY_INTEGER ? REPLY(r)->integer : 0;
}

static bool has_text(const redisReply *r)
{
    return r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS ||
           r->type == REDIS_REPLY_ERROR;
}

const char *fc_redis_reply_str(const struct fc_redis_reply *r)
{
    return r && has_text(REPLY(r)) ? REPLY(r)->str : NULL;
}

size_t fc_redis_reply_len(const struct fc_redis_reply *r)
{
    return r && has_text(REPLY(r)) ? REPLY(r)->len : 0;
}

size_t fc_redis_reply_count(const struct fc_redis_reply *r)
{
    return r && REPLY(r)->type == REDIS_REPLY_ARRAY ? REPLY(r)->elements : 0;
}

const struct fc_redis_reply *fc_redis_reply_at(const struct fc_redis_reply *r, size_t i)
{
    if (i >= fc_redis_reply_count(r))
        return NULL;
    return (const struct fc_redis_reply *)(const void *)REPLY(r)->element[i];
}

bool fc_redis_reply_is_ok(const struct fc_redis_reply *reply, const char *want)
{
    const redisReply *r = REPLY(reply);
    return r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) && r->str &&
           strcmp(r->str, want) == 0;
}

void fc_redis_reply_free(struct fc_redis_reply *reply)
{
    if (reply)
        freeReplyObject(reply);
}

/* ---- the link ---- */

void fc_redis_link_init(struct fc_redis_link *l, const char *url)
{
    *l = (struct fc_redis_link){0};
    snprintf(l->url, sizeof(l->url), "%s", url);
}

void fc_redis_link_cleanup(struct fc_redis_link *l)
{
    fc_redis_link_drop(l);
}

void fc_redis_link_drop(struct fc_redis_link *l)
{
    fc_redis_close(l->conn);
    l->conn = NULL;
}

enum fc_err fc_redis_link_connect(struct fc_redis_link *l, struct fc_diag *diag)
{
    if (l->conn) {
        if (!l->conn->ctx->err)
            return FC_OK;
        fc_redis_link_drop(l);
    }
    int64_t now = fc_now_mono_ms();
    if (now < l->next_try_ms)
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable (next connection "
                                                     "attempt in %lld ms)",
                           (long long)(l->next_try_ms - now));
    struct fc_diag why;
    if (fc_redis_open(l->url, 1000, &l->conn, &why)) {
        l->conn = NULL;
        l->failures++;
        l->next_try_ms = now + fc_backoff_ms(l->failures, 100, 2000);
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable: %s", why.msg);
    }
    l->failures = 0;
    l->next_try_ms = 0;
    l->connects++;
    return FC_OK;
}

/* A NULL reply: the connection failed; drop it and wait a backoff. */
static struct fc_redis_reply *checked(struct fc_redis_link *l, redisReply *r,
                                      struct fc_diag *diag)
{
    if (!r) {
        lost(l->conn->ctx, diag, "Redis unreachable");
        fc_redis_link_drop(l);
        l->failures++;
        l->next_try_ms = fc_now_mono_ms() + fc_backoff_ms(l->failures, 100, 2000);
    }
    return (struct fc_redis_reply *)(void *)r;
}

struct fc_redis_reply *fc_redis_link_cmd(struct fc_redis_link *l, struct fc_diag *diag,
                                         const char *fmt, ...)
{
    if (fc_redis_link_connect(l, diag))
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(l->conn->ctx, fmt, ap);
    va_end(ap);
    return checked(l, r, diag);
}

struct fc_redis_reply *fc_redis_link_argv(struct fc_redis_link *l, struct fc_diag *diag,
                                          int argc, const char **argv, const size_t *lens)
{
    if (fc_redis_link_connect(l, diag))
        return NULL;
    return checked(l, redisCommandArgv(l->conn->ctx, argc, argv, lens), diag);
}

void fc_redis_link_append(struct fc_redis_link *l, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    redisvAppendCommand(l->conn->ctx, fmt, ap);
    va_end(ap);
}

void fc_redis_link_append_argv(struct fc_redis_link *l, int argc, const char **argv,
                               const size_t *lens)
{
    redisAppendCommandArgv(l->conn->ctx, argc, argv, lens);
}

struct fc_redis_reply *fc_redis_link_next_reply(struct fc_redis_link *l, struct fc_diag *diag)
{
    if (!l->conn) {
        fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable: connection lost");
        return NULL;
    }
    redisReply *r = NULL;
    if (redisGetReply(l->conn->ctx, (void **)&r) != REDIS_OK || !r) {
        lost(l->conn->ctx, diag, "Redis unreachable");
        fc_redis_link_drop(l); /* nothing left queued on a dead connection */
        return NULL;
    }
    return (struct fc_redis_reply *)(void *)r;
}

/* ---- a backend's shared link ---- */

enum fc_err fc_redis_shared_open(const char *url, const char *prefix, enum fc_redis_at_open at_open,
                                 void **out, struct fc_diag *diag)
{
    struct fc_redis_shared *s = fc_xcalloc(1, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    fc_redis_link_init(&s->link, url);
    s->prefix = fc_xstrdup(prefix);
    enum fc_err err = fc_redis_link_connect(&s->link, diag);
    if (err && at_open == FC_REDIS_MUST_ANSWER) {
        fc_redis_shared_free(s);
        return err;
    }
    *out = s;
    return FC_OK;
}

void fc_redis_shared_free(void *shared)
{
    struct fc_redis_shared *s = shared;
    if (!s)
        return;
    fc_redis_link_cleanup(&s->link);
    free(s->prefix);
    pthread_mutex_destroy(&s->lock);
    free(s);
}

struct fc_redis_reply *fc_redis_shared_list(struct fc_redis_shared *s, const char *script,
                                            const char *set, const char *entry_prefix,
                                            long long since, const char *what,
                                            struct fc_diag *diag)
{
    char set_key[256], entry_key_prefix[256];
    snprintf(set_key, sizeof(set_key), "%s%s", s->prefix, set);
    snprintf(entry_key_prefix, sizeof(entry_key_prefix), "%s%s", s->prefix, entry_prefix);
    pthread_mutex_lock(&s->lock);
    struct fc_redis_reply *reply = fc_redis_link_cmd(&s->link, diag, "EVAL %s 1 %s %lld %s", script,
                                                     set_key, since, entry_key_prefix);
    pthread_mutex_unlock(&s->lock);
    if (!reply || fc_redis_reply_type(reply) == FC_REDIS_ARRAY)
        return reply;
    const char *why = fc_redis_reply_str(reply);
    fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis refused %s: %.200s", what,
                fc_redis_reply_type(reply) == FC_REDIS_ERROR && why ? why : "unexpected reply");
    fc_redis_reply_free(reply);
    return NULL;
}
