/* The Redis wrapper: the one place hiredis is used. Connections from a
 * redis:// URL, commands and their replies (read through the accessors
 * below), a link that reconnects by itself with backoff, pipelines, and
 * subscriptions. Everything else in src/state reaches Redis through it.
 *
 * Ownership: every reply returned here belongs to the caller, who frees it
 * with fc_redis_reply_free; replies reached with fc_redis_reply_at belong to
 * their parent. Connections and links are not thread-safe: their owner
 * locks. */
#ifndef FC_STATE_REDIS_CONN_H
#define FC_STATE_REDIS_CONN_H

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fc_redis;

/* A reply to one command (opaque; read it with the accessors). */
struct fc_redis_reply;

enum fc_redis_type {
    FC_REDIS_STRING,
    FC_REDIS_ARRAY,
    FC_REDIS_INTEGER,
    FC_REDIS_NIL,
    FC_REDIS_STATUS,
    FC_REDIS_ERROR,
    FC_REDIS_OTHER, /* doubles, maps and the like from RESP3; none is used here */
};

/* ---- one connection ---- */

/* Connects to redis://[:password@]host[:port][/db] with a timeout. *out is
 * the caller's, closed with fc_redis_close. */
FC_MUST_CHECK
enum fc_err fc_redis_open(const char *url, int timeout_ms, struct fc_redis **out,
                          struct fc_diag *diag);
void fc_redis_close(struct fc_redis *r);
/* PING; FC_ERR_UNAVAILABLE with the reason on failure. */
FC_MUST_CHECK
enum fc_err fc_redis_ping(struct fc_redis *r, struct fc_diag *diag);

/* Runs one command (hiredis format) on r. Returns the reply (the caller's,
 * freed with fc_redis_reply_free), or NULL with FC_ERR_UNAVAILABLE in diag
 * when the connection failed (r is then unusable). */
struct fc_redis_reply *fc_redis_command(struct fc_redis *r, struct fc_diag *diag,
                                        const char *fmt, ...);
struct fc_redis_reply *fc_redis_vcommand(struct fc_redis *r, struct fc_diag *diag,
                                         const char *fmt, va_list ap);

/* ---- subscriptions ---- */

/* SUBSCRIBE channel on r, which then carries only messages. */
FC_MUST_CHECK
enum fc_err fc_redis_subscribe(struct fc_redis *r, const char *channel, struct fc_diag *diag);
/* Waits up to timeout_ms for messages on a subscribed r and hands each
 * message's payload to fn. Returns 1 after reading, 0 on timeout, -1 when
 * the connection failed. poll() keeps the wait short without socket
 * timeouts (which would break the subscription every time they fire). */
int fc_redis_wait_messages(struct fc_redis *r, int timeout_ms,
                           void (*fn)(void *arg, const char *payload, size_t len), void *arg);

/* ---- replies ---- */

/* FC_REDIS_OTHER for NULL. */
enum fc_redis_type fc_redis_reply_type(const struct fc_redis_reply *r);
/* An integer reply's value (0 otherwise). */
long long fc_redis_reply_int(const struct fc_redis_reply *r);
/* A string, status or error reply's text (NULL otherwise); see _len. */
const char *fc_redis_reply_str(const struct fc_redis_reply *r);
size_t fc_redis_reply_len(const struct fc_redis_reply *r);
/* An array reply's element count (0 otherwise) and element i (owned by r). */
size_t fc_redis_reply_count(const struct fc_redis_reply *r);
const struct fc_redis_reply *fc_redis_reply_at(const struct fc_redis_reply *r, size_t i);
/* Whether reply is the status or string want. */
bool fc_redis_reply_is_ok(const struct fc_redis_reply *reply, const char *want);
/* NULL is a no-op. */
void fc_redis_reply_free(struct fc_redis_reply *reply);

/* ---- a link that comes back by itself ----
 * A command on a link with no usable connection connects first, but while
 * Redis stays down at most once per backoff interval (exponential with
 * jitter, 100 ms to 2 s): in between, commands fail at once without a
 * connection attempt. A command that fails drops the connection, so unsent
 * commands never pile up in its buffers (a broken hiredis context keeps
 * appending them). */
struct fc_redis_link {
    char url[512];
    struct fc_redis *conn;  /* NULL: not connected */
    int failures;           /* connection attempts failed in a row */
    int64_t next_try_ms;    /* no attempt before this (monotonic) */
    uint64_t connects;      /* connections made so far: a change means a new connection */
};

