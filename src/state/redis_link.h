/* A Redis connection that comes back by itself, for the indexer's state
 * (job queue, target sets). A command on a link with no usable connection
 * connects first, but while Redis stays down at most once per backoff
 * interval (exponential with jitter, 100 ms to 2 s): in between, commands
 * fail at once without a connection attempt. A command that fails drops the
 * connection, so unsent commands never pile up in its buffers (a broken
 * hiredis context keeps appending them). Not thread-safe: the owner locks. */
#ifndef FC_STATE_REDIS_LINK_H
#define FC_STATE_REDIS_LINK_H

#include <stdint.h>

#include "core/err.h"

struct fc_redis;

struct fc_redis_link {
    char url[512];
    struct fc_redis *conn;  /* NULL: not connected */
    int failures;           /* connection attempts failed in a row */
    int64_t next_try_ms;    /* no attempt before this (monotonic) */
    uint64_t connects;      /* connections made so far: a change means a new connection */
};

void fc_redis_link_init(struct fc_redis_link *l, const char *url);
void fc_redis_link_cleanup(struct fc_redis_link *l);

/* Connects when needed (see above) and runs one command in hiredis format.
 * Returns the redisReply * (the caller frees it), or NULL with
 * FC_ERR_UNAVAILABLE in diag ("Redis unreachable" and why). */
void *fc_redis_link_cmd(struct fc_redis_link *l, struct fc_diag *diag, const char *fmt, ...);
/* The same for an argument vector (lens may be NULL for C strings). */
void *fc_redis_link_argv(struct fc_redis_link *l, struct fc_diag *diag, int argc,
                         const char **argv, const size_t *lens);
/* The connected hiredis context (redisContext *) for pipelined commands, or
 * NULL with diag set. After a failed pipelined reply call fc_redis_link_drop. */
void *fc_redis_link_ctx(struct fc_redis_link *l, struct fc_diag *diag);
void fc_redis_link_drop(struct fc_redis_link *l);

#endif
