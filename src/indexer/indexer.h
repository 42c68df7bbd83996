/* The indexer: keeps the target set, backfills targets from the hubs with a
 * pool of workers, and follows the event stream, writing everything through
 * store/writer in transactions that carry the stream cursor.
 *
 * Threading: fc_indexer_backfill runs its own worker threads (each with its
 * own database connection and hub connection); other calls are made from
 * one thread. The target and client sets are in-process copies of the
 * PostgreSQL tables, rebuilt at start. */
#ifndef FC_INDEXER_INDEXER_H
#define FC_INDEXER_INDEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct fc_indexer;
struct fc_hub_client;
struct fc_fidset;
struct fc_jobq;

struct fc_backfill_stats {
    size_t jobs_ok, jobs_failed, messages, pages, dead_letters;
};

struct fc_sync_stats {
    size_t pages, events, kept, dead_letters, new_targets, dropped_targets;
    size_t block_rereads;     /* Snapchain blocks read again because events were missing */
    size_t retention_resyncs; /* cursors older than the hub's retention */
};

/* Connects to the database and hubs named by cfg (borrowed for the
 * indexer's life) and records cfg's root targets and clients. */
FC_MUST_CHECK
enum fc_err fc_indexer_new(const struct fc_config *cfg, struct fc_indexer **out,
                           struct fc_diag *diag);
void fc_indexer_free(struct fc_indexer *ix);

/* Backfills the given fids, or every unsynced target when n == 0, with the
 * configured number of workers; targets added on the way (follows of roots)
 * are backfilled too. Returns FC_OK only if every job succeeded. */
FC_MUST_CHECK
enum fc_err fc_indexer_backfill(struct fc_indexer *ix, const uint64_t *fids, size_t n,
                                struct fc_backfill_stats *stats, struct fc_diag *diag);

/* Follows every stream from its stored cursor (the oldest retained event
 * the first time) until a read returns nothing new. */
FC_MUST_CHECK
enum fc_err fc_indexer_sync_until_head(struct fc_indexer *ix, struct fc_sync_stats *stats,
                                       struct fc_diag *diag);

/* Serves: backfill workers take pending targets (re-derived from PostgreSQL
 * every few seconds) while this thread follows the event streams, until
 * *stop becomes non-zero; in-flight work then finishes. */
FC_MUST_CHECK
enum fc_err fc_indexer_run(struct fc_indexer *ix, volatile const int *stop, struct fc_diag *diag);

/* Called after every commit with the fids whose rows changed (sorted,
 * unique), from the thread that committed: keep it short. */
typedef void (*fc_indexer_change_fn)(void *arg, const uint64_t *fids, size_t n);
void fc_indexer_on_change(struct fc_indexer *ix, fc_indexer_change_fn fn, void *arg);

/* The indexer's target, root and client sets and its job queue, for an API
 * served from the same process (borrowed; valid while ix lives). */
struct fc_indexer_shared {
    struct fc_fidset *targets, *roots, *clients;
    struct fc_jobq *jobq;
};
void fc_indexer_shared(struct fc_indexer *ix, struct fc_indexer_shared *out);

/* The indexer's hub client (for hub health in status reports). */
struct fc_hub_client *fc_indexer_hub_client(struct fc_indexer *ix);

/* Queues a backfill of fid (deduplicated by the queue). */
void fc_indexer_enqueue(struct fc_indexer *ix, uint64_t fid);

#define FC_INDEXER_MAX_STREAMS 64

/* Running totals for /metrics; safe to call from any thread. */
#define FC_INDEXER_VERIFY_RESULTS 6 /* enum fc_verify_result's values */
struct fc_indexer_metrics {
    uint64_t events_read, events_applied, dead_letters, backfill_messages;
    uint64_t verify[FC_INDEXER_VERIFY_RESULTS]; /* messages checked, by fc_verify_result */
    uint64_t verify_rejected;                   /* kept out of the tables (verify.mode enforce) */
    uint64_t retention_resyncs; /* cursors found older than the hub's retention */
    uint64_t block_rereads;     /* Snapchain blocks read again after missing events */
    uint64_t writer_retries;    /* transactions run again after a deadlock or serialization failure */
    bool db_down, redis_down;   /* PostgreSQL / Redis unreachable since the last try */
    bool snapchain;
    bool follower;     /* this process follows the event stream (holds the lock) */
    unsigned n_streams;
    struct {
        unsigned shard;  /* 0 for a Hubble stream */
        uint64_t cursor; /* next event id */
        double lag_s;    /* how long the follower has been behind the head; 0 at it */
    } stream[FC_INDEXER_MAX_STREAMS];
};
void fc_indexer_metrics(struct fc_indexer *ix, struct fc_indexer_metrics *m);

#endif