void fc_redis_link_init(struct fc_redis_link *l, const char *url);
void fc_redis_link_cleanup(struct fc_redis_link *l);
/* Connects when needed (see above); FC_ERR_UNAVAILABLE with the reason. */
FC_MUST_CHECK
enum fc_err fc_redis_link_connect(struct fc_redis_link *l, struct fc_diag *diag);
void fc_redis_link_drop(struct fc_redis_link *l);

/* Connects when needed and runs one command in hiredis format. Returns the
 * reply (the caller's, freed with fc_redis_reply_free), or NULL with
 * FC_ERR_UNAVAILABLE in diag ("Redis unreachable" and why); diag may be NULL. */
struct fc_redis_reply *fc_redis_link_cmd(struct fc_redis_link *l, struct fc_diag *diag,
                                         const char *fmt, ...);
/* The same for an argument vector (lens may be NULL for C strings). */
struct fc_redis_reply *fc_redis_link_argv(struct fc_redis_link *l, struct fc_diag *diag,
                                          int argc, const char **argv, const size_t *lens);

/* A state backend's one link (fc_redis_link below: it reconnects with
 * backoff), shared under its lock, with the module's key prefix. */
struct fc_redis_shared {
    pthread_mutex_t lock; /* held around each use of link */
    struct fc_redis_link link;
    char *prefix;
};
/* What a backend opening its link does when Redis does not answer. */
enum fc_redis_at_open {
    FC_REDIS_MUST_ANSWER, /* the failure is returned and nothing is made */
    FC_REDIS_MAY_BE_DOWN, /* made anyway, FC_OK (the reason still in diag): later
                           * commands connect again, at most once per backoff interval */
};
/* A new one in *out (a backend's object): the caller frees it with
 * fc_redis_shared_free, whose void * form serves as a backend's ops->free.
 * It connects at once; a failure is handled as at_open says. */
FC_MUST_CHECK
enum fc_err fc_redis_shared_open(const char *url, const char *prefix, enum fc_redis_at_open at_open,
                                 void **out, struct fc_diag *diag);
void fc_redis_shared_free(void *shared);
/* The listing of a backend that indexes its entries in the sorted set
 * <prefix><set> (procs, rates): runs the Lua script with KEYS[1] that set,
 * ARGV[1] since and ARGV[2] the entries' key prefix <prefix><entry_prefix>,
 * under s's lock. Returns the reply (the caller's) when it is an array;
 * otherwise NULL with FC_ERR_UNAVAILABLE in diag: the link's reason, or
 * "redis refused <what>" and the error Redis gave. */
struct fc_redis_reply *fc_redis_shared_list(struct fc_redis_shared *s, const char *script,
                                            const char *set, const char *entry_prefix,
                                            long long since, const char *what,
                                            struct fc_diag *diag);

/* FC_REDIS_SHARED_BACKEND(name, P, at_open), in the Redis backend of a
 * state module whose object is a bare struct fc_redis_shared (procs, rates,
 * ratelimit), defines that backend's fc_<name>_redis_open (through
 * fc_redis_shared_open with at_open) and the file-local P_free its
 * operations table names. */
#define FC_REDIS_SHARED_BACKEND(name, P, at_open)                                               \
    enum fc_err fc_##name##_redis_open(const char *url, const char *prefix, void **out,         \
                                       struct fc_diag *diag)                                    \
    {                                                                                           \
        return fc_redis_shared_open(url, prefix, at_open, out, diag);                           \
    }                                                                                           \
                                                                                                \
    static void P##_free(void *impl)                                                            \
    {                                                                                           \
        fc_redis_shared_free(impl);                                                             \
    }

/* Pipelines on a connected link (fc_redis_link_connect first): queue
 * commands, then read one reply per command in order. A NULL reply means
 * the connection failed: the link is dropped, nothing stays queued. Replies
 * are the caller's, freed with fc_redis_reply_free. */
void fc_redis_link_append(struct fc_redis_link *l, const char *fmt, ...);
void fc_redis_link_append_argv(struct fc_redis_link *l, int argc, const char **argv,
                               const size_t *lens);
struct fc_redis_reply *fc_redis_link_next_reply(struct fc_redis_link *l, struct fc_diag *diag);

#endif
