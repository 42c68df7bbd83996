/* The two backends of the job queue (state/jobq.h), behind one table of
 * operations; each backend keeps its own lock. Private to
 * src/state/jobq*.c. */
#ifndef FC_STATE_JOBQ_BACKEND_H
#define FC_STATE_JOBQ_BACKEND_H

#include "state/facade.h"
#include "state/jobq.h"

struct fc_jobq_ops {
    void (*free)(void *impl);
    enum fc_err (*push)(void *impl, uint64_t fid, bool *queued, struct fc_diag *diag);
    enum fc_err (*take)(void *impl, int wait_ms, struct fc_job *job, bool *got,
                        struct fc_diag *diag);
    enum fc_err (*done)(void *impl, const struct fc_job *job, struct fc_diag *diag);
    enum fc_err (*fail)(void *impl, const struct fc_job *job, const char *error,
                        struct fc_diag *diag);
    enum fc_err (*release)(void *impl, const struct fc_job *job, struct fc_diag *diag);
    /* Queues fid's failed job again; *found false when fid has none. */
    enum fc_err (*retry)(void *impl, uint64_t fid, bool *found, struct fc_diag *diag);
    enum fc_err (*error)(void *impl, uint64_t fid, char *out, size_t out_size,
                         struct fc_diag *diag);
    enum fc_err (*clear)(void *impl, bool failed, size_t *removed, struct fc_diag *diag);
    enum fc_err (*counts)(void *impl, struct fc_jobq_counts *c, struct fc_diag *diag);
};

/* A backend's table from its functions P_free, P_push, ... (one list of the
 * operations for every backend). */
#define FC_JOBQ_OPS(P)                                                                          \
    {                                                                                           \
        .free = P##_free, .push = P##_push, .take = P##_take, .done = P##_done,                 \
        .fail = P##_fail, .release = P##_release, .retry = P##_retry, .error = P##_error,       \
        .clear = P##_clear, .counts = P##_counts,                                               \
    }

FC_STATE_BACKENDS(jobq);

/* o already has its defaults (fc_jobq_defaults). */
void *fc_jobq_embedded_new(const struct fc_jobq_options *o);
FC_MUST_CHECK
enum fc_err fc_jobq_redis_open(const char *url, const char *prefix, const char *consumer,
                               const struct fc_jobq_options *o, void **out,
                               struct fc_diag *diag);

/* Fills unset options with their defaults. */
void fc_jobq_defaults(struct fc_jobq_options *o);
/* Delay before the next attempt after failures failures: exponential,
 * capped, with jitter, so jobs failed together by one outage do not all
 * come back in the same instant. */
int64_t fc_jobq_backoff_ms(const struct fc_jobq_options *o, int failures);

#endif
