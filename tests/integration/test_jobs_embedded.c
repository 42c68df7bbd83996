/* The jobs commands against a running `serve --role=all` on embedded
 * backends (no Redis): its job queue lives in the process's memory, which
 * the command cannot reach, so each change is recorded in PostgreSQL and
 * the process applies it to its queue. Jobs fail for good while the
 * simulator answers castsByFid with errors; then `jobs retry FID` runs that
 * one job, `jobs retry --all` makes exactly the others pending in the
 * queue, `jobs clear --pending` and `--failed` empty exactly those states,
 * each within DEADLINE_MS (the refill every 5 s never requeues a job the
 * queue keeps as failed, nor removes a pending one), and pause and resume
 * hold and release the workers. The queue is read through
 * /admin/jobs/stats, which sees the same memory. */
#include "support/fixture.h"
#include "support/serve.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "core/fctime.h"

#define PASSWORD "embedded jobs password"
#define DEADLINE_MS 3000

static struct fct_fixture fx;
static char *const db_url = fx.db, *const hubs = fx.hubs;

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static void deployment_env(const char **env, char store[2][600])
{
    snprintf(store[0], sizeof(store[0]), "DATABASE_URL=%s", db_url);
    snprintf(store[1], sizeof(store[1]), "FCINDEX_HUBS_URLS=%s", hubs);
    size_t n = 0;
    env[n++] = store[0];
    env[n++] = store[1];
    env[n++] = "REDIS_URL=";
    env[n++] = "FCINDEX_API_LISTEN=127.0.0.1:0";
    env[n++] = "FCINDEX_LOG_LEVEL=warn";
    env[n++] = "FCINDEX_HUBS_RETRIES=0";
    env[n++] = "FCINDEX_CONCURRENCY_BACKFILL_WORKERS=2";
    env[n++] = "FCINDEX_AUTH_ADMIN_PASSWORD=" PASSWORD;
    env[n++] = "FCINDEX_AUTH_JWT_SECRET=embedded-jobs-test-secret-0123456789abcdef";
    env[n++] = "FCINDEX_AUTH_COOKIE_SECURE=false";
    env[n++] = "FCINDEX_API_RATE_ADMIN_PER_MIN=0";
    env[n] = NULL;
}

/* `fcindex jobs A B C` with the deployment's configuration; output into out. */
static int jobs(struct fc_buf *out, const char *a, const char *b, const char *c)
{
    const char *env[16];
    char store[2][600];
    deployment_env(env, store);
    fc_buf_reset(out);
    return fct_run((const char *[]){fct_fcindex_bin(), "jobs", a, b, c, NULL}, env, out);
}

static void jobs_ok(const char *a, const char *b, const char *c, const char *want)
{
    struct fc_buf out = FC_BUF_INIT;
    int rc = jobs(&out, a, b, c);
    if (rc || (want && !strstr(out.data, want)))
        fail_msg("jobs %s %s: exit %d, want \"%s\", got: %s", a, b ? b : "", rc,
                 want ? want : "", out.data);
    fc_buf_cleanup(&out);
}

static long sql_long(const char *sql)
{
    return (long)fct_sql_ll(db_url, sql);
}

static void faults(const char *json)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_sim/faults", fx.sim_port);
    struct fct_http h;
    fct_http_request("POST", url, (const char *[]){"Content-Type: application/json", NULL}, json,
                     5000, &h);
    assert_int_equal(h.status, 200);
    fct_http_cleanup(&h);
}

/* The serving process's in-memory queue: jobs in state ("pending",
 * "failed", ...) per /admin/jobs/stats. */
static long queue(const struct fct_serve *p, const char *state)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/admin/jobs/stats", p->port);
    struct fct_http h;
    fct_http_request("GET", url, (const char *[]){p->cookie, NULL}, NULL, 5000, &h);
    if (h.status != 200)
        fail_msg("GET /admin/jobs/stats: %ld %s", h.status, h.body.data);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    yajl_val n = get(get(v, "queue"), state);
    assert_non_null(n);
    long r = (long)YAJL_GET_INTEGER(n);
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    return r;
}

