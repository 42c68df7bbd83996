/* Requests for job queues held in a serving process's memory (the embedded
 * queue). A command changes the targets in PostgreSQL and, in the same
 * transaction, records what the in-memory queue must do (a failed job made
 * pending again, the pending or failed jobs cleared); a serving process
 * reads the newest request id with the pause switch and applies what came
 * after the last one it applied. Requests older than a day are dropped as
 * new ones are recorded (a process applies them within a second). */
#ifndef FC_STORE_JOBREQ_H
#define FC_STORE_JOBREQ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

enum fc_jobreq_action { FC_JOBREQ_RETRY, FC_JOBREQ_CLEAR_PENDING, FC_JOBREQ_CLEAR_FAILED };

struct fc_jobreq {
    int64_t id;
    enum fc_jobreq_action action;
    uint64_t *fids; /* retry: the jobs made pending */
    size_t n_fids;
};

/* Records a request inside the caller's transaction (the one that changed
 * the targets); by says who asked ("cli"). */
FC_MUST_CHECK
enum fc_err fc_jobreq_record(struct fc_db *db, enum fc_jobreq_action action,
                             const uint64_t *fids, size_t n_fids, const char *by,
                             struct fc_diag *diag);

/* The pause switch and the newest request id (0 when none) in one reading. */
FC_MUST_CHECK
enum fc_err fc_jobreq_poll(struct fc_db *db, bool *paused, int64_t *latest,
                           struct fc_diag *diag);

/* Requests with an id above after, oldest first; free with fc_jobreq_free. */
FC_MUST_CHECK
enum fc_err fc_jobreq_since(struct fc_db *db, int64_t after, struct fc_jobreq **out,
                            size_t *n, struct fc_diag *diag);
void fc_jobreq_free(struct fc_jobreq *list, size_t n);

#endif
