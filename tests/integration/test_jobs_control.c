/* Job queue control across processes: two `serve` processes (one with the
 * API, one indexer only) share a Redis queue over a simulator whose every
 * request takes 20 ms, so backfill jobs are always in flight. A pause
 * through POST /admin/jobs/pause stops both from taking jobs within 1 s;
 * clearing the pending jobs holds exactly those not yet taken, and they stay
 * untaken after a resume (past the 5 s refill); `jobs retry --all` counts
 * them again exactly; the pause survives a restart of both processes; a
 * resume lets every job finish. */
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
#include "state/procs.h"

#define PASSWORD "jobs control password"
#define N_TARGETS 300

static struct fct_fixture fx;
static char *const db_url = fx.db, *const hubs = fx.hubs;
static char prefix[64];
static const char *redis_url;


/* Environment of every process of the deployment. */
static void deployment_env(struct fct_env *e)
{
    static const char *const own[] = {"FCINDEX_LOG_LEVEL=warn",
                                      "FCINDEX_CONCURRENCY_BACKFILL_WORKERS=2", NULL};
    fct_env_init(e, db_url, hubs, redis_url, prefix, PASSWORD, own);
}

/* A deployment process with this test's environment. */
static void start(struct fct_serve *p, const char *role)
{
    struct fct_env de;
    deployment_env(&de);
    const char *const *env = de.vars;
    fct_serve_start(p, role, env);
}

