/* The backfill queue as a run sees it: state/jobq (embedded or Redis) plus
 * how a one-shot run ends and a server waits for work. */
#include "indexer/internal.h"

#include <unistd.h>

#include "core/backoff.h"
#include "core/fctime.h"
#include "core/log.h"
#include "store/db.h"
#include "store/jobctl.h"

/* A pause reaches every worker of every process within this (plus one take). */
#define PAUSE_CHECK_MS 250

void fc_ix_queue_push(struct queue *q, uint64_t fid)
{
    struct fc_diag d;
    if (fc_jobq_push(q->q, fid, NULL, &d)) /* PostgreSQL keeps it pending: the refill retries */
        fc_log_gate_fail(q->gate, d.msg);
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
/* Whether the operator paused the queue; one worker per process reads it
 * from PostgreSQL when the last reading is older than PAUSE_CHECK_MS. A
 * failed reading keeps the last answer. */
static bool paused(struct queue *q, struct fc_db *db)
{
    pthread_mutex_lock(&q->pause_lock);
    int64_t now = fc_now_mono_ms();
    /* a lost connection is not asked (the worker reconnects when a job fails on it) */
    if (now - q->pause_checked_ms >= PAUSE_CHECK_MS && !fc_db_broken(db)) {
        q->pause_checked_ms = now;
        bool p;
        struct fc_diag d;
        if (fc_jobctl_paused(db, &p, &d)) {
            if (!fc_db_broken(db)) /* a lost connection is reported where it reconnects */
                log_warn("queue", "reading the pause switch: %s", d.msg);
        } else {
            q->paused = p;
        }
        if (q->paused != q->said_paused)
            log_info("queue", q->paused ? "the job queue is paused: no new backfill jobs are "
                                          "taken until `fcindex jobs resume`"
                                        : "the job queue is resumed");
        q->said_paused = q->paused;
    }
    bool p = q->paused;
    pthread_mutex_unlock(&q->pause_lock);
    return p;
}

bool fc_ix_queue_pop(struct queue *q, struct fc_db *db, struct fc_job *job)
{
    for (;;) {
        if (q->stop && *q->stop)
            return false;
        if (paused(q, db)) {
            usleep(50000);
            continue;
        }
        bool got = false;
        struct fc_diag d;
        if (fc_jobq_take(q->q, 200, job, &got, &d)) {
            /* the backend is down: wait (bounded log, no busy loop) */
            fc_log_gate_fail(q->gate, d.msg);
            fc_sleep_ms(fc_backoff_ms(++q->failures, 100, 5000), q->stop);
            continue;
        }
        if (q->failures) {
            q->failures = 0;
            fc_log_gate_ok(q->gate);
        }
        if (got)
            return true;
        if (!q->daemon && fc_ix_queue_outstanding(q) == 0)
            return false;
    }
}
