/* The throughput history over a real run: `serve --role=all` on Redis over
 * the simulator's live stream (it stops after a few seconds, so the counts
 * settle). GET /admin/throughput's totals equal what the indexer counted
 * (its events read and applied and backfill messages in /metrics, which
 * come from the indexer's counters, not from the history), its buckets add
 * up to its totals, and after a restart the history holds the first
 * process's hour plus the second one's. */
#include "support/fixture.h"
#include "support/json.h"
#include "support/serve.h"

#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "core/fctime.h"

#define PASSWORD "throughput test password"

static struct fct_fixture fx;
static char *const db_url = fx.db, *const hubs = fx.hubs;
static char prefix[64];
/* the serve processes, stopped by teardown when a failure left them running */
static struct fct_serve first, second;

struct counts {
    uint64_t read, applied, messages;
};

/* Environment of every process of the deployment. */
static void deployment_env(struct fct_env *e)
{
    static const char *const own[] = {"FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                                      "FCINDEX_LOG_LEVEL=warn", NULL};
    fct_env_init(e, db_url, hubs, fct_require_env("REDIS_URL"), prefix, PASSWORD, own);
}

static char *get_body(const struct fct_serve *p, const char *path, bool admin)
{
    char url[160];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", p->port, path);
    struct fct_http h;
    fct_http_request("GET", url, admin ? (const char *[]){p->cookie, NULL} : NULL, NULL, 5000, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld %s", path, h.status, h.body.data);
    char *body = fc_buf_take(&h.body);
    fct_http_cleanup(&h);
    return body;
}

/* One counter from /metrics ("name value" line). */
static uint64_t metric(const char *text, const char *name)
{
    char needle[96];
    snprintf(needle, sizeof(needle), "\n%s ", name);
    const char *at = strstr(text, needle);
    if (!at)
        fail_msg("/metrics has no %s", name);
    return strtoull(at + strlen(needle), NULL, 10);
}

/* What the live indexer counted, from /metrics. */
static struct counts counted(const struct fct_serve *p)
{
    char *m = get_body(p, "/metrics", false);
    struct counts c = {metric(m, "fcindex_events_read_total"),
                       metric(m, "fcindex_events_applied_total"),
                       metric(m, "fcindex_backfill_messages_total")};
    free(m);
    return c;
}

static uint64_t series_sum(yajl_val arr)
{
    uint64_t s = 0;
    for (size_t i = 0; YAJL_IS_ARRAY(arr) && i < arr->u.array.len; i++)
        s += (uint64_t)YAJL_GET_INTEGER(arr->u.array.values[i]);
    return s;
}

/* GET /admin/throughput: its totals, checked against its own buckets. */
static struct counts history(const struct fct_serve *p, long long *processes)
{
    char *body = get_body(p, "/admin/throughput", true);
    yajl_val v = yajl_tree_parse(body, NULL, 0);
    assert_non_null(v);
    assert_int_equal(YAJL_GET_INTEGER(fct_json_get(v, "bucket_s")), 10);
    yajl_val total = fct_json_get(v, "total");
    struct counts c = {(uint64_t)YAJL_GET_INTEGER(fct_json_get(total, "events_read")),
                       (uint64_t)YAJL_GET_INTEGER(fct_json_get(total, "events_applied")),
                       (uint64_t)YAJL_GET_INTEGER(fct_json_get(total, "messages"))};
    static const char *const names[] = {"events_read", "events_applied", "messages"};
    const uint64_t want[] = {c.read, c.applied, c.messages};
    for (int i = 0; i < 3; i++) {
        yajl_val s = fct_json_get(v, names[i]);
        assert_true(YAJL_IS_ARRAY(s));
        assert_int_equal(s->u.array.len, 360);
        if (series_sum(s) != want[i])
            fail_msg("%s: the buckets add up to %" PRIu64 ", the total says %" PRIu64, names[i],
                     series_sum(s), want[i]);
    }
    *processes = YAJL_GET_INTEGER(fct_json_get(v, "processes"));
    yajl_tree_free(v);
    free(body);
    return c;
}

static bool same(struct counts a, struct counts b)
{
    return a.read == b.read && a.applied == b.applied && a.messages == b.messages;
}

/* Until the indexer's counters stop moving (the simulator's live phase is
 * over and every backfill is done): its final counts. */
static struct counts settled(const struct fct_serve *p)
{
    struct counts last = {0, 0, 0};
    int still = 0;
    int64_t deadline = fc_now_mono_ms() + 180000;
    while (fc_now_mono_ms() < deadline) {
        char *unsynced = fct_sql_value(db_url, "SELECT count(*) FROM targets "
                                               "WHERE last_synced_at IS NULL");
        struct counts c = counted(p);
        still = same(c, last) && strcmp(unsynced, "0") == 0 ? still + 1 : 0;
        free(unsynced);
        last = c;
        if (still == 3)
            return c;
        usleep(1000 * 1000);
    }
    fail_msg("the indexer never settled: %" PRIu64 " read, %" PRIu64 " applied, %" PRIu64
             " messages", last.read, last.applied, last.messages);
    return last;
}

/* Until the history holds want (it is written once a second): fails with
 * both sides when it never does. */
static void history_reaches(const struct fct_serve *p, struct counts want, long long processes,
                            const char *what)
{
    struct counts got = {0, 0, 0};
    long long procs = -1;
    int64_t deadline = fc_now_mono_ms() + 15000;
    while (fc_now_mono_ms() < deadline) {
        got = history(p, &procs);
        if (same(got, want) && procs == processes)
            return;
        usleep(250 * 1000);
    }
    fail_msg("%s: the history says %" PRIu64 " read, %" PRIu64 " applied, %" PRIu64
             " messages from %lld processes; expected %" PRIu64 ", %" PRIu64 ", %" PRIu64
             " from %lld", what, got.read, got.applied, got.messages, procs, want.read,
             want.applied, want.messages, processes);
}

static void history_matches_the_indexer_and_survives_a_restart(void **state)
{
    (void)state;
    struct fct_env de;
    deployment_env(&de);
    const char *const *env = de.vars;
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, env, &out) != 0)
        fail_msg("migrate: %s", out.data);
    fc_buf_cleanup(&out);

    fct_serve_start(&first, "all", env);
    fct_serve_login(&first, PASSWORD);
    struct counts c1 = settled(&first);
    if (!c1.read || !c1.applied || !c1.messages)
        fail_msg("nothing to compare: %" PRIu64 " read, %" PRIu64 " applied, %" PRIu64
                 " messages", c1.read, c1.applied, c1.messages);
    history_reaches(&first, c1, 1, "one process");
    fct_serve_stop(&first, SIGTERM);

    /* a new process on the same Redis: the first one's hour is still there,
     * and what the new one does (a backfill of a new target) adds to it */
    fct_serve_start(&second, "all", env);
    fct_serve_login(&second, PASSWORD);
    long long procs = 0;
    struct counts kept = history(&second, &procs);
    if (kept.read < c1.read || kept.applied < c1.applied || kept.messages < c1.messages)
        fail_msg("after the restart the history lost the first process's counts");
    char origin[80], url[128];
    snprintf(origin, sizeof(origin), "Origin: http://127.0.0.1:%u", second.port);
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/admin/targets", second.port);
    char *fid = fct_sql_value(db_url, "SELECT min(f) FROM generate_series(3, 60) f "
                                      "WHERE f NOT IN (SELECT fid FROM targets)");
    char body[96];
    snprintf(body, sizeof(body), "{\"fid\":%s,\"root\":false}", fid);
    free(fid);
    struct fct_http h;
    fct_http_request("POST", url,
                     (const char *[]){second.cookie, second.csrf, origin,
                                      "Content-Type: application/json", NULL},
                     body, 5000, &h);
    if (h.status != 201 && h.status != 200)
        fail_msg("add a target: %ld %s", h.status, h.body.data);
    fct_http_cleanup(&h);
    struct counts c2 = settled(&second);
    if (!c2.messages)
        fail_msg("the second process wrote no messages: nothing to add up");
    struct counts both = {c1.read + c2.read, c1.applied + c2.applied,
                          c1.messages + c2.messages};
    history_reaches(&second, both, 2, "two processes, one after the other");
    fct_serve_stop(&second, SIGTERM);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create("throughput", fx.db, sizeof(fx.db));
    snprintf(prefix, sizeof(prefix), "fctest:tput:%d:", (int)getpid());
    /* about 6 s of live stream over a few buckets, then a static network */
    fct_fixture_hubsim(&fx, (const char *[]){"--fids", "60", "--history-ticks", "10",
                                             "--events-per-sec", "50", "--tick-ms", "200",
                                             "--live-ticks", "30", NULL});
    return 0;
}

static int teardown(void **state)
{
    fct_serve_stop(&first, SIGKILL); /* no-ops unless a failure left them running */
    fct_serve_stop(&second, SIGKILL);
    return fct_fixture_teardown(state);
}

FCT_MAIN(setup, teardown, history_matches_the_indexer_and_survives_a_restart)
