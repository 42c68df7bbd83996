/* Redis connections from a redis:// URL (hiredis stays inside src/state). */
#ifndef FC_STATE_REDIS_CONN_H
#define FC_STATE_REDIS_CONN_H

#include <stdbool.h>

#include "core/err.h"

struct fc_redis;

/* Connects to redis://[:password@]host[:port][/db] with a timeout. */
enum fc_err fc_redis_open(const char *url, int timeout_ms, struct fc_redis **out,
                          struct fc_diag *diag);
void fc_redis_close(struct fc_redis *r);
/* The hiredis context (redisContext *), for other modules of src/state. */
void *fc_redis_context(struct fc_redis *r);

/* Runs one command (hiredis format) on *conn, connecting to url first when
 * *conn is NULL; a lost connection is closed and *conn reset so the next
 * call reconnects. Returns the redisReply * (caller frees it with
 * freeReplyObject), or NULL with FC_ERR_UNAVAILABLE in diag. For
 * connections shared under a caller's lock; not for subscriptions. */
void *fc_redis_call(struct fc_redis **conn, const char *url, struct fc_diag *diag,
                    const char *fmt, ...);

/* Whether reply (from fc_redis_call) is the status or string want. */
bool fc_redis_reply_is_ok(const void *reply, const char *want);
/* Frees a reply from fc_redis_call (NULL is a no-op). */
void fc_redis_reply_free(void *reply);

/* PING; FC_ERR_UNAVAILABLE with the reason on failure. */
enum fc_err fc_redis_ping(struct fc_redis *r, struct fc_diag *diag);

#endif
