/* Operator control of backfill jobs, kept in PostgreSQL (the truth for
 * every process, across restarts of fcindex and Redis): the pause switch
 * and each target's job state.
 *
 * A target's job is in exactly one state:
 *   synced   last_synced_at is set
 *   held     cleared by an operator: not queued again until retried
 *   running  a worker took it (backfill_started_at)
 *   failed   its last attempt failed (last_error), waiting for a retry or given up
 *   pending  none of the above */
#ifndef FC_STORE_JOBCTL_H
#define FC_STORE_JOBCTL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

/* The state of the targets' jobs as an SQL boolean expression over
 * targets t, for filters: "pending", "running", "failed", "synced", "held";
 * NULL for any other name. */
const char *fc_jobctl_state_sql(const char *state);
/* The state of targets t as an SQL text expression. */
extern const char fc_jobctl_state_case[];

FC_MUST_CHECK
enum fc_err fc_jobctl_paused(struct fc_db *db, bool *paused, struct fc_diag *diag);
/* by says who (e.g. "admin api", "cli"); *changed is false when it already was. */
FC_MUST_CHECK
enum fc_err fc_jobctl_set_paused(struct fc_db *db, bool paused, const char *by, bool *changed,
                                 struct fc_diag *diag);

/* A worker takes fid's job: *claimed false when the target is gone or held
 * (the queue entry is stale and the job is dropped). */
FC_MUST_CHECK
enum fc_err fc_jobctl_claim(struct fc_db *db, uint64_t fid, bool *claimed, struct fc_diag *diag);

/* Holds every pending job (failed false) or every failed job (failed true);
 * running jobs are not touched. *n: how many were held. */
FC_MUST_CHECK
enum fc_err fc_jobctl_clear(struct fc_db *db, bool failed, size_t *n, struct fc_diag *diag);
/* Makes every failed and held job pending again (attempts and error reset);
 * their fids into a caller-freed array. */
FC_MUST_CHECK
enum fc_err fc_jobctl_retry_all(struct fc_db *db, uint64_t **fids, size_t *n,
                                struct fc_diag *diag);

/* {"paused":B,"paused_changed_at":T,"paused_changed_by":S,"states":{"pending":N,
 * "running":N,"failed":N,"held":N,"synced":N}} appended to out. */
FC_MUST_CHECK
enum fc_err fc_jobctl_stats_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag);

/* {"failed":[{"fid":N,"attempts":N,"error":S},...]}: failed jobs, by fid. */
FC_MUST_CHECK
enum fc_err fc_jobctl_failed_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag);
/* Makes fid's job pending again (attempts and error reset, hold lifted);
 * *found false when fid is not a target. */
FC_MUST_CHECK
enum fc_err fc_jobctl_retry(struct fc_db *db, uint64_t fid, bool *found, struct fc_diag *diag);

#endif
