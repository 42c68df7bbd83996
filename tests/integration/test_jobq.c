/* One contract for both job-queue backends: embedded and Redis Streams. */
#include "support/testenv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"
#include "state/jobq.h"

typedef struct fc_jobq *(*open_fn)(const char *consumer, const struct fc_jobq_options *o);

static char prefix[96];

static struct fc_jobq *open_embedded(const char *consumer, const struct fc_jobq_options *o)
{
    (void)consumer;
    static struct fc_jobq *shared; /* one process: every "consumer" shares the queue */
    if (!consumer)
        return shared = fc_jobq_new_embedded(o);
    return shared;
}

static struct fc_jobq *open_redis(const char *consumer, const struct fc_jobq_options *o)
{
    struct fc_jobq *q;
    struct fc_diag d;
    if (fc_jobq_open_redis(fct_require_env("REDIS_URL"), prefix, consumer ? consumer : "c1", o,
                           &q, &d))
        fail_msg("%s", d.msg);
    return q;
}

static void take(struct fc_jobq *q, int wait_ms, struct fc_job *job, bool want)
{
    struct fc_diag d;
    bool got = false;
    assert_int_equal(fc_jobq_take(q, wait_ms, job, &got, &d), FC_OK);
    if (got != want)
        fail_msg("take: got=%d want=%d", got, want);
}

static void counts(struct fc_jobq *q, size_t pending, size_t running, size_t delayed, size_t failed)
{
    struct fc_jobq_counts c;
    struct fc_diag d;
    assert_int_equal(fc_jobq_counts(q, &c, &d), FC_OK);
    if (c.pending != pending || c.running != running || c.delayed != delayed || c.failed != failed)
        fail_msg("counts %zu/%zu/%zu/%zu, want %zu/%zu/%zu/%zu", c.pending, c.running, c.delayed,
                 c.failed, pending, running, delayed, failed);
}

struct worker {
    struct fc_jobq *q;
    int *runs;
    int *busy;
    pthread_mutex_t *lock;
    int overlaps;
    int done_failures; /* fc_jobq_done refused */
};

static void *work(void *arg)
{
    struct worker *w = arg;
    for (;;) {
        struct fc_job job;
        struct fc_diag d;
        bool got;
        if (fc_jobq_take(w->q, 300, &job, &got, &d) || !got)
            return NULL;
        pthread_mutex_lock(w->lock);
        if (w->busy[job.fid])
            w->overlaps++; /* the same job running twice at once */
        w->busy[job.fid] = 1;
        w->runs[job.fid]++;
        pthread_mutex_unlock(w->lock);
        usleep(200);
        pthread_mutex_lock(w->lock);
        w->busy[job.fid] = 0;
        pthread_mutex_unlock(w->lock);
        if (fc_jobq_done(w->q, &job, &d))
            w->done_failures++;
    }
}

