/* The API learns what the indexer does through shared state only: one
 * `serve --role=indexer` and two `serve --role=api` processes on one Redis
 * over the simulator's live stream. Each API process shows the indexer's
 * stream cursors (checked against hub_cursors in PostgreSQL), the hubs'
 * health and all three processes; a backfill requested through either API
 * process runs; a SIGKILLed indexer is reported gone by both within 10 s;
 * `fcindex health` lists the processes; and `serve --role=all` without
 * Redis answers /admin/status with the same fields. */
#include "support/fixture.h"
#include "support/json.h"
#include "support/serve.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "core/fctime.h"

#define PASSWORD "split status password"

static struct fct_fixture fx;
static char *const db_url = fx.db, *const hubs = fx.hubs;
static char prefix[64];


/* Environment of every process of the deployment. */
static void deployment_env(struct fct_env *e, const char *redis_url)
{
    static const char *const own[] = {"FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                                      "FCINDEX_LOG_LEVEL=warn", NULL};
    fct_env_init(e, db_url, hubs, redis_url, prefix, PASSWORD, own);
}

/* GET /admin/status, parsed; the caller frees it. */
static yajl_val status_of(const struct fct_serve *p)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/admin/status", p->port);
    struct fct_http h;
    fct_http_request("GET", url, (const char *[]){p->cookie, NULL}, NULL, 5000, &h);
    if (h.status != 200)
        fail_msg("status on port %u: %ld %s", p->port, h.status, h.body.data);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    assert_non_null(v);
    fct_http_cleanup(&h);
    return v;
}

static char *metrics_of(const struct fct_serve *p)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", p->port);
    struct fct_http h;
    fct_http_request("GET", url, NULL, NULL, 5000, &h);
    assert_int_equal(h.status, 200);
    char *body = fc_buf_take(&h.body);
    fct_http_cleanup(&h);
    return body;
}

/* Processes in a status document with the given role and state. */
static size_t count_procs(yajl_val st, const char *role, const char *state)
{
    yajl_val list = fct_json_get(st, "processes");
    size_t n = 0;
    for (size_t i = 0; YAJL_IS_ARRAY(list) && i < list->u.array.len; i++) {
        yajl_val e = list->u.array.values[i];
        const char *r = YAJL_GET_STRING(fct_json_get(e, "role"));
        const char *s = YAJL_GET_STRING(fct_json_get(e, "state"));
        n += r && s && strcmp(r, role) == 0 && strcmp(s, state) == 0;
    }
    return n;
}

/* The indexer section has a follower and its streams. */
static bool indexer_ready(yajl_val st)
{
    yajl_val ix = fct_json_get(st, "indexer");
    yajl_val streams = fct_json_get(ix, "streams");
    return YAJL_IS_OBJECT(ix) && YAJL_IS_STRING(fct_json_get(ix, "follower")) &&
           YAJL_IS_ARRAY(streams) && streams->u.array.len > 0;
}

static uint64_t db_cursor(unsigned shard)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(max(event_id), 0) FROM hub_cursors WHERE shard = %u", shard);
    char *v = fct_sql_value(db_url, sql);
    uint64_t c = strtoull(v, NULL, 10);
    free(v);
    return c;
}

/* How stale the status's cursors are: for each shard, how long before the
 * request PostgreSQL had already moved past the cursor the status shows
 * (0 when it had not). Samples PostgreSQL every 100 ms for 1.5 s first, so
 * the history covers the publishing interval. */
static double cursor_staleness_s(const struct fct_serve *p)
{
    enum { SAMPLES = 16 };
    int64_t at[SAMPLES];
    uint64_t cur[SAMPLES][4];
    for (int i = 0; i < SAMPLES; i++) {
        at[i] = fc_now_mono_ms();
        for (unsigned s = 1; s <= 2; s++)
            cur[i][s] = db_cursor(s);
        usleep(100 * 1000);
    }
    int64_t asked = fc_now_mono_ms();
    yajl_val st = status_of(p);
    yajl_val streams = fct_json_get(fct_json_get(st, "indexer"), "streams");
    assert_true(YAJL_IS_ARRAY(streams));
    double worst = 0;
    for (size_t k = 0; k < streams->u.array.len; k++) {
        yajl_val e = streams->u.array.values[k];
        unsigned shard = (unsigned)YAJL_GET_INTEGER(fct_json_get(e, "shard"));
        uint64_t shown = (uint64_t)YAJL_GET_INTEGER(fct_json_get(e, "cursor"));
        assert_true(shard >= 1 && shard <= 2);
        /* never ahead of what PostgreSQL has committed */
        uint64_t now_db = db_cursor(shard);
        if (shown > now_db)
            fail_msg("shard %u: status shows cursor %llu, PostgreSQL only %llu", shard,
                     (unsigned long long)shown, (unsigned long long)now_db);
        for (int i = 0; i < SAMPLES; i++)
            if (cur[i][shard] > shown) {
                double stale = (double)(asked - at[i]) / 1000.0;
                worst = stale > worst ? stale : worst;
                break;
            }
    }
    yajl_tree_free(st);
    return worst;
}

