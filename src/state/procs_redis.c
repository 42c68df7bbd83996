/* Process registry in Redis: each entry is a key <prefix>proc:<id> holding
 * the text form, expiring FC_PROC_FORGET_MS after its last write, plus the
 * sorted set <prefix>procs of ids scored by heartbeat, so listing needs no
 * SCAN. A process that dies simply stops refreshing its entry. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "state/procs_backend.h"
#include "state/redis_conn.h"

/* Drops ids whose heartbeat is older than ARGV[1], then returns the stored
 * text of every remaining id (an id whose key expired is skipped). */
static const char LIST_SCRIPT[] =
    "redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', '(' .. ARGV[1]) "
    "local ids = redis.call('ZRANGEBYSCORE', KEYS[1], ARGV[1], '+inf') "
    "local out = {} "
    "for _, id in ipairs(ids) do "
    "  local v = redis.call('GET', ARGV[2] .. id) "
    "  if v then out[#out + 1] = v end "
    "end "
    "return out";

/* Redis down at start is not fatal: every call reconnects */
FC_REDIS_SHARED_BACKEND(procs, registry, FC_REDIS_MAY_BE_DOWN)

/* Runs a command and checks its reply: an error reply is a failure too
 * (a read-only replica, OOM, ...), never success. */
FC_MUST_CHECK
static enum fc_err checked(struct fc_redis_reply *reply, struct fc_diag *diag, const char *what)
{
    if (!reply)
        return FC_ERR_UNAVAILABLE;
    enum fc_err err = FC_OK;
    if (fc_redis_reply_type(reply) == FC_REDIS_ERROR)
        err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "redis refused %s: %.200s", what,
                          fc_redis_reply_str(reply) ? fc_redis_reply_str(reply) : "");
    fc_redis_reply_free(reply);
    return err;
}

FC_MUST_CHECK
static enum fc_err registry_publish(void *impl, const struct fc_proc_status *s,
                                    struct fc_diag *diag)
{
    struct fc_redis_shared *r = impl;
    struct fc_buf text = FC_BUF_INIT;
    fc_proc_status_encode(s, &text);
    char key[256], set[256];
    snprintf(key, sizeof(key), "%sproc:%s", r->prefix, s->id);
    snprintf(set, sizeof(set), "%sprocs", r->prefix);
    pthread_mutex_lock(&r->lock);
    enum fc_err err = checked(fc_redis_link_cmd(&r->link, diag, "SET %s %b PX %d", key,
                                                text.data, text.len, FC_PROC_FORGET_MS),
                              diag, "the process status");
    if (!err)
        err = checked(fc_redis_link_cmd(&r->link, diag, "ZADD %s %lld %s", set,
                                        (long long)s->heartbeat_unix_ms, s->id),
                      diag, "the process heartbeat");
    pthread_mutex_unlock(&r->lock);
    fc_buf_cleanup(&text);
    return err;
}

FC_MUST_CHECK
static enum fc_err registry_remove(void *impl, const char *id, struct fc_diag *diag)
{
    struct fc_redis_shared *r = impl;
    char key[256], set[256];
    snprintf(key, sizeof(key), "%sproc:%s", r->prefix, id);
    snprintf(set, sizeof(set), "%sprocs", r->prefix);
    pthread_mutex_lock(&r->lock);
    enum fc_err err = checked(fc_redis_link_cmd(&r->link, diag, "DEL %s", key), diag,
                              "removing the process status");
    if (!err)
        err = checked(fc_redis_link_cmd(&r->link, diag, "ZREM %s %s", set, id), diag,
                      "removing the process heartbeat");
    pthread_mutex_unlock(&r->lock);
    return err;
}

FC_MUST_CHECK
static enum fc_err registry_list(void *impl, int64_t since_unix_ms, struct fc_proc_status **out,
                                 size_t *n, struct fc_diag *diag)
{
    struct fc_redis_reply *reply = fc_redis_shared_list(impl, LIST_SCRIPT, "procs", "proc:",
                                                        since_unix_ms, "listing processes", diag);
    if (!reply)
        return FC_ERR_UNAVAILABLE;
    size_t count = fc_redis_reply_count(reply);
    struct fc_proc_status *list = fc_xcalloc(count ? count : 1, sizeof(*list));
    size_t k = 0;
    for (size_t i = 0; i < count; i++) {
        const struct fc_redis_reply *e = fc_redis_reply_at(reply, i);
        struct fc_diag ignored;
        /* an entry another version wrote badly is left out, not fatal */
        if (fc_redis_reply_type(e) == FC_REDIS_STRING &&
            fc_proc_status_decode(fc_redis_reply_str(e), fc_redis_reply_len(e), &list[k],
                                  &ignored) == FC_OK)
            k++;
    }
    fc_redis_reply_free(reply);
    *out = list;
    *n = k;
    return FC_OK;
}

const struct fc_procs_ops fc_procs_redis_ops = FC_PROCS_OPS(registry);
