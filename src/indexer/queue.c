/* The backfill queue as a run sees it: state/jobq (embedded or Redis) plus
 * how a one-shot run ends and a server waits for work. */
#include "indexer/internal.h"

#include "core/log.h"

void fc_ix_queue_push(struct queue *q, uint64_t fid)
{
    struct fc_diag d;
    if (fc_jobq_push(q->q, fid, NULL, &d))
        log_warn("queue", "%s", d.msg); /* PostgreSQL keeps it pending: the refill retries */
}

size_t fc_ix_queue_outstanding(struct queue *q)
{
    struct fc_jobq_counts c;
    struct fc_diag d;
    if (fc_jobq_counts(q->q, &c, &d))
        return 1;
    return c.pending + c.running + c.delayed;
}

/* Takes the next job; false when the run is over (stop requested, or in a
 * --wait run when nothing is pending, running or waiting for a retry). */
bool fc_ix_queue_pop(struct queue *q, struct fc_job *job)
{
    for (;;) {
        if (q->stop && *q->stop)
            return false;
        bool got = false;
        struct fc_diag d;
        if (fc_jobq_take(q->q, 200, job, &got, &d))
            log_warn("queue", "%s", d.msg);
        if (got)
            return true;
        if (!q->daemon && fc_ix_queue_outstanding(q) == 0)
            return false;
    }
}
