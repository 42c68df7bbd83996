/* The backfill job queue: one job per fid, deduplicated, with retries and
 * exponential backoff, failed jobs kept with their last error, leases that
 * expire so a crashed worker's job is taken again, and counts per state.
 * Two backends behind one contract: embedded (one process) and Redis
 * Streams with a consumer group (several processes). PostgreSQL stays the
 * truth: pending jobs are re-derived from unsynced targets at start, so a
 * lost queue loses nothing. Thread-safe. */
#ifndef FC_STATE_JOBQ_H
#define FC_STATE_JOBQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fc_jobq_options {
    int max_attempts;    /* a job failing this many times is kept as failed; default 5 */
    int backoff_base_ms; /* delay before the 2nd attempt, doubling after; default 1000 */
    int lease_ms;        /* a taken job not finished in this time is taken again; default 300000 */
};

struct fc_job {
    uint64_t fid;
    int attempt;   /* 1 for the first run */
    char id[64];   /* backend handle */
};

struct fc_jobq_counts {
    size_t pending, running, delayed, failed;
};

struct fc_jobq;

/* A queue in this process; the caller frees it with fc_jobq_free. */
struct fc_jobq *fc_jobq_new_embedded(const struct fc_jobq_options *o);
/* A queue in Redis; consumer names this process in the consumer group
 * (unique per process). *out is the caller's, freed with fc_jobq_free. */
FC_MUST_CHECK
enum fc_err fc_jobq_open_redis(const char *url, const char *prefix, const char *consumer,
                               const struct fc_jobq_options *o, struct fc_jobq **out,
                               struct fc_diag *diag);
void fc_jobq_free(struct fc_jobq *q);

/* Queues fid unless it is already queued, running, delayed or failed;
 * *queued says whether it was added. */
FC_MUST_CHECK
enum fc_err fc_jobq_push(struct fc_jobq *q, uint64_t fid, bool *queued, struct fc_diag *diag);
/* Takes the next ready job, waiting up to wait_ms; *got false on timeout. */
FC_MUST_CHECK
enum fc_err fc_jobq_take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool *got,
                         struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_jobq_done(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag);
/* Schedules another attempt after a backoff, or keeps the job as failed. */
FC_MUST_CHECK
enum fc_err fc_jobq_fail(struct fc_jobq *q, const struct fc_job *job, const char *error,
                         struct fc_diag *diag);
/* Gives a job back untouched (graceful shutdown): it runs again, its
 * attempt not counted. */
FC_MUST_CHECK
enum fc_err fc_jobq_release(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag);
/* Makes a failed job pending again. FC_ERR_NOT_FOUND when it is not failed. */
FC_MUST_CHECK
enum fc_err fc_jobq_retry(struct fc_jobq *q, uint64_t fid, struct fc_diag *diag);
/* The last error of a failed job into out (empty when none). */
FC_MUST_CHECK
enum fc_err fc_jobq_error(struct fc_jobq *q, uint64_t fid, char *out, size_t out_size,
                          struct fc_diag *diag);
/* Removes the jobs waiting to run (failed false), or the failed ones and
 * those waiting for a retry (failed true); running jobs stay. *removed says
 * how many went. (Pausing is not the queue's: it is kept in PostgreSQL,
 * store/jobctl.h, and honoured by the workers before each take.) */
FC_MUST_CHECK
enum fc_err fc_jobq_clear(struct fc_jobq *q, bool failed, size_t *removed, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_jobq_counts(struct fc_jobq *q, struct fc_jobq_counts *c, struct fc_diag *diag);

#endif
