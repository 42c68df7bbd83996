#include "state/redis_link.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>

#include "core/backoff.h"
#include "core/fctime.h"
#include "state/redis_conn.h"

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

void *fc_redis_link_ctx(struct fc_redis_link *l, struct fc_diag *diag)
{
    if (l->conn) {
        redisContext *c = fc_redis_context(l->conn);
        if (!c->err)
            return c;
        fc_redis_link_drop(l);
    }
    int64_t now = fc_now_mono_ms();
    if (now < l->next_try_ms) {
        fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable (next connection attempt in "
                                              "%lld ms)", (long long)(l->next_try_ms - now));
        return NULL;
    }
    struct fc_diag why;
    if (fc_redis_open(l->url, 1000, &l->conn, &why)) {
        l->conn = NULL;
        l->failures++;
        l->next_try_ms = now + fc_backoff_ms(l->failures, 100, 2000);
        fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable: %s", why.msg);
        return NULL;
    }
    l->failures = 0;
    l->next_try_ms = 0;
    l->connects++;
    return fc_redis_context(l->conn);
}

static void *checked(struct fc_redis_link *l, redisContext *c, redisReply *r,
                     struct fc_diag *diag)
{
    if (!r) {
        fc_diag_set(diag, FC_ERR_UNAVAILABLE, "Redis unreachable: %s",
                    c->errstr[0] ? c->errstr : "connection lost");
        fc_redis_link_drop(l);
        l->failures++;
        l->next_try_ms = fc_now_mono_ms() + fc_backoff_ms(l->failures, 100, 2000);
    }
    return r;
}

void *fc_redis_link_cmd(struct fc_redis_link *l, struct fc_diag *diag, const char *fmt, ...)
{
    redisContext *c = fc_redis_link_ctx(l, diag);
    if (!c)
        return NULL;
    va_list ap;
    va_start(ap, fmt);
    redisReply *r = redisvCommand(c, fmt, ap);
    va_end(ap);
    return checked(l, c, r, diag);
}

void *fc_redis_link_argv(struct fc_redis_link *l, struct fc_diag *diag, int argc,
                         const char **argv, const size_t *lens)
{
    redisContext *c = fc_redis_link_ctx(l, diag);
    if (!c)
        return NULL;
    return checked(l, c, redisCommandArgv(c, argc, argv, lens), diag);
}
