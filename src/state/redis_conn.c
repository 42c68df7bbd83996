#include "state/redis_conn.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct fc_redis {
    redisContext *ctx;
};

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

void *fc_redis_context(struct fc_redis *r)
{
    return r->ctx;
}

void *fc_redis_call(struct fc_redis **conn, const char *url, struct fc_diag *diag,
                    const char *fmt, ...)
{
    if (!*conn && fc_redis_open(url, 1000, conn, diag))
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *reply = redisvCommand((*conn)->ctx, fmt, ap);
    va_end(ap);
    if (!reply) {
        fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis: %s", (*conn)->ctx->errstr[0]
                                                               ? (*conn)->ctx->errstr
                                                               : "connection lost");
        fc_redis_close(*conn);
        *conn = NULL;
    }
    return reply;
}

bool fc_redis_reply_is_ok(const void *reply, const char *want)
{
    const redisReply *r = reply;
    return r && (r->type == REDIS_REPLY_STATUS || r->type == REDIS_REPLY_STRING) && r->str &&
           strcmp(r->str, want) == 0;
}

void fc_redis_reply_free(void *reply)
{
    if (reply)
        freeReplyObject(reply);
}