static yajl_val admin_post(const struct fct_serve *p, const char *path, const char *body, long want)
{
    char url[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", p->port, path);
    struct fct_http h;
    fct_http_request("POST", url,
                     (const char *[]){p->cookie, p->csrf, "Content-Type: application/json", NULL},
                     body, 5000, &h);
    if (h.status != want)
        fail_msg("POST %s: %ld %s", path, h.status, h.body.data);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    assert_non_null(v);
    fct_http_cleanup(&h);
    return v;
}

/* `fcindex jobs ARGS...` against the deployment; its output into out. */
static int jobs(struct fc_buf *out, const char *a, const char *b, const char *c)
{
    struct fct_env de;
    deployment_env(&de);
    return fct_fcindex((const char *[]){"jobs", a, b, c, NULL}, de.vars, out);
}

static long sql_long(const char *sql)
{
    return (long)fct_sql_ll(db_url, sql);
}

/* Jobs a worker has taken so far: running, synced or failed (claims are
 * written before any work). */
static long taken(void)
{
    return sql_long("SELECT count(*) FROM targets WHERE backfill_started_at IS NOT NULL OR "
                    "last_synced_at IS NOT NULL OR last_error IS NOT NULL");
}

/* Backfill messages each live indexer process reports (two entries). */
static bool both_working(void)
{
    struct fc_procs *procs;
    struct fc_diag d;
    assert_int_equal(fc_procs_open_redis(redis_url, prefix, &procs, &d), FC_OK);
    struct fc_proc_status *list = NULL;
    size_t n = 0, working = 0;
    assert_int_equal(fc_procs_list(procs, &list, &n, &d), FC_OK);
    for (size_t i = 0; i < n; i++)
        working += list[i].alive && list[i].indexer && list[i].backfill_messages > 0;
    free(list);
    fc_procs_free(procs);
    return working == 2;
}

static void sleep_until(int64_t t)
{
    while (fc_now_mono_ms() < t)
        usleep(20000);
}

/* No job is taken in [from, to] (mono ms); returns the count. */
static long no_takes_between(int64_t from, int64_t to)
{
    sleep_until(from);
    long a = taken();
    sleep_until(to);
    long b = taken();
    if (a != b)
        fail_msg("%ld jobs taken while paused", b - a);
    return a;
}

static void pause_clear_retry_across_processes(void **state)
{
    (void)state;
    redis_url = fct_redis_or_skip();
    if (!redis_url)
        return;
    snprintf(prefix, sizeof(prefix), "fctest:jobs:%d:", (int)getpid());
    struct fc_buf out = FC_BUF_INIT;
    struct fct_serve all, ix;
    start(&all, "all");
    start(&ix, "indexer");
    fct_serve_login(&all, PASSWORD);
    /* the targets arrive as an operator's SQL would: the refill queues them */
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source) SELECT g, 'admin' FROM "
                               "generate_series(101, 400) g"));
    int64_t deadline = fc_now_mono_ms() + 90000;
    while (!(taken() >= 20 && both_working()) && fc_now_mono_ms() < deadline)
        usleep(100000);
    assert_true(both_working());

    /* pause through the API of one process: both stop within 1 s */
    yajl_val v = admin_post(&all, "/admin/jobs/pause", "", 200);
    assert_true(YAJL_IS_TRUE(fct_json_get(v, "paused")));
    assert_true(YAJL_IS_TRUE(fct_json_get(v, "changed")));
    yajl_tree_free(v);
    int64_t t0 = fc_now_mono_ms();
    long a = no_takes_between(t0 + 1000, t0 + 3000);
    assert_true(a < N_TARGETS); /* work was waiting all along */
    /* the jobs running at the pause finish */
    deadline = fc_now_mono_ms() + 20000;
    while (sql_long("SELECT count(*) FROM targets WHERE backfill_started_at IS NOT NULL") &&
           fc_now_mono_ms() < deadline)
        usleep(100000);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE backfill_started_at IS NOT NULL"),
                     0);
    long failed = sql_long("SELECT count(*) FROM targets WHERE last_error IS NOT NULL AND "
                           "last_synced_at IS NULL");

    /* clear: refused without --yes, then exactly the untaken jobs are held */
    assert_int_equal(jobs(&out, "clear", "--pending", NULL), 2);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE backfill_held_at IS NOT NULL"), 0);
    assert_int_equal(jobs(&out, "clear", "--pending", "--yes"), 0);
    char want[96];
    snprintf(want, sizeof(want), "cleared %ld pending jobs", N_TARGETS - a);
    if (!strstr(out.data, want))
        fail_msg("want \"%s\", got: %s", want, out.data);
    assert_int_equal(jobs(&out, "stats", "--json", NULL), 0);
    v = yajl_tree_parse(out.data, NULL, 0);
    assert_non_null(v);
    assert_true(YAJL_IS_TRUE(fct_json_get(v, "paused")));
    assert_int_equal(YAJL_GET_INTEGER(fct_json_get(fct_json_get(v, "states"), "held")),
                     N_TARGETS - a);
    assert_int_equal(YAJL_GET_INTEGER(fct_json_get(fct_json_get(v, "states"), "pending")), 0);
    /* the shared queue has nothing left waiting */
    assert_int_equal(YAJL_GET_INTEGER(fct_json_get(fct_json_get(v, "queue"), "pending")), 0);
    yajl_tree_free(v);

    /* resumed, the held jobs stay untaken past a refill (every 5 s) */
    assert_int_equal(jobs(&out, "resume", NULL, NULL), 0);
    t0 = fc_now_mono_ms();
    assert_int_equal(no_takes_between(t0 + 1000, t0 + 7000), a);

    /* retry --all counts the held (and any failed) jobs exactly, while paused */
    assert_int_equal(jobs(&out, "pause", NULL, NULL), 0);
    sleep_until(fc_now_mono_ms() + 1000); /* the pause has reached every worker */
    long before_retry = taken();
    assert_int_equal(jobs(&out, "retry", "--all", NULL), 0);
    snprintf(want, sizeof(want), "retried %ld jobs", N_TARGETS - a + failed);
    if (!strstr(out.data, want))
        fail_msg("want \"%s\", got: %s", want, out.data);

    /* the pause survives a restart of both processes */
    fct_serve_stop(&all, SIGTERM);
    fct_serve_stop(&ix, SIGTERM);
    start(&all, "all");
    start(&ix, "indexer");
    t0 = fc_now_mono_ms();
    assert_int_equal(no_takes_between(t0 + 500, t0 + 3000), before_retry - failed);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE last_synced_at IS NULL AND "
                              "backfill_started_at IS NULL"), N_TARGETS - a + failed);

    /* resumed through the API: every job runs */
    fct_serve_login(&all, PASSWORD);
    v = admin_post(&all, "/admin/jobs/resume", "", 200);
    assert_true(YAJL_IS_FALSE(fct_json_get(v, "paused")));
    yajl_tree_free(v);
    deadline = fc_now_mono_ms() + 120000;
    while (sql_long("SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL") < N_TARGETS &&
           fc_now_mono_ms() < deadline)
        usleep(200000);
    assert_int_equal(sql_long("SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL"),
                     N_TARGETS);
    fct_serve_stop(&all, SIGTERM);
    fct_serve_stop(&ix, SIGTERM);
    fc_buf_cleanup(&out);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create_migrated("jobsctl", fx.db, sizeof(fx.db));
    fct_fixture_hubsim(&fx, (const char *[]){"--fids", "500", "--faults", "{\"latency_ms\":20}",
                                             NULL});
    return 0;
}

FCT_MAIN(setup, fct_fixture_teardown, pause_clear_retry_across_processes)
