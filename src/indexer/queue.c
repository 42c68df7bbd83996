/* The backfill queue as a run sees it: state/jobq (embedded or Redis) plus
 * how a one-shot run ends and a server waits for work. */
#include "indexer/internal.h"

#include <unistd.h>

#include "core/backoff.h"
#include "core/fctime.h"
#include "core/log.h"
#include "store/db.h"
#include "store/jobreq.h"

/* A pause reaches every worker of every process within this (plus one take),
 * and so does an operator's request to an embedded queue. */
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

/* Applies the operators' requests recorded since the last applied one to
 * the in-memory queue, as the admin routes would have (store/jobreq.h). */
static void apply_requests(struct queue *q, struct fc_db *db, int64_t latest)
{
    struct fc_jobreq *list = NULL;
    size_t n = 0;
    struct fc_diag d;
    if (fc_jobreq_since(db, q->requests_applied, &list, &n, &d)) {
        if (!fc_db_broken(db))
            log_warn("queue", "reading the operators' requests: %s", d.msg);
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct fc_jobreq *r = &list[i];
        size_t removed = 0;
        if (r->action == FC_JOBREQ_RETRY) {
            for (size_t k = 0; k < r->n_fids; k++) {
                enum fc_err qerr = fc_jobq_retry(q->q, r->fids[k], &d);
                if (qerr && qerr != FC_ERR_NOT_FOUND) /* not failed in the queue: pushed below */
                    log_warn("queue", "retrying fid %llu: %s", (unsigned long long)r->fids[k],
                             d.msg);
                fc_ix_queue_push(q, r->fids[k]);
            }
            log_info("queue", "%zu jobs queued again by request %lld", r->n_fids,
                     (long long)r->id);
        } else if (fc_jobq_clear(q->q, r->action == FC_JOBREQ_CLEAR_FAILED, &removed, &d) ==
                   FC_OK) {
            log_info("queue", "%zu %s jobs cleared by request %lld", removed,
                     r->action == FC_JOBREQ_CLEAR_FAILED ? "failed" : "pending",
                     (long long)r->id);
        }
        q->requests_applied = r->id;
    }
    if (q->requests_applied < latest) /* none left (dropped after a day) */
        q->requests_applied = latest;
    fc_jobreq_free(list, n);
}

/* Whether the operator paused the queue; one worker per process reads it
 * from PostgreSQL when the last reading is older than PAUSE_CHECK_MS, with
 * the newest request for an embedded queue. A failed reading keeps the
 * last answer. */
static bool paused(struct queue *q, struct fc_db *db)
{
    pthread_mutex_lock(&q->pause_lock);
    int64_t now = fc_now_mono_ms();
    /* a lost connection is not asked (the worker reconnects when a job fails on it) */
    if (now - q->pause_checked_ms >= PAUSE_CHECK_MS && !fc_db_broken(db)) {
        q->pause_checked_ms = now;
        bool p;
        int64_t latest = 0;
        struct fc_diag d;
        if (fc_jobreq_poll(db, &p, &latest, &d)) {
            if (!fc_db_broken(db)) /* a lost connection is reported where it reconnects */
                log_warn("queue", "reading the pause switch: %s", d.msg);
        } else {
            q->paused = p;
            if (q->apply_requests && q->requests_applied < 0)
                q->requests_applied = latest;
            else if (q->apply_requests && latest > q->requests_applied)
                apply_requests(q, db, latest);
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

/* Takes the next job; false when the run is over (stop requested, or in a
 * --wait run when nothing is pending, running or waiting for a retry). */
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