static void request_backfill(const struct fct_serve *p, uint64_t fid)
{
    char url[128], body[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/admin/targets", p->port);
    snprintf(body, sizeof(body), "{\"fid\":%llu,\"root\":false}", (unsigned long long)fid);
    char origin[80];
    snprintf(origin, sizeof(origin), "Origin: http://127.0.0.1:%u", p->port);
    struct fct_http h;
    fct_http_request(
        "POST", url,
        (const char *[]){p->cookie, p->csrf, origin, "Content-Type: application/json", NULL}, body,
        5000, &h);
    if (h.status != 201 && h.status != 200)
        fail_msg("add target %llu on port %u: %ld %s", (unsigned long long)fid, p->port, h.status,
                 h.body.data);
    fct_http_cleanup(&h);
}

static bool synced(uint64_t fid)
{
    char sql[160];
    snprintf(sql, sizeof(sql),
             "SELECT count(*) FROM targets WHERE fid = %llu AND last_synced_at IS NOT NULL",
             (unsigned long long)fid);
    char *v = fct_sql_value(db_url, sql);
    bool ok = strcmp(v, "1") == 0;
    free(v);
    return ok;
}

/* The names of an object's members, sorted, as one string. */
static void keys_of(yajl_val o, struct fc_buf *out)
{
    fc_buf_reset(out);
    fc_buf_puts(out, "");
    if (!YAJL_IS_OBJECT(o))
        return;
    const char *k[64];
    size_t n = o->u.object.len < 64 ? o->u.object.len : 64;
    for (size_t i = 0; i < n; i++)
        k[i] = o->u.object.keys[i];
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && strcmp(k[j - 1], k[j]) > 0; j--) {
            const char *t = k[j];
            k[j] = k[j - 1];
            k[j - 1] = t;
        }
    for (size_t i = 0; i < n; i++)
        fc_buf_printf(out, "%s,", k[i]);
}

static void same_keys(yajl_val a, yajl_val b, const char *what)
{
    struct fc_buf ka = FC_BUF_INIT, kb = FC_BUF_INIT;
    keys_of(a, &ka);
    keys_of(b, &kb);
    if (strcmp(ka.data, kb.data) != 0)
        fail_msg("%s fields differ: split [%s] vs embedded [%s]", what, ka.data, kb.data);
    fc_buf_cleanup(&ka);
    fc_buf_cleanup(&kb);
}

static yajl_val first(yajl_val arr)
{
    return YAJL_IS_ARRAY(arr) && arr->u.array.len ? arr->u.array.values[0] : NULL;
}

/* `serve` (role all, embedded state): its status, for comparing fields. */
static yajl_val embedded_status(void)
{
    struct fct_env de;
    deployment_env(&de, "");
    const char *const *env = de.vars;
    struct fct_serve all;
    fct_serve_start(&all, "all", env);
    fct_serve_login(&all, PASSWORD);
    yajl_val st = NULL;
    int64_t deadline = fc_now_mono_ms() + 30000;
    while (fc_now_mono_ms() < deadline) {
        st = status_of(&all);
        if (indexer_ready(st) && count_procs(st, "all", "alive") == 1)
            break;
        yajl_tree_free(st);
        st = NULL;
        usleep(200 * 1000);
    }
    fct_serve_stop(&all, SIGTERM);
    if (!st)
        fail_msg("serve --role=all never reported its indexer");
    return st;
}