/* Polls until the queue holds want jobs in state, or fails after ms. */
static void queue_reaches(const struct fct_serve *p, const char *state, long want, int64_t ms)
{
    int64_t until = fc_now_mono_ms() + ms;
    long got;
    while ((got = queue(p, state)) != want && fc_now_mono_ms() < until)
        usleep(50000);
    if (got != want)
        fail_msg("queue %s: %ld after %lld ms, want %ld", state, got, (long long)ms, want);
}

static void synced_reaches(long want, int64_t ms)
{
    int64_t until = fc_now_mono_ms() + ms;
    const char *q = "SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL";
    while (sql_long(q) < want && fc_now_mono_ms() < until)
        usleep(100000);
    assert_int_equal(sql_long(q), want);
}

static void cli_controls_the_running_servers_queue(void **state)
{
    (void)state;
    struct fct_serve all;
    const char *env[16];
    char store[2][600];
    deployment_env(env, store);
    faults("{\"clear\":true,\"endpoint\":\"/v1/castsByFid\",\"error_rate\":1}");
    fct_serve_start(&all, "all", env);
    fct_serve_login(&all, PASSWORD);
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source, is_root) SELECT g, 'admin', "
                               "false FROM generate_series(101, 112) g"));
    /* every job fails its attempts: the queue keeps all 12 as failed */
    queue_reaches(&all, "failed", 12, 60000);
    faults("{\"clear\":true}");

    /* one job retried: it runs (the refill alone never requeues a failed job) */
    jobs_ok("retry", "101", NULL, "101 queued again");
    queue_reaches(&all, "failed", 11, DEADLINE_MS);
    synced_reaches(1, 20000);

    /* paused, every other failed job made pending: exactly 11, none taken */
    jobs_ok("pause", NULL, NULL, "the job queue is paused");
    usleep(500000); /* the pause reaches both workers (250 ms check) */
    jobs_ok("retry", "--all", NULL, "retried 11 jobs");
    queue_reaches(&all, "failed", 0, DEADLINE_MS);
    queue_reaches(&all, "pending", 11, DEADLINE_MS);

    /* cleared: the queue drops exactly those pending jobs, PostgreSQL holds them */
    jobs_ok("clear", "--pending", "--yes", "cleared 11 pending jobs");
    queue_reaches(&all, "pending", 0, DEADLINE_MS);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE backfill_held_at IS NOT NULL"),
                     11);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL"), 1);

    /* resumed: held jobs stay untaken past a refill; retried, all run */
    jobs_ok("resume", NULL, NULL, "the job queue is running");
    int64_t until = fc_now_mono_ms() + 6000;
    while (fc_now_mono_ms() < until)
        usleep(100000);
    assert_int_equal(queue(&all, "pending"), 0);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL "
                              "OR backfill_started_at IS NOT NULL"), 1);
    jobs_ok("retry", "--all", NULL, "retried 11 jobs");
    synced_reaches(12, 30000);

    /* failed jobs cleared: gone from the queue, held in PostgreSQL */
    faults("{\"clear\":true,\"endpoint\":\"/v1/castsByFid\",\"error_rate\":1}");
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source, is_root) SELECT g, 'admin', "
                               "false FROM generate_series(113, 115) g"));
    queue_reaches(&all, "failed", 3, 60000);
    faults("{\"clear\":true}");
    jobs_ok("clear", "--failed", "--yes", "cleared 3 failed jobs");
    queue_reaches(&all, "failed", 0, DEADLINE_MS);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE backfill_held_at IS NOT NULL"),
                     3);
    jobs_ok("retry", "--all", NULL, "retried 3 jobs");
    synced_reaches(15, 30000);
    fct_serve_stop(&all, SIGTERM);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create_migrated("jobsemb", fx.db, sizeof(fx.db));
    fct_fixture_hubsim(&fx, (const char *[]){"--fids", "200", NULL});
    return 0;
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cli_controls_the_running_servers_queue),
    };
    return cmocka_run_group_tests(tests, setup, fct_fixture_teardown);
}
