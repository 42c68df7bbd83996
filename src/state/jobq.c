/* The job queue's contract (state/jobq.h) over either backend:
 * jobq_embedded.c (one process) or jobq_redis.c (Redis Streams). */
#include "state/jobq.h"

#include <stdlib.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "state/facade.h"
#include "state/jobq_backend.h"

FC_STATE_FACADE(jobq)

#define BACKOFF_CAP_MS 300000

void fc_jobq_defaults(struct fc_jobq_options *o)
{
    if (o->max_attempts <= 0)
        o->max_attempts = 5;
    if (o->backoff_base_ms <= 0)
        o->backoff_base_ms = 1000;
    if (o->lease_ms <= 0)
        o->lease_ms = 300000;
}

int64_t fc_jobq_backoff_ms(const struct fc_jobq_options *o, int failures)
{
    return fc_backoff_ms(failures, o->backoff_base_ms, BACKOFF_CAP_MS);
}

struct fc_jobq *fc_jobq_new_embedded(const struct fc_jobq_options *o)
{
    struct fc_jobq_options opts = *o;
    fc_jobq_defaults(&opts);
    return wrap(&fc_jobq_embedded_ops, fc_jobq_embedded_new(&opts));
}

enum fc_err fc_jobq_open_redis(const char *url, const char *prefix, const char *consumer,
                               const struct fc_jobq_options *o, struct fc_jobq **out,
                               struct fc_diag *diag)
{
    struct fc_jobq_options opts = *o;
    fc_jobq_defaults(&opts);
    void *impl = NULL;
    enum fc_err err = fc_jobq_redis_open(url, prefix, consumer, &opts, &impl, diag);
    if (err)
        return err;
    *out = wrap(&fc_jobq_redis_ops, impl);
    return FC_OK;
}

enum fc_err fc_jobq_push(struct fc_jobq *q, uint64_t fid, bool *queued, struct fc_diag *diag)
{
    if (!fid)
        return fc_diag_set(diag, FC_ERR_INVALID, "fid 0");
    bool added = false;
    enum fc_err err = q->ops->push(q->impl, fid, &added, diag);
    if (!err && queued)
        *queued = added;
    return err;
}

enum fc_err fc_jobq_take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool *got,
                         struct fc_diag *diag)
{
    return q->ops->take(q->impl, wait_ms, job, got, diag);
}

enum fc_err fc_jobq_done(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag)
{
    return q->ops->done(q->impl, job, diag);
}

enum fc_err fc_jobq_fail(struct fc_jobq *q, const struct fc_job *job, const char *error,
                         struct fc_diag *diag)
{
    return q->ops->fail(q->impl, job, error, diag);
}

enum fc_err fc_jobq_release(struct fc_jobq *q, const struct fc_job *job, struct fc_diag *diag)
{
    return q->ops->release(q->impl, job, diag);
}

enum fc_err fc_jobq_retry(struct fc_jobq *q, uint64_t fid, struct fc_diag *diag)
{
    bool found = false;
    enum fc_err err = q->ops->retry(q->impl, fid, &found, diag);
    if (!err && !found)
        return fc_diag_set(diag, FC_ERR_NOT_FOUND, "fid %llu has no failed job",
                           (unsigned long long)fid);
    return err;
}

enum fc_err fc_jobq_error(struct fc_jobq *q, uint64_t fid, char *out, size_t out_size,
                          struct fc_diag *diag)
{
    out[0] = '\0';
    return q->ops->error(q->impl, fid, out, out_size, diag);
}

enum fc_err fc_jobq_counts(struct fc_jobq *q, struct fc_jobq_counts *c, struct fc_diag *diag)
{
    return q->ops->counts(q->impl, c, diag);
}

enum fc_err fc_jobq_clear(struct fc_jobq *q, bool failed, size_t *removed, struct fc_diag *diag)
{
    *removed = 0;
    return q->ops->clear(q->impl, failed, removed, diag);
}