static void split_deployment_reports_through_shared_state(void **state)
{
    (void)state;
    const char *redis_url = fct_require_env("REDIS_URL");
    struct fct_env de;
    deployment_env(&de, redis_url);
    const char *const *env = de.vars;
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, env, &out) != 0)
        fail_msg("migrate: %s", out.data);
    yajl_val embedded = embedded_status();

    struct fct_serve ix, a, b;
    fct_serve_start(&ix, "indexer", env);
    fct_serve_start(&a, "api", env);
    fct_serve_start(&b, "api", env);
    fct_serve_login(&a, PASSWORD);
    fct_serve_login(&b, PASSWORD);
    struct fct_serve *apis[] = {&a, &b};

    /* every API process sees the indexer's streams and all three processes */
    for (int k = 0; k < 2; k++) {
        yajl_val st = NULL;
        int64_t deadline = fc_now_mono_ms() + 30000;
        while (fc_now_mono_ms() < deadline) {
            st = status_of(apis[k]);
            if (indexer_ready(st) && count_procs(st, "indexer", "alive") == 1 &&
                count_procs(st, "api", "alive") == 2)
                break;
            yajl_tree_free(st);
            st = NULL;
            usleep(200 * 1000);
        }
        if (!st)
            fail_msg("API process %d never showed the indexer and all three processes", k);
        yajl_val hub = first(fct_json_get(st, "hubs"));
        assert_true(YAJL_IS_TRUE(fct_json_get(hub, "healthy")));
        assert_true(YAJL_IS_OBJECT(fct_json_get(hub, "requests")));
        assert_true(YAJL_GET_INTEGER(fct_json_get(fct_json_get(hub, "requests"), "ok")) > 0);
        /* the same fields, with the same names, as the embedded deployment */
        same_keys(st, embedded, "status");
        same_keys(fct_json_get(st, "indexer"), fct_json_get(embedded, "indexer"), "indexer");
        same_keys(first(fct_json_get(fct_json_get(st, "indexer"), "streams")),
                  first(fct_json_get(fct_json_get(embedded, "indexer"), "streams")), "stream");
        same_keys(hub, first(fct_json_get(embedded, "hubs")), "hub");
        same_keys(first(fct_json_get(st, "processes")),
                  first(fct_json_get(embedded, "processes")), "process");
        yajl_tree_free(st);
    }
    yajl_tree_free(embedded);

    /* cursors as PostgreSQL holds them, at most one publishing interval late
     * (published once a second; 2 s allowed for a loaded machine) */
    for (int k = 0; k < 2; k++) {
        double stale = cursor_staleness_s(apis[k]);
        if (stale > 2.0)
            fail_msg("API process %d showed cursors %.2f s behind PostgreSQL", k, stale);
    }

    /* /metrics of an API process knows the indexer's lag and the processes */
    char *m = metrics_of(&b);
    assert_non_null(strstr(m, "fcindex_sync_lag_seconds{shard=\"1\"}"));
    assert_non_null(strstr(m, "fcindex_stream_follower 1"));
    assert_non_null(strstr(m, "fcindex_processes{role=\"indexer\",state=\"alive\"} 1"));
    assert_non_null(strstr(m, "fcindex_processes{role=\"api\",state=\"alive\"} 2"));
    assert_non_null(strstr(m, "fcindex_hub_requests_total{hub="));
    free(m);

    /* a backfill requested through either API process runs */
    char *f1 = fct_sql_value(db_url, "SELECT min(f) FROM generate_series(3, 60) f "
                                     "WHERE f NOT IN (SELECT fid FROM targets)");
    uint64_t fid_a = strtoull(f1, NULL, 10);
    free(f1);
    assert_true(fid_a > 0);
    request_backfill(&a, fid_a);
    char *f2 = fct_sql_value(db_url, "SELECT min(f) FROM generate_series(3, 60) f "
                                     "WHERE f NOT IN (SELECT fid FROM targets)");
    uint64_t fid_b = strtoull(f2, NULL, 10);
    free(f2);
    assert_true(fid_b > 0 && fid_b != fid_a);
    request_backfill(&b, fid_b);
    int64_t deadline = fc_now_mono_ms() + 30000;
    while (!(synced(fid_a) && synced(fid_b)) && fc_now_mono_ms() < deadline)
        usleep(200 * 1000);
    if (!synced(fid_a) || !synced(fid_b))
        fail_msg("backfills requested through the API processes did not run (%llu, %llu)",
                 (unsigned long long)fid_a, (unsigned long long)fid_b);

    /* `fcindex health` lists the processes */
    fc_buf_reset(&out);
    fct_run((const char *[]){fct_fcindex_bin(), "health", NULL}, env, &out);
    assert_non_null(strstr(out.data, "follows the stream"));
    const char *line = strstr(out.data, "process    ok    api");
    assert_non_null(line);
    assert_non_null(strstr(line + 1, "process    ok    api"));

    /* the indexer dies: both API processes report it gone within 10 s */
    fct_serve_stop(&ix, SIGKILL);
    int64_t killed = fc_now_mono_ms();
    for (int k = 0; k < 2; k++) {
        bool gone = false;
        while (!gone && fc_now_mono_ms() - killed < 12000) {
            yajl_val st = status_of(apis[k]);
            gone = count_procs(st, "indexer", "gone") == 1 &&
                   count_procs(st, "indexer", "alive") == 0 &&
                   YAJL_IS_NULL(fct_json_get(st, "indexer"));
            yajl_tree_free(st);
            if (!gone)
                usleep(200 * 1000);
        }
        double took = (double)(fc_now_mono_ms() - killed) / 1000.0;
        if (!gone || took > 10.0)
            fail_msg("API process %d reported the killed indexer gone after %.1f s", k, took);
    }
    m = metrics_of(&a);
    assert_non_null(strstr(m, "fcindex_processes{role=\"indexer\",state=\"gone\"} 1"));
    assert_non_null(strstr(m, "fcindex_stream_follower 0"));
    free(m);
    fct_serve_stop(&a, SIGTERM);
    fct_serve_stop(&b, SIGTERM);
    fc_buf_cleanup(&out);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create("splitstatus", fx.db, sizeof(fx.db));
    snprintf(prefix, sizeof(prefix), "fctest:split:%d:", (int)getpid());
    fct_fixture_hubsim(&fx, (const char *[]){"--fids", "60", "--shards", "2", "--events-per-sec",
                                             "50", "--tick-ms", "200", NULL});
    return 0;
}

FCT_MAIN(setup, fct_fixture_teardown, split_deployment_reports_through_shared_state)