static void contract(open_fn open, bool separate_consumers)
{
    struct fc_jobq_options o = {.max_attempts = 3, .backoff_base_ms = 100, .lease_ms = 300};
    struct fc_jobq *q = open(NULL, &o);
    struct fc_diag d;
    bool queued;
    struct fc_job a, b;
    /* dedupe per fid */
    assert_int_equal(fc_jobq_push(q, 1, &queued, &d), FC_OK);
    assert_true(queued);
    assert_int_equal(fc_jobq_push(q, 2, &queued, &d), FC_OK);
    assert_true(queued);
    assert_int_equal(fc_jobq_push(q, 1, &queued, &d), FC_OK);
    assert_false(queued);
    counts(q, 2, 0, 0, 0);
    take(q, 0, &a, true);
    assert_int_equal(a.fid, 1); /* first in, first out */
    assert_int_equal(a.attempt, 1);
    counts(q, 1, 1, 0, 0);
    assert_int_equal(fc_jobq_push(q, 1, &queued, &d), FC_OK);
    assert_false(queued); /* running: not queued twice */
    assert_int_equal(fc_jobq_done(q, &a, &d), FC_OK);
    counts(q, 1, 0, 0, 0);
    /* retries with exponential backoff, then kept as failed with its error */
    take(q, 0, &b, true);
    assert_int_equal(b.fid, 2);
    assert_int_equal(fc_jobq_fail(q, &b, "hub down", &d), FC_OK);
    counts(q, 0, 0, 1, 0);
    take(q, 0, &b, false); /* not before its backoff */
    take(q, 500, &b, true);
    assert_int_equal(b.fid, 2);
    assert_int_equal(b.attempt, 2);
    int64_t t0 = fc_now_mono_ms();
    assert_int_equal(fc_jobq_fail(q, &b, "still down", &d), FC_OK);
    take(q, 1000, &b, true);
    /* second backoff doubled to 200 ms, of which half is jitter: at least 100 */
    assert_true(fc_now_mono_ms() - t0 >= 95);
    assert_int_equal(b.attempt, 3);
    assert_int_equal(fc_jobq_fail(q, &b, "gone for good", &d), FC_OK);
    counts(q, 0, 0, 0, 1);
    char err[128];
    assert_int_equal(fc_jobq_error(q, 2, err, sizeof(err), &d), FC_OK);
    assert_string_equal(err, "gone for good");
    assert_int_equal(fc_jobq_push(q, 2, &queued, &d), FC_OK);
    assert_false(queued); /* failed jobs wait for an explicit retry */
    assert_int_equal(fc_jobq_retry(q, 2, &d), FC_OK);
    assert_int_equal(fc_jobq_retry(q, 99, &d), FC_ERR_NOT_FOUND);
    take(q, 0, &b, true);
    assert_int_equal(b.fid, 2);
    assert_int_equal(b.attempt, 1);
    /* graceful shutdown gives the job back without counting an attempt */
    assert_int_equal(fc_jobq_release(q, &b, &d), FC_OK);
    take(q, 0, &b, true);
    assert_int_equal(b.fid, 2);
    assert_int_equal(b.attempt, 1);
    /* a stuck job (its worker died) is taken again after the lease */
    struct fc_jobq *other = separate_consumers ? open("c2", &o) : q;
    take(other, 0, &a, false);
    take(other, 700, &a, true);
    assert_int_equal(a.fid, 2);
    assert_int_equal(fc_jobq_done(other, &a, &d), FC_OK);
    counts(q, 0, 0, 0, 0);
    if (other != q)
        fc_jobq_free(other);
    /* several workers: every job runs once, never twice at once */
    enum { N = 200, W = 4 };
    int runs[N + 1] = {0}, busy[N + 1] = {0};
    pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
    for (uint64_t f = 1; f <= N; f++)
        assert_int_equal(fc_jobq_push(q, f, NULL, &d), FC_OK);
    pthread_t t[W];
    struct worker w[W];
    for (int i = 0; i < W; i++) {
        char name[16];
        snprintf(name, sizeof(name), "w%d", i);
        w[i] = (struct worker){separate_consumers ? open(name, &o) : q, runs, busy, &lock, 0, 0};
        pthread_create(&t[i], NULL, work, &w[i]);
    }
    int overlaps = 0, done_failures = 0;
    for (int i = 0; i < W; i++) {
        pthread_join(t[i], NULL);
        overlaps += w[i].overlaps;
        done_failures += w[i].done_failures;
        if (w[i].q != q)
            fc_jobq_free(w[i].q);
    }
    assert_int_equal(overlaps, 0);
    assert_int_equal(done_failures, 0);
    for (int f = 1; f <= N; f++)
        if (runs[f] != 1)
            fail_msg("job %d ran %d times", f, runs[f]);
    counts(q, 0, 0, 0, 0);
    /* clearing: pending jobs go, running ones stay; then failed and delayed ones go */
    struct fc_jobq_options lo = {.max_attempts = 3, .backoff_base_ms = 100, .lease_ms = 60000};
    /* a lease longer than the retries */
    struct fc_jobq *q2 = separate_consumers ? open("clr", &lo) : fc_jobq_new_embedded(&lo);
    size_t removed = 99;
    assert_int_equal(fc_jobq_push(q2, 301, NULL, &d), FC_OK);
    take(q2, 0, &a, true);   /* 301 runs */
    assert_int_equal(fc_jobq_push(q2, 302, NULL, &d), FC_OK);
    take(q2, 0, &b, true);   /* 302 fails for good */
    for (int i = 0; i < 3; i++) {
        assert_int_equal(fc_jobq_fail(q2, &b, "x", &d), FC_OK);
        if (i < 2)
            take(q2, 1000, &b, true);
    }
    struct fc_job c;
    assert_int_equal(fc_jobq_push(q2, 303, NULL, &d), FC_OK);
    take(q2, 0, &c, true);   /* 303 waits for a retry */
    assert_int_equal(fc_jobq_fail(q2, &c, "y", &d), FC_OK);
    assert_int_equal(fc_jobq_push(q2, 304, NULL, &d), FC_OK);
    assert_int_equal(fc_jobq_push(q2, 305, NULL, &d), FC_OK);
    counts(q2, 2, 1, 1, 1);
    assert_int_equal(fc_jobq_clear(q2, false, &removed, &d), FC_OK);
    assert_int_equal(removed, 2); /* 304, 305 */
    counts(q2, 0, 1, 1, 1);
    assert_int_equal(fc_jobq_push(q2, 304, &queued, &d), FC_OK);
    assert_true(queued); /* gone from the queue: it can come back */
    assert_int_equal(fc_jobq_clear(q2, true, &removed, &d), FC_OK);
    assert_int_equal(removed, 2); /* 302 failed, 303 delayed */
    counts(q2, 1, 1, 0, 0);
    take(q2, 600, &c, true);
    assert_int_equal(c.fid, 304); /* the cleared retry of 303 never comes back */
    assert_int_equal(fc_jobq_done(q2, &c, &d), FC_OK);
    take(q2, 600, &c, false);
    assert_int_equal(fc_jobq_done(q2, &a, &d), FC_OK);
    counts(q2, 0, 0, 0, 0);
    fc_jobq_free(q2);
    fc_jobq_free(q);
}

