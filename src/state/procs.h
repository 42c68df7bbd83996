/* The registry of live fcindex processes and what each one reports about
 * itself: role, uptime, and for indexers the stream cursors, lag, event and
 * backfill counters and each hub's health. Every process publishes its own
 * entry about once a second; anyone (the API, `fcindex health`) lists them.
 *
 * Two backends behind one interface: embedded (one process; `serve
 * --role=all` without Redis) keeps entries in memory; Redis keeps one key
 * per process with an expiry plus a sorted set of heartbeats, so every API
 * process of an instance sees the same list. Thread-safe. */
#ifndef FC_STATE_PROCS_H
#define FC_STATE_PROCS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

#define FC_PROC_MAX_STREAMS 64
#define FC_PROC_MAX_HUBS 16
#define FC_PROC_MAX_OUTCOMES 12

/* A process that has not published for this long is reported gone; entries
 * are forgotten a minute after their last heartbeat. */
#define FC_PROC_ALIVE_MS 5000
#define FC_PROC_FORGET_MS 60000

struct fc_proc_stream {
    unsigned shard;  /* 0 for a Hubble stream */
    uint64_t cursor; /* next event id to read */
    double lag_s;    /* how long the follower has been behind the head; 0 at it */
};

struct fc_proc_hub {
    char name[160]; /* as configured, credentials masked (fc_redact) */
    bool breaker_open;
    double latency_ms;    /* of the last answered request; 0 before one */
    char last_error[160]; /* "" when the last request succeeded */
    unsigned n_outcomes;
    struct {
        char name[24];
        uint64_t count;
    } outcome[FC_PROC_MAX_OUTCOMES];
};

/* One process's report. Plain data: copy it freely. */
struct fc_proc_status {
    char id[96];   /* host:pid:start, unique per process run */
    char role[16]; /* all, indexer, api */
    char host[64];
    char version[32];
    int pid;
    int64_t started_unix_ms;
    int64_t heartbeat_unix_ms;
    bool alive;    /* set by fc_procs_list: heartbeat within FC_PROC_ALIVE_MS */
    bool indexer;  /* the fields below are meaningful */
    bool follower; /* this process follows the event stream */
    uint64_t events_read, events_applied, backfill_messages, dead_letters;
    /* messages checked by outcome: ok, hash mismatch, bad signature, unknown
     * signer, data differs from dataBytes, not rebuildable; and kept out */
    uint64_t verify[6], verify_rejected;
    uint64_t retention_resyncs, block_rereads;
    uint64_t writer_retries; /* transactions run again after a deadlock */
    uint64_t db_down, redis_down; /* 1 while the indexer cannot reach PostgreSQL / Redis */
    double events_per_s, messages_per_s; /* over the last publishing interval */
    unsigned n_streams;
    struct fc_proc_stream stream[FC_PROC_MAX_STREAMS];
    unsigned n_hubs;
    struct fc_proc_hub hub[FC_PROC_MAX_HUBS];
};

struct fc_procs;

/* The embedded registry. Never fails. Free with fc_procs_free. */
struct fc_procs *fc_procs_new_embedded(void);
/* The Redis registry under key prefix `prefix` at url. Redis being down
 * now is not an error: each later call connects again when needed. */
FC_MUST_CHECK
enum fc_err fc_procs_open_redis(const char *url, const char *prefix, struct fc_procs **out,
                                struct fc_diag *diag);
void fc_procs_free(struct fc_procs *p);

/* Stores s as the entry s->id with heartbeat now (s->heartbeat_unix_ms is
 * overwritten). FC_ERR_UNAVAILABLE when Redis cannot be written. */
FC_MUST_CHECK
enum fc_err fc_procs_publish(struct fc_procs *p, struct fc_proc_status *s, struct fc_diag *diag);
/* Removes the entry id (a process stopping cleanly). */
FC_MUST_CHECK
enum fc_err fc_procs_remove(struct fc_procs *p, const char *id, struct fc_diag *diag);

/* Every entry seen within FC_PROC_FORGET_MS, oldest start first, with
 * `alive` set. *out is a new array the caller frees with free(); *n may be 0. */
FC_MUST_CHECK
enum fc_err fc_procs_list(struct fc_procs *p, struct fc_proc_status **out, size_t *n,
                          struct fc_diag *diag);

/* The text form an entry is stored in (one "key value" line per field), and
 * its strict reader: unknown keys are ignored so older readers keep working,
 * malformed lines are FC_ERR_INVALID. */
void fc_proc_status_encode(const struct fc_proc_status *s, struct fc_buf *out);
FC_MUST_CHECK
enum fc_err fc_proc_status_decode(const char *text, size_t len, struct fc_proc_status *out,
                                  struct fc_diag *diag);

/* Fills identity fields (id, host, pid, role, version, start) of the calling
 * process. */
void fc_proc_status_identify(struct fc_proc_status *s, const char *role, const char *version,
                             int64_t started_unix_ms);

#endif
