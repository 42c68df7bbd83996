/* Shared by the indexer's modules: the indexer's state, its backfill queue
 * and the calls one module makes into another. Nothing outside
 * src/indexer/ includes this. */
#ifndef FC_INDEXER_INTERNAL_H
#define FC_INDEXER_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/log_gate.h"
#include "fc/verify.h"
#include "indexer/indexer.h"
#include "state/jobq.h"

struct fc_db;
struct fc_writer;
struct fc_hub_conn;
struct fc_hub_info;
struct fc_sync_stats;

/* ---- the backfill queue (queue.c): state/jobq plus how a run waits ---- */

#define JOB_MAX_ATTEMPTS 3

struct queue {
    struct fc_jobq *q;
    bool daemon;               /* serve: wait for work instead of ending when idle */
    volatile const int *stop;  /* serve: set by the signal handler */
    /* the operator's pause (PostgreSQL), read at most every PAUSE_CHECK_MS */
    pthread_mutex_t pause_lock;
    int64_t pause_checked_ms;
    bool paused, said_paused;
    /* serve on an embedded queue: operators' requests recorded in PostgreSQL
     * (store/jobreq.h) are applied to it, those after requests_applied
     * (-1 until the first reading) */
    bool apply_requests;
    int64_t requests_applied;
    struct fc_log_gate *gate;  /* the queue's backend failing (Redis) */
    _Atomic int failures;      /* take failures in a row: the backoff */
};

/* Queues fid; a failure is logged (PostgreSQL keeps it pending: the refill retries). */
void fc_ix_queue_push(struct queue *q, uint64_t fid);
/* Jobs pending, running or waiting for a retry (1 when the queue cannot say). */
size_t fc_ix_queue_outstanding(struct queue *q);
/* Takes the next job; false when the run is over (stop requested, or in a
 * --wait run when nothing is pending, running or waiting for a retry).
 * Takes nothing while the queue is paused (read through db). */
bool fc_ix_queue_pop(struct queue *q, struct fc_db *db, struct fc_job *job);

/* ---- the indexer (indexer.c) ---- */

struct fc_indexer {
    const struct fc_config *cfg;
    struct fc_db *db; /* control connection (targets, sync) */
    struct fc_hub_client *hubs;
    /* target, root and client sets: embedded, or Redis when redis.url is set
     * (shared by every process); rebuilt from PostgreSQL at start */
    struct fc_fidset *targets, *roots, *clients;
    struct queue queue;
    bool snapchain;
    unsigned shards;
    pthread_mutex_t stats_lock;
    struct fc_backfill_stats bstats;
    int64_t started_ms, last_report_ms;
    /* told after each commit which fids' rows changed (cache invalidation) */
    fc_indexer_change_fn on_change;
    void *on_change_arg;
    /* figures for /metrics, read from other threads */
    _Atomic uint64_t m_events_read, m_events_applied, m_dead_letters, m_backfill_messages;
    _Atomic uint64_t m_retention_resyncs, m_block_rereads;
    int verify_mode;                   /* enum fc_verify_mode (indexer/verify_gate.h) */
    unsigned verify_threads;           /* the stream's page checks run on this many */
    _Atomic uint64_t m_verify[FC_VERIFY_RESULT_MAX]; /* messages checked, by outcome */
    _Atomic uint64_t m_verify_rejected;             /* of those, kept out (enforce) */
    _Atomic bool m_follower; /* holds the follower lock (serve) */
    _Atomic uint64_t m_writer_retries; /* transactions run again after a deadlock */
    struct fc_log_gate conflicts;      /* those retries, logged on change and each minute */
    struct fc_log_gate db_gate;        /* PostgreSQL unreachable */
    struct fc_log_gate redis_gate;     /* Redis (queue, shared sets) unreachable */
    struct fc_log_gate sync_gate;      /* following the stream failing (hub, database, sets) */
    uint64_t sets_connects;            /* sum of the sets' connections when last rebuilt */
    _Atomic uint64_t m_cursor[FC_INDEXER_MAX_STREAMS];
    _Atomic int64_t m_behind_since_ms[FC_INDEXER_MAX_STREAMS]; /* 0: at the head */
    int block_rereads[FC_INDEXER_MAX_STREAMS]; /* the follower's re-reads of an incomplete block */
    /* accounts whose signer events the follower fetched (indexer/follower.h),
     * kept across its turns; made at the first fetch */
    struct fc_signer_fetch *signer_fetch;
};