static void embedded_backend(void **state)
{
    (void)state;
    contract(open_embedded, false);
}

static void redis_backend(void **state)
{
    (void)state;
    snprintf(prefix, sizeof(prefix), "fctest:%d:jobq:", (int)getpid());
    contract(open_redis, true);
}

/* done, release and error report a Redis that refuses the command (here:
 * keys of the wrong type) instead of answering FC_OK. */
static void redis_failures_reach_the_caller(void **state)
{
    (void)state;
    snprintf(prefix, sizeof(prefix), "fctest:%d:jobqfail:", (int)getpid());
    struct fc_jobq_options o = {3, 50, 60000};
    struct fc_jobq *q = open_redis(NULL, &o);
    struct fc_diag d;
    struct fc_job job;
    assert_int_equal(fc_jobq_push(q, 7, NULL, &d), FC_OK);
    take(q, 1000, &job, true);

    fct_redis_int("DEL %sjobs:queued", prefix);
    fct_redis_int("APPEND %sjobs:queued x", prefix);
    d.msg[0] = '\0';
    assert_int_equal(fc_jobq_done(q, &job, &d), FC_ERR_UNAVAILABLE);
    assert_non_null(strstr(d.msg, "WRONGTYPE"));

    fct_redis_int("DEL %sjobs:failed", prefix);
    fct_redis_int("APPEND %sjobs:failed x", prefix);
    char err[64];
    d.msg[0] = '\0';
    assert_int_equal(fc_jobq_error(q, 7, err, sizeof(err), &d), FC_ERR_UNAVAILABLE);
    assert_non_null(strstr(d.msg, "WRONGTYPE"));
    d.msg[0] = '\0';
    assert_int_equal(fc_jobq_retry(q, 7, &d), FC_ERR_UNAVAILABLE); /* not "no failed job" */
    assert_non_null(strstr(d.msg, "WRONGTYPE"));

    fct_redis_int("DEL %sjobs", prefix);
    fct_redis_int("APPEND %sjobs x", prefix);
    d.msg[0] = '\0';
    assert_int_equal(fc_jobq_release(q, &job, &d), FC_ERR_UNAVAILABLE);
    assert_non_null(strstr(d.msg, "WRONGTYPE"));

    fct_redis_int("DEL %sjobs %sjobs:queued %sjobs:failed %sjobs:attempts", prefix, prefix,
                  prefix, prefix);
    fc_jobq_free(q);
}

FCT_MAIN(NULL, NULL, embedded_backend, redis_backend, redis_failures_reach_the_caller)
