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
#include "support/hubsim_ctl.h"
#include "support/fixture.h"
#include "support/json.h"
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

/* Environment of every process of the deployment. */
static void deployment_env(struct fct_env *e)
{
    static const char *const own[] = {"FCINDEX_LOG_LEVEL=warn", "FCINDEX_HUBS_RETRIES=0",
                                      "FCINDEX_CONCURRENCY_BACKFILL_WORKERS=2", NULL};
    fct_env_init(e, db_url, hubs, "", NULL, PASSWORD, own);
}

/* `fcindex jobs A B C` with the deployment's configuration; output into out. */
static int jobs(struct fc_buf *out, const char *a, const char *b, const char *c)
{
    struct fct_env de;
    deployment_env(&de);
    return fct_fcindex((const char *[]){"jobs", a, b, c, NULL}, de.vars, out);
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
    yajl_val n = fct_json_get(fct_json_get(v, "queue"), state);
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
    struct fct_env de;
    deployment_env(&de);
    const char *const *env = de.vars;
    fct_hubsim_faults(fx.sim_port,
                      "{\"clear\":true,\"endpoint\":\"/v1/castsByFid\",\"error_rate\":1}");
    fct_serve_start(&all, "all", env);
    fct_serve_login(&all, PASSWORD);
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source, is_root) SELECT g, 'admin', "
                               "false FROM generate_series(101, 112) g"));
    /* every job fails its attempts: the queue keeps all 12 as failed */
    queue_reaches(&all, "failed", 12, 60000);
    fct_hubsim_faults(fx.sim_port, "{\"clear\":true}");

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
    fct_hubsim_faults(fx.sim_port,
                      "{\"clear\":true,\"endpoint\":\"/v1/castsByFid\",\"error_rate\":1}");
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source, is_root) SELECT g, 'admin', "
                               "false FROM generate_series(113, 115) g"));
    queue_reaches(&all, "failed", 3, 60000);
    fct_hubsim_faults(fx.sim_port, "{\"clear\":true}");
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

FCT_MAIN_NEEDS_DB(setup, fct_fixture_teardown, cli_controls_the_running_servers_queue)
