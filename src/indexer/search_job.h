/* The search-indexing job of a serve process: a thread with a database
 * connection of its own that keeps moving queued casts into cast_search
 * (store/cast_search.h), so full-text search upkeep runs behind the writer
 * instead of inside its transactions. Any number of processes may run it
 * (each takes rows the others are not taking). */
#ifndef FC_INDEXER_SEARCH_JOB_H
#define FC_INDEXER_SEARCH_JOB_H

#include "core/config.h"
#include "core/err.h"

/* How long the job waits when it found the queue empty: a cast commits at
 * most this long (plus one batch) before it is searchable. */
#define FC_SEARCH_JOB_IDLE_MS 200

struct fc_search_job;

/* Starts the job on the database cfg names (cfg is read now, not kept).
 * The connection is made by the job and made again whenever PostgreSQL
 * goes away, with capped backoff. *out is the caller's, ended with
 * fc_search_job_stop. */
FC_MUST_CHECK
enum fc_err fc_search_job_start(const struct fc_config *cfg, struct fc_search_job **out,
                                struct fc_diag *diag);
/* Stops the job after its current batch (which commits or rolls back
 * whole) and frees it; NULL is ignored. */
void fc_search_job_stop(struct fc_search_job *job);

#endif