void fc_ix_notify_change(struct fc_indexer *ix, const uint64_t *fids, size_t n);
/* Shared-set changes follow PostgreSQL, which already holds them: a failed
 * Redis write is logged and healed by the rebuild at the next start. */
void fc_ix_shared_add(struct fc_indexer *ix, struct fc_fidset *s, uint64_t fid);
void fc_ix_shared_remove(struct fc_indexer *ix, struct fc_fidset *s, uint64_t fid);
/* A connection with the options of cfg; *db is the caller's, closed with
 * fc_db_close. */
FC_MUST_CHECK
enum fc_err fc_ix_open_db(const struct fc_config *cfg, struct fc_db **db, struct fc_diag *diag);
bool fc_ix_stopping(const struct fc_indexer *ix);
/* Rebuilds the shared sets from PostgreSQL when Redis was reached again
 * since the last rebuild (it may have restarted empty); on ix->db. */
FC_MUST_CHECK
enum fc_err fc_ix_sets_check(struct fc_indexer *ix, struct fc_diag *diag);
/* Adds to the shared sets every target and root PostgreSQL holds that they
 * lack: a follower killed between its commit and its set updates left them
 * behind. Run by a process that takes over the stream; on ix->db. */
FC_MUST_CHECK
enum fc_err fc_ix_sets_heal(struct fc_indexer *ix, struct fc_diag *diag);
/* Connections the shared sets have made so far (0 when embedded). */
uint64_t fc_ix_sets_connects(struct fc_indexer *ix);
/* Waits until *db answers again (reconnects it, or opens it when NULL, with
 * capped jittered backoff logged through ix->db_gate), or stop; false when
 * stopped first. */
bool fc_ix_db_wait(struct fc_indexer *ix, struct fc_db **db);
/* A writer transaction failed on a deadlock or serialization failure and is
 * run again: counted for /metrics, logged without flooding. */
void fc_ix_writer_conflict(struct fc_indexer *ix, const char *reason);

/* ---- backfill workers (backfill.c) ---- */

struct fc_ix_workers;
/* Starts n backfill workers, each with its own database connection (its
 * writer pipelined and set-wise) and hub connection. *out is always set,
 * also on error (the workers started so far run): pass it to
 * fc_ix_workers_join. */
FC_MUST_CHECK
enum fc_err fc_ix_workers_start(struct fc_indexer *ix, int n, struct fc_ix_workers **out,
                                struct fc_diag *diag);
/* Waits for the workers to end (the queue said the run is over) and frees
 * them; adds the messages and dead letters they wrote (either may be NULL). */
void fc_ix_workers_join(struct fc_ix_workers *ws, size_t *messages, size_t *dead);

/* ---- expansion and discovery (expansion.c) ---- */

/* Expansion depth 1 and more: the follow targets made exactly the accounts
 * within that many hops of a root, on db outside any transaction; new ones
 * are queued, dropped ones leave the shared set. */
FC_MUST_CHECK
enum fc_err fc_ix_recompute_reach(struct fc_indexer *ix, struct fc_db *db, struct fc_diag *diag);
/* The same once fid's follows were written (fc_targets_expand_from): its new
 * follows join without a walk when that is all that changed. */
FC_MUST_CHECK
enum fc_err fc_ix_expand_from(struct fc_indexer *ix, struct fc_db *db, uint64_t fid,
                              bool follows_went, struct fc_diag *diag);

/* ---- the follower lock (leader.c) ---- */

/* True when this process holds (or just took) the lock that makes it the
 * one following the event stream. */
bool fc_ix_try_lead(struct fc_indexer *ix);

/* ---- the stream follower (follower.c) ---- */

/* One pass over every stream, each from its stored cursor to the head. */
FC_MUST_CHECK
enum fc_err fc_ix_sync_pass(struct fc_indexer *ix, struct fc_writer *w, struct fc_hub_conn *conn,
                            struct fc_sync_stats *stats, struct fc_diag *diag);

#endif
