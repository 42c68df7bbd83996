/* The HTTP API end to end: the fixture corpus indexed by the real binaries
 * into a real PostgreSQL, then the API server (in this process, under the
 * sanitizers) answering real HTTP requests. Checks the public routes against
 * the fixture's ground truth, every error path, the auth flows, the admin
 * routes, rate limits, many parallel clients, and the cache staleness bound
 * with a live indexer process publishing changes through Redis. Every
 * response is recorded (FCT_API_RECORD) for the OpenAPI check. */
#include "api/api.h"
#include "api/auth.h"
#include "state/fidset.h"
#include "state/rates.h"
#include "core/config.h"
#include "core/fctime.h"
#include "support/json.h"
#include "support/testenv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static char db_url[512];
static yajl_val expected;
static int sim_pid, sim_port;
static FILE *record;
static pthread_mutex_t record_lock = PTHREAD_MUTEX_INITIALIZER;
/* processes a test started: stopped by teardown even when the test failed */
static int spawned[8];
static size_t n_spawned;

static int remember(int pid)
{
    if (n_spawned < sizeof(spawned) / sizeof(spawned[0]))
        spawned[n_spawned++] = pid;
    return pid;
}

static void forget(int pid)
{
    for (size_t i = 0; i < n_spawned; i++)
        if (spawned[i] == pid)
            spawned[i] = -1;
}

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

/* ---- an API server in this process ---- */

struct server {
    struct fc_config cfg;
    struct fc_api *api;
    char base[64];
};

static void server_start_shared(struct server *s, const char *const *extra,
                                const struct fc_api_shared *shared);

static void server_start(struct server *s, const char *const *extra)
{
    server_start_shared(s, extra, NULL);
}

/* The API with state objects of the test's own (shared may be NULL). */
static void server_start_shared(struct server *s, const char *const *extra,
                                const struct fc_api_shared *shared)
{
    char e1[600];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db_url);
    /* extras first: the first setting of a variable is the one used */
    const char *env[32];
    size_t n = 0;
    for (size_t i = 0; extra && extra[i] && n < 20; i++)
        env[n++] = extra[i];
    static const char *const defaults[] = {
        "FCINDEX_API_LISTEN=127.0.0.1:0", "FCINDEX_LOG_LEVEL=error",
        "FCINDEX_AUTH_ADMIN_PASSWORD=correct horse battery",
        "FCINDEX_AUTH_JWT_SECRET=test-api-jwt-secret-0123456789abcdef", "FCINDEX_API_RATE_PUBLIC_PER_MIN=0",
        "FCINDEX_API_RATE_SEARCH_PER_MIN=0", "FCINDEX_API_RATE_ADMIN_PER_MIN=0"};
    env[n++] = e1;
    for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
        env[n++] = defaults[i];
    env[n] = NULL;
    struct fc_buf errors = FC_BUF_INIT;
    struct fc_config_sources src = {NULL, (char **)env, NULL, 0};
    if (fc_config_load(&s->cfg, &src, &errors))
        fail_msg("config: %s", errors.data);
    fc_buf_cleanup(&errors);
    struct fc_diag diag;
    if (fc_api_start(&s->cfg, shared, &s->api, &diag))
        fail_msg("api start: %s", diag.msg);
    snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", fc_api_port(s->api));
}

static void server_stop(struct server *s)
{
    fc_api_stop(s->api);
    fc_config_cleanup(&s->cfg);
}

/* ---- requests, recorded for the OpenAPI check ---- */

static void note(const char *method, const char *route, const char *path,
                 const struct fct_http *h)
{
    if (!record)
        return;
    char ct[128] = "";
    fct_http_header_value(h, "Content-Type", ct, sizeof(ct));
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_printf(&b, "{\"method\":\"%s\",\"route\":", method);
    if (route)
        fc_buf_json_str(&b, route, strlen(route));
    else
        fc_buf_puts(&b, "null");
    fc_buf_puts(&b, ",\"path\":");
    fc_buf_json_str(&b, path, strlen(path) > 200 ? 200 : strlen(path));
    fc_buf_printf(&b, ",\"status\":%ld,\"content_type\":", h->status);
    fc_buf_json_str(&b, ct, strlen(ct));
    fc_buf_puts(&b, ",\"body\":");
    fc_buf_json_str(&b, h->body.data, h->body.len);
    fc_buf_puts(&b, "}\n");
    pthread_mutex_lock(&record_lock);
    fwrite(b.data, 1, b.len, record);
    pthread_mutex_unlock(&record_lock);
    fc_buf_cleanup(&b);
}

/* method on base+path; route is the documented pattern (NULL: the checker
 * finds it from the path, or the request matches no route) */
static void call(const struct server *s, const char *method, const char *route, const char *path,
                 const char *const *headers, const char *body, struct fct_http *out)
{
    char url[2600];
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    fct_http_request(method, url, headers, body, 10000, out);
    if (out->curl_code)
        fail_msg("%s %s: curl error %d", method, path, out->curl_code);
    note(method, route, path, out);
}

/* call, failing the test unless it answers want_status. */
static void call_expecting(const struct server *s, const char *method, const char *route,
                           const char *path, const char *const *headers, const char *body,
                           long want_status, struct fct_http *out)
{
    call(s, method, route, path, headers, body, out);
    if (out->status != want_status)
        fail_msg("%s %s: status %ld, want %ld: %s", method, path, out->status, want_status,
                 out->body.data);
}

/* call, failing the test unless it answers want_status with JSON; returns
 * the JSON (caller frees: yajl_tree_free). */
static yajl_val call_json_as(const struct server *s, const char *method, const char *route,
                             const char *path, const char *const *headers, const char *body,
                             long want_status)
{
    struct fct_http h;
    call_expecting(s, method, route, path, headers, body, want_status, &h);
    char err[256];
    yajl_val v = yajl_tree_parse(h.body.data, err, sizeof(err));
    if (!v)
        fail_msg("%s %s: not JSON (%s): %s", method, path, err, h.body.data);
    fct_http_cleanup(&h);
    return v;
}

static yajl_val call_json(const struct server *s, const char *route, const char *path,
                          long want_status)
{
    return call_json_as(s, "GET", route, path, NULL, NULL, want_status);
}

static void expect_error(const struct server *s, const char *method, const char *route,
                         const char *path, const char *const *headers, const char *body,
                         long status, const char *code)
{
    struct fct_http h;
    call(s, method, route, path, headers, body, &h);
    char err[256];
    yajl_val v = yajl_tree_parse(h.body.data, err, sizeof(err));
    yajl_val c = get(get(v, "error"), "code");
    yajl_val m = get(get(v, "error"), "message");
    if (h.status != status || !c || !YAJL_IS_STRING(c) || strcmp(c->u.string, code) != 0 || !m ||
        !YAJL_IS_STRING(m) || !*m->u.string)
        fail_msg("%s %s: want %ld %s, got %ld %s", method, path, status, code, h.status,
                 h.body.data);
    yajl_tree_free(v);
    fct_http_cleanup(&h);
}

/* call, failing the test unless it answers want_status. */
static void expect_status(const struct server *s, const char *method, const char *route,
                          const char *path, const char *const *headers, const char *body,
                          long want_status)
{
    struct fct_http h;
    call_expecting(s, method, route, path, headers, body, want_status, &h);
    fct_http_cleanup(&h);
}

/* ---- fixture set-up ---- */

static int run_fcindex(const char *const *args, const char *roots)
{
    char e1[600], e2[128], e3[2048];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db_url);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", sim_port);
    snprintf(e3, sizeof(e3), "FCINDEX_STRATEGY_ROOT_TARGETS=%s", roots);
    const char *env[] = {e1, e2, e3, "FCINDEX_STRATEGY_TARGET_CLIENTS=9152,309857,22640",
                         "FCINDEX_LOG_LEVEL=warn", "REDIS_URL=", NULL};
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_fcindex(args, env, &out);
    if (rc)
        fprintf(stderr, "fcindex %s: %s\n", args[0], out.data);
    fc_buf_cleanup(&out);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    const char *dir = fct_require_env("FCINDEX_FIXTURES");
    expected = fct_json_fixture("expected.json");
    const char *rec = getenv("FCT_API_RECORD");
    if (rec && *rec)
        record = fopen(rec, "w");
    char *roots = fct_json_keys_csv(get(expected, "fids"));
    sim_pid = fct_hubsim_start((const char *[]){"--corpus", dir, "--flavour", "snapchain", NULL},
                               &sim_port);
    fct_db_create("api", db_url, sizeof(db_url));
    assert_int_equal(run_fcindex((const char *[]){"migrate", NULL}, roots), 0);
    assert_int_equal(run_fcindex((const char *[]){"backfill", "--all-unsynced", "--wait", NULL},
                                 roots), 0);
    assert_int_equal(run_fcindex((const char *[]){"sync", "--until-head", NULL}, roots), 0);
    free(roots);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (size_t i = 0; i < n_spawned; i++)
        if (spawned[i] > 0)
            fct_signal(spawned[i], SIGKILL);
    fct_hubsim_stop(sim_pid);
    fct_db_drop(db_url);
    yajl_tree_free(expected);
    if (record)
        fclose(record);
    return 0;
}

/* ---- helpers over responses ---- */

static const char *str_or_empty(yajl_val v)
{
    return v && YAJL_IS_STRING(v) ? v->u.string : "";
}

static bool in_array(yajl_val arr, const char *s)
{
    for (size_t i = 0; arr && YAJL_IS_ARRAY(arr) && i < YAJL_GET_ARRAY(arr)->len; i++) {
        yajl_val v = YAJL_GET_ARRAY(arr)->values[i];
        char tmp[64];
        if (YAJL_IS_INTEGER(v))
            snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(v));
        else
            snprintf(tmp, sizeof(tmp), "%s", str_or_empty(v));
        if (strcmp(tmp, s) == 0)
            return true;
    }
    return false;
}

/* Follows next_cursor through a paginated list; returns the items' key
 * values (field "hash" or "fid") joined by commas. */
static char *collect_pages(const struct server *s, const char *route, const char *path,
                           const char *list, const char *key, int *pages)
{
    struct fc_buf all = FC_BUF_INIT;
    fc_buf_puts(&all, "");
    char cursor[128] = "";
    *pages = 0;
    for (;;) {
        char p[512];
        snprintf(p, sizeof(p), "%s%slimit=3%s%s", path, strchr(path, '?') ? "&" : "?",
                 *cursor ? "&cursor=" : "", cursor);
        yajl_val v = call_json(s, route, p, 200);
        (*pages)++;
        yajl_val items = get(v, list);
        assert_true(items && YAJL_IS_ARRAY(items));
        assert_true(YAJL_GET_ARRAY(items)->len <= 3);
        for (size_t i = 0; i < YAJL_GET_ARRAY(items)->len; i++) {
            yajl_val k = get(YAJL_GET_ARRAY(items)->values[i], key);
            char tmp[64];
            if (k && YAJL_IS_INTEGER(k))
                snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(k));
            else
                snprintf(tmp, sizeof(tmp), "%s", str_or_empty(k));
            fc_buf_printf(&all, "%s%s", all.len ? "," : "", tmp);
        }
        yajl_val next = get(v, "next_cursor");
        bool more = next && YAJL_IS_STRING(next);
        if (more)
            snprintf(cursor, sizeof(cursor), "%s", next->u.string);
        yajl_tree_free(v);
        if (!more || *pages > 200)
            break;
    }
    return fc_buf_take(&all);
}

static bool contains_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return true;
    return false;
}

static size_t count_items(const char *joined)
{
    if (!*joined)
        return 0;
    size_t n = 1;
    for (const char *c = joined; *c; c++)
        n += *c == ',';
    return n;
}

static bool joined_has(const char *joined, const char *item)
{
    size_t n = strlen(item);
    for (const char *p = joined; (p = strstr(p, item)); p += n)
        if ((p == joined || p[-1] == ',') && (p[n] == ',' || p[n] == '\0'))
            return true;
    return false;
}

/* ---- tests ---- */

/* Profiles, live casts (deleted never shown), follows and reaction counts
 * equal the fixture's ground truth. */
static void public_routes_match_ground_truth(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    yajl_val fids = get(expected, "fids");
    yajl_val casts = get(expected, "casts");
    size_t checked_casts = 0, multi_page = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        const char *fid = YAJL_GET_OBJECT(fids)->keys[i];
        yajl_val e = YAJL_GET_OBJECT(fids)->values[i];
        char path[256];
        snprintf(path, sizeof(path), "/v1/users/%s", fid);
        yajl_val u = call_json(&s, "/v1/users/:fid", path, 200);
        yajl_val prof = get(e, "profile");
        static const struct {
            const char *want, *got;
        } fields[] = {{"username", "username"}, {"display", "display_name"}, {"pfp", "pfp_url"},
                      {"bio", "bio"},           {"url", "url"},               {"twitter", "twitter"},
                      {"github", "github"},     {"location", "location"}};
        for (size_t k = 0; k < sizeof(fields) / sizeof(fields[0]); k++)
            if (strcmp(str_or_empty(get(prof, fields[k].want)), str_or_empty(get(u, fields[k].got))))
                fail_msg("fid %s %s: want \"%s\", got \"%s\"", fid, fields[k].got,
                         str_or_empty(get(prof, fields[k].want)), str_or_empty(get(u, fields[k].got)));
        assert_string_equal(str_or_empty(get(e, "custody_address")),
                            str_or_empty(get(u, "custody_address")));
        assert_string_equal(str_or_empty(get(prof, "primary_address_solana")),
                            str_or_empty(get(get(u, "primary_addresses"), "solana")));
        size_t nfollows = YAJL_GET_ARRAY(get(e, "live_follows"))->len;
        assert_int_equal(YAJL_GET_INTEGER(get(u, "following")), (long long)nfollows);
        yajl_val eth = get(get(e, "verified_addresses"), "ethereum");
        yajl_val geth = get(get(u, "verified_addresses"), "ethereum");
        assert_int_equal(YAJL_GET_ARRAY(geth)->len, YAJL_GET_ARRAY(eth)->len);
        for (size_t k = 0; k < YAJL_GET_ARRAY(eth)->len; k++)
            assert_true(in_array(geth, str_or_empty(YAJL_GET_ARRAY(eth)->values[k])));
        yajl_tree_free(u);

        /* the account's casts: exactly the live ones, across pages */
        int pages;
        snprintf(path, sizeof(path), "/v1/users/%s/casts?replies=include", fid);
        char *got = collect_pages(&s, "/v1/users/:fid/casts", path, "casts", "hash", &pages);
        yajl_val live = get(e, "live_cast_hashes");
        if (count_items(got) != YAJL_GET_ARRAY(live)->len)
            fail_msg("fid %s casts: got %s", fid, got);
        for (size_t k = 0; k < YAJL_GET_ARRAY(live)->len; k++)
            assert_true(joined_has(got, str_or_empty(YAJL_GET_ARRAY(live)->values[k])));
        multi_page += pages > 1;
        free(got);

        /* following: exactly the live follows */
        snprintf(path, sizeof(path), "/v1/users/%s/following", fid);
        got = collect_pages(&s, "/v1/users/:fid/following", path, "users", "fid", &pages);
        assert_int_equal(count_items(got), nfollows);
        for (size_t k = 0; k < nfollows; k++) {
            char f[32];
            snprintf(f, sizeof(f), "%lld", YAJL_GET_INTEGER(YAJL_GET_ARRAY(get(e, "live_follows"))->values[k]));
            assert_true(joined_has(got, f));
        }
        free(got);

        /* every live cast with its reaction counts; deleted ones are 404 */
        for (size_t k = 0; k < YAJL_GET_ARRAY(live)->len; k++) {
            const char *h = str_or_empty(YAJL_GET_ARRAY(live)->values[k]);
            snprintf(path, sizeof(path), "/v1/casts/%s", h);
            yajl_val c = call_json(&s, "/v1/casts/:hash", path, 200);
            yajl_val want = get(casts, h);
            assert_string_equal(str_or_empty(get(c, "hash")), h);
            assert_string_equal(str_or_empty(get(c, "text")), str_or_empty(get(want, "text")));
            assert_int_equal(YAJL_GET_INTEGER(get(get(c, "reactions"), "likes")),
                             YAJL_GET_INTEGER(get(want, "likes")));
            assert_int_equal(YAJL_GET_INTEGER(get(get(c, "reactions"), "recasts")),
                             YAJL_GET_INTEGER(get(want, "recasts")));
            yajl_tree_free(c);
            checked_casts++;
        }
        static const char *const gone[] = {"removed_cast_hashes", "pruned_cast_hashes",
                                           "revoked_cast_hashes"};
        for (size_t g = 0; g < 3; g++) {
            yajl_val arr = get(e, gone[g]);
            for (size_t k = 0; k < YAJL_GET_ARRAY(arr)->len; k++) {
                snprintf(path, sizeof(path), "/v1/casts/%s",
                         str_or_empty(YAJL_GET_ARRAY(arr)->values[k]));
                expect_error(&s, "GET", "/v1/casts/:hash", path, NULL, NULL, 404, "not_found");
            }
        }
    }
    assert_int_equal(checked_casts,
                     YAJL_GET_INTEGER(get(get(get(expected, "meta"), "totals"), "casts_live")));
    assert_true(multi_page > 0);
    server_stop(&s);
}

/* The feed: newest first, only live casts of followed accounts, every one
 * of them across pages, with authors and counts. */
/* A feed from the corpus's ground truth: the live casts (expected.casts) of
 * the accounts fid follows (live_follows), newest first, ties by hash
 * descending; their hashes joined by commas. */
struct feed_item {
    long long ts;
    const char *hash;
};

static int newest_first(const void *a, const void *b)
{
    const struct feed_item *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts > y->ts ? -1 : 1;
    return -strcmp(x->hash, y->hash);
}

static char *feed_from_truth(yajl_val account)
{
    yajl_val follows = get(account, "live_follows");
    yajl_val casts = get(expected, "casts");
    size_t n = YAJL_GET_OBJECT(casts)->len, k = 0;
    struct feed_item *items = fc_xmalloc((n + 1) * sizeof(*items));
    for (size_t i = 0; i < n; i++) {
        yajl_val c = YAJL_GET_OBJECT(casts)->values[i];
        char author[32];
        snprintf(author, sizeof(author), "%lld", YAJL_GET_INTEGER(get(c, "fid")));
        if (in_array(follows, author))
            items[k++] = (struct feed_item){YAJL_GET_INTEGER(get(c, "timestamp")),
                                            YAJL_GET_OBJECT(casts)->keys[i]};
    }
    qsort(items, k, sizeof(*items), newest_first);
    struct fc_buf out = FC_BUF_INIT;
    fc_buf_puts(&out, "");
    for (size_t i = 0; i < k; i++)
        fc_buf_printf(&out, "%s%s", i ? "," : "", items[i].hash);
    free(items);
    return out.data;
}

static void feed_lists_followed_live_casts(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    yajl_val fids = get(expected, "fids");
    size_t nonempty = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        const char *fid = YAJL_GET_OBJECT(fids)->keys[i];
        char path[128];
        snprintf(path, sizeof(path), "/v1/feed/%s", fid);
        int pages;
        char *got = collect_pages(&s, "/v1/feed/:fid", path, "casts", "hash", &pages);
        char *want = feed_from_truth(YAJL_GET_OBJECT(fids)->values[i]);
        if (strcmp(got, want) != 0)
            fail_msg("feed %s:\n got  %s\n want %s", fid, got, want);
        nonempty += *got != '\0';
        free(got);
        free(want);
    }
    assert_true(nonempty > 5);
    /* one page in detail: authors and counts present */
    const char *first = YAJL_GET_OBJECT(fids)->keys[0];
    char path[128];
    snprintf(path, sizeof(path), "/v1/feed/%s?limit=100", first);
    yajl_val v = call_json(&s, "/v1/feed/:fid", path, 200);
    yajl_val arr = get(v, "casts");
    for (size_t i = 0; i < YAJL_GET_ARRAY(arr)->len; i++) {
        yajl_val c = YAJL_GET_ARRAY(arr)->values[i];
        assert_true(YAJL_IS_INTEGER(get(get(c, "author"), "fid")));
        assert_true(YAJL_IS_INTEGER(get(get(c, "reactions"), "likes")));
        assert_true(YAJL_IS_INTEGER(get(c, "replies")));
    }
    yajl_tree_free(v);
    expect_error(&s, "GET", "/v1/feed/:fid", "/v1/feed/999999999", NULL, NULL, 404, "not_found");
    server_stop(&s);
}

static void casts_by_prefix_replies_search_trending(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    /* a unique 4-byte prefix finds the cast; an ambiguous one lists candidates */
    char *hash = fct_sql_value(db_url, "SELECT encode(hash, 'hex') FROM casts c WHERE deleted_at "
                                       "IS NULL AND text IS NOT NULL AND (SELECT count(*) FROM "
                                       "casts d WHERE substr(d.hash, 1, 4) = substr(c.hash, 1, 4)) "
                                       "= 1 LIMIT 1");
    char path[256];
    snprintf(path, sizeof(path), "/v1/casts/0x%.8s", hash);
    yajl_val v = call_json(&s, "/v1/casts/:hash", path, 200);
    char full[64];
    snprintf(full, sizeof(full), "0x%s", hash);
    assert_string_equal(str_or_empty(get(v, "hash")), full);
    yajl_tree_free(v);
    free(hash);
    /* two live casts sharing their first byte: the 1-byte prefix is too
     * short (400); ambiguity needs a shared 4-byte prefix, made here by
     * inserting a sibling of a live cast */
    char *h2 = fct_sql_value(db_url, "SELECT encode(hash, 'hex') FROM casts WHERE deleted_at IS "
                                     "NULL AND text IS NOT NULL ORDER BY hash LIMIT 1");
    char sql[512];
    snprintf(sql, sizeof(sql),
             "INSERT INTO casts (hash, fid, \"timestamp\", text) SELECT "
             "overlay(hash placing '\\xffffff'::bytea from 18), fid, \"timestamp\", 'twin' "
             "FROM casts WHERE hash = decode('%s', 'hex')", h2);
    free(fct_sql_value(db_url, sql));
    snprintf(path, sizeof(path), "/v1/casts/0x%.8s", h2);
    struct fct_http h;
    call_expecting(&s, "GET", "/v1/casts/:hash", path, NULL, NULL, 409, &h);
    assert_non_null(strstr(h.body.data, "\"candidates\""));
    assert_non_null(strstr(h.body.data, h2));
    fct_http_cleanup(&h);
    snprintf(sql, sizeof(sql), "DELETE FROM casts WHERE text = 'twin'");
    free(fct_sql_value(db_url, sql));
    free(h2);

    /* replies in thread order: a cast with replies */
    char *parent = fct_sql_value(db_url, "SELECT encode(parent_hash, 'hex') FROM casts c WHERE "
                                         "parent_hash IS NOT NULL AND deleted_at IS NULL AND text "
                                         "IS NOT NULL AND EXISTS (SELECT 1 FROM casts p WHERE "
                                         "p.hash = c.parent_hash AND p.deleted_at IS NULL AND "
                                         "p.text IS NOT NULL) LIMIT 1");
    assert_true(*parent);
    snprintf(path, sizeof(path), "/v1/casts/0x%s/replies", parent);
    v = call_json(&s, "/v1/casts/:hash/replies", path, 200);
    yajl_val replies = get(v, "replies");
    assert_true(YAJL_GET_ARRAY(replies)->len >= 1);
    assert_int_equal(YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(replies)->values[0], "depth")), 1);
    yajl_tree_free(v);
    free(parent);

    /* search finds a word of a live cast and never a deleted cast */
    v = call_json(&s, "/v1/search/casts", "/v1/search/casts?q=congrats&limit=100", 200);
    yajl_val found = get(v, "casts");
    assert_true(YAJL_GET_ARRAY(found)->len > 0);
    for (size_t i = 0; i < YAJL_GET_ARRAY(found)->len; i++) {
        yajl_val c = YAJL_GET_ARRAY(found)->values[i];
        assert_true(contains_ci(str_or_empty(get(c, "text")), "congrats"));
        snprintf(sql, sizeof(sql), "SELECT deleted_at IS NULL FROM casts WHERE hash = decode('%s', "
                                   "'hex')", str_or_empty(get(c, "hash")) + 2);
        fct_assert_sql(db_url, sql, "t");
    }
    yajl_tree_free(v);

    /* trending: ranked by score, non-increasing */
    static const char *const windows[] = {"1h", "24h", "7d"};
    for (size_t w = 0; w < 3; w++) {
        snprintf(path, sizeof(path), "/v1/trending?window=%s", windows[w]);
        v = call_json(&s, "/v1/trending", path, 200);
        yajl_val arr = get(v, "casts");
        for (size_t i = 1; i < YAJL_GET_ARRAY(arr)->len; i++)
            assert_true(YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(arr)->values[i - 1], "score")) >=
                        YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(arr)->values[i], "score")));
        if (w == 2)
            assert_true(YAJL_GET_ARRAY(arr)->len > 0);
        yajl_tree_free(v);
    }
    v = call_json(&s, "/v1/users/by-username/:name", "/v1/users/by-username/HANAONCHAIN", 200);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "fid")), 2079);
    yajl_tree_free(v);
    v = call_json(&s, "/v1/users/:fid/followers", "/v1/users/2079/followers", 200);
    assert_true(YAJL_GET_ARRAY(get(v, "users"))->len > 0);
    yajl_tree_free(v);
    server_stop(&s);
}

/* Every client mistake is a 4xx with the error shape, never a 500. */
static void bad_inputs_get_json_errors(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    static const struct {
        const char *method, *route, *path;
        long status;
        const char *code;
    } cases[] = {
        {"GET", "/v1/users/:fid", "/v1/users/abc", 400, "invalid_fid"},
        {"GET", "/v1/users/:fid", "/v1/users/0", 400, "invalid_fid"},
        {"GET", "/v1/users/:fid", "/v1/users/-5", 400, "invalid_fid"},
        {"GET", "/v1/users/:fid", "/v1/users/99999999999999999999999", 400, "invalid_fid"},
        {"GET", "/v1/users/:fid", "/v1/users/123456789", 404, "not_found"},
        {"GET", "/v1/users/:fid/casts", "/v1/users/2079/casts?limit=0", 400, "invalid_limit"},
        {"GET", "/v1/users/:fid/casts", "/v1/users/2079/casts?limit=101", 400, "invalid_limit"},
        {"GET", "/v1/users/:fid/casts", "/v1/users/2079/casts?limit=ten", 400, "invalid_limit"},
        {"GET", "/v1/users/:fid/casts", "/v1/users/2079/casts?cursor=zzz", 400, "invalid_cursor"},
        {"GET", "/v1/feed/:fid", "/v1/feed/2079?cursor=123:abc", 400, "invalid_cursor"},
        {"GET", "/v1/users/:fid/followers", "/v1/users/2079/followers?cursor=1:", 400,
         "invalid_cursor"},
        {"GET", "/v1/casts/:hash", "/v1/casts/0xZZ112233", 400, "invalid_hash"},
        {"GET", "/v1/casts/:hash", "/v1/casts/12345678", 400, "invalid_hash"},
        {"GET", "/v1/casts/:hash", "/v1/casts/0x123456789", 400, "invalid_hash"},
        {"GET", "/v1/casts/:hash", "/v1/casts/0x00000000", 404, "not_found"},
        {"GET", "/v1/casts/:hash/replies", "/v1/casts/0x12345678/replies", 400, "invalid_hash"},
        {"GET", "/v1/casts/:hash/replies", "/v1/casts/0x1234567812345678123456781234567812345678"
                                           "/replies?cursor=-1", 400, "invalid_cursor"},
        {"GET", "/v1/search/casts", "/v1/search/casts", 400, "invalid_query"},
        {"GET", "/v1/search/casts", "/v1/search/casts?q=%ff%fe", 400, "invalid_query"},
        {"GET", "/v1/search/casts", "/v1/search/casts?q=a&cursor=99999999", 400, "invalid_cursor"},
        {"GET", "/v1/trending", "/v1/trending?window=2h", 400, "invalid_window"},
        {"GET", "/v1/users/by-username/:name", "/v1/users/by-username/no%20spaces", 400,
         "invalid_username"},
        {"GET", "/v1/users/by-username/:name", "/v1/users/by-username/nobody-here", 404,
         "not_found"},
        {"GET", NULL, "/v2/nothing", 404, "not_found"},
        {"DELETE", NULL, "/v1/users/2079", 405, "method_not_allowed"},
        {"POST", NULL, "/v1/feed/2079", 405, "method_not_allowed"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(&s, cases[i].method, cases[i].route, cases[i].path, NULL,
                     strcmp(cases[i].method, "POST") == 0 ? "{}" : NULL, cases[i].status,
                     cases[i].code);
    /* odd but well-formed values are answered, never with a 5xx */
    static const char *const odd[] = {
        "/v1/feed/2079?cursor=999999999999999999:0bde2f2414fae73811ea557a3fe7ac6a6e7404d1",
        "/v1/feed/2079?cursor=0:0000000000000000000000000000000000000000",
        "/v1/search/casts?q=%27%22%26%7C%21%3A%2A%28%29",
        "/v1/search/casts?q=a%00b",
        "/v1/users/by-username/%00",
        "/v1/users/9223372036854775807",
        "/v1/casts/0xffffffffffffffffffffffffffffffffffffffff",
        "/v1/trending?window=7d&limit=100&cursor=10000",
        "/v1/users/2079/casts?cursor=1:ffffffffffffffffffffffffffffffffffffffff&limit=100"};
    for (size_t i = 0; i < sizeof(odd) / sizeof(odd[0]); i++) {
        struct fct_http h;
        call(&s, "GET", NULL, odd[i], NULL, NULL, &h);
        if (h.status < 200 || h.status >= 500)
            fail_msg("GET %s: %ld %s", odd[i], h.status, h.body.data);
        fct_http_cleanup(&h);
    }
    /* an over-long URL, and an oversized body */
    char *longpath = fc_xmalloc(5000);
    snprintf(longpath, 5000, "/v1/users/");
    memset(longpath + 10, '1', 3000);
    longpath[3010] = '\0';
    expect_error(&s, "GET", NULL, longpath, NULL, NULL, 414, "uri_too_long");
    /* a Host this server does not answer to (DNS rebinding): refused first */
    expect_error(&s, "GET", "/v1/users/:fid", "/v1/users/3",
                 (const char *[]){"Host: attacker.example:8080", NULL}, NULL, 421, "unknown_host");
    free(longpath);
    char *big = fc_xmalloc(70000);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    expect_error(&s, "POST", "/auth/login", "/auth/login",
                 (const char *[]){"Content-Type: application/json", NULL}, big, 413,
                 "body_too_large");
    free(big);
    /* malformed and wrongly shaped JSON bodies */
    const char *json_ct[] = {"Content-Type: application/json", NULL};
    expect_error(&s, "POST", "/auth/login", "/auth/login", json_ct, "{\"password\":", 400,
                 "invalid_json");
    expect_error(&s, "POST", "/auth/login", "/auth/login", json_ct, "[1,2]", 400, "invalid_json");
    expect_error(&s, "POST", "/auth/login", "/auth/login", json_ct, "{\"password\":5}", 400,
                 "invalid_field");
    expect_error(&s, "POST", "/auth/login", "/auth/login", json_ct, "{\"pass\":\"x\"}", 400,
                 "invalid_field");
    server_stop(&s);
}

static char *login(const struct server *s, const char *password, long want)
{
    char body[256];
    snprintf(body, sizeof(body), "{\"password\":\"%s\"}", password);
    struct fct_http h;
    call(s, "POST", "/auth/login", "/auth/login",
         (const char *[]){"Content-Type: application/json", NULL}, body, &h);
    if (h.status != want)
        fail_msg("login: status %ld, want %ld: %s", h.status, want, h.body.data);
    char cookie[2200];
    char *token = NULL;
    if (fct_http_header_value(&h, "Set-Cookie", cookie, sizeof(cookie))) {
        assert_non_null(strstr(cookie, "HttpOnly"));
        assert_non_null(strstr(cookie, "SameSite=Strict"));
        assert_non_null(strstr(cookie, "Path=/"));
        assert_non_null(strstr(cookie, "Secure"));
        char *semi = strchr(cookie, ';');
        *semi = '\0';
        token = fc_xstrdup(cookie + strlen("token="));
    }
    fct_http_cleanup(&h);
    return token;
}

/* A logged-in admin's headers for a state-changing call: the session
 * cookie, this server's Origin and a JSON body. h points into the struct. */
struct admin {
    char *token; /* caller frees */
    char cookie[2300], origin[128];
    const char *h[4];
};

static void admin_login(const struct server *s, struct admin *a)
{
    a->token = login(s, "correct horse battery", 200);
    snprintf(a->cookie, sizeof(a->cookie), "Cookie: token=%s", a->token);
    snprintf(a->origin, sizeof(a->origin), "Origin: %s", s->base);
    a->h[0] = a->cookie;
    a->h[1] = a->origin;
    a->h[2] = "Content-Type: application/json";
    a->h[3] = NULL;
}

static char *csrf_of(const struct server *s, const char *cookie_header)
{
    struct fct_http h;
    call(s, "GET", "/auth/session", "/auth/session", (const char *[]){cookie_header, NULL}, NULL,
         &h);
    assert_int_equal(h.status, 200);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    char *csrf = fc_xstrdup(str_or_empty(get(v, "csrf_token")));
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    return csrf;
}

/* Login, the cookie, expiry, tampering, algorithm pinning, logout, CSRF,
 * brute force. */
static void auth_flows(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, (const char *[]){"FCINDEX_API_RATE_LOGIN_PER_MIN=5", NULL});
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", NULL, NULL, 401, "unauthorized");
    assert_null(login(&s, "wrong", 401));
    char *token = login(&s, "correct horse battery", 200);
    assert_non_null(token);
    char cookie[2300];
    snprintf(cookie, sizeof(cookie), "Cookie: token=%s", token);
    struct fct_http h;
    expect_status(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){cookie, NULL},
                  NULL, 200);

    /* tampered payload, wrong signature, alg none / RS256, expired */
    char bad[2300];
    snprintf(bad, sizeof(bad), "%s", cookie);
    char *dot = strchr(bad, '.');
    dot[2] = dot[2] == 'A' ? 'B' : 'A';
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){bad, NULL}, NULL,
                 403, "forbidden");
    snprintf(bad, sizeof(bad), "%s", cookie);
    bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){bad, NULL}, NULL,
                 403, "forbidden");
    const char *none = "Cookie: token=eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJhZG1pbiIsImlh"
                       "dCI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.";
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){none, NULL}, NULL,
                 403, "forbidden");
    const char *rs = "Cookie: token=eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJhZG1pbiIsImlhd"
                     "CI6MSwiZXhwIjo5OTk5OTk5OTk5fQ.c2lnbmF0dXJl";
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){rs, NULL}, NULL,
                 403, "forbidden");
    struct fc_auth *auth;
    struct fc_diag diag;
    assert_int_equal(fc_auth_new(s.cfg.jwt_secret, "x", "", 60, &auth, &diag), FC_OK);
    struct fc_buf old = FC_BUF_INIT;
    fc_auth_issue(auth, "admin", time(NULL) - 3600, &old); /* expired an hour ago... minus 60 s */
    snprintf(bad, sizeof(bad), "Cookie: token=%s", old.data);
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){bad, NULL}, NULL,
                 403, "forbidden");
    fc_buf_reset(&old);
    fc_auth_issue(auth, "admin", time(NULL), &old); /* same secret, still valid: accepted */
    snprintf(bad, sizeof(bad), "Cookie: token=%s", old.data);
    expect_status(&s, "GET", "/admin/jobs", "/admin/jobs", (const char *[]){bad, NULL}, NULL, 200);
    fc_buf_cleanup(&old);
    fc_auth_free(auth);

    /* CSRF: a state change with neither same origin nor token is refused */
    const char *json_ct = "Content-Type: application/json";
    expect_error(&s, "POST", "/admin/targets", "/admin/targets",
                 (const char *[]){cookie, json_ct, NULL}, "{\"fid\":77}", 403, "csrf");
    expect_error(&s, "POST", "/admin/targets", "/admin/targets",
                 (const char *[]){cookie, json_ct, "Origin: https://evil.example", NULL},
                 "{\"fid\":77}", 403, "origin_not_allowed");
    char origin[128];
    snprintf(origin, sizeof(origin), "Origin: %s", s.base);
    expect_status(&s, "POST", "/admin/targets", "/admin/targets",
                  (const char *[]){cookie, json_ct, origin, NULL}, "{\"fid\":77,\"root\":false}",
                  201);
    char *csrf = csrf_of(&s, cookie);
    char csrf_h[128];
    snprintf(csrf_h, sizeof(csrf_h), "X-CSRF-Token: %s", csrf);
    expect_status(&s, "DELETE", "/admin/targets/:fid", "/admin/targets/77",
                  (const char *[]){cookie, csrf_h, NULL}, NULL, 200);
    free(csrf);

    /* logout clears the cookie */
    call(&s, "POST", "/auth/logout", "/auth/logout", (const char *[]){cookie, origin, NULL}, "",
         &h);
    assert_int_equal(h.status, 200);
    char set[256];
    assert_non_null(fct_http_header_value(&h, "Set-Cookie", set, sizeof(set)));
    assert_non_null(strstr(set, "token=;"));
    assert_non_null(strstr(set, "Max-Age=0"));
    fct_http_cleanup(&h);
    /* and the token itself no longer works, even if it was copied */
    expect_error(&s, "GET", "/admin/targets", "/admin/targets", (const char *[]){cookie, NULL},
                 NULL, 403, "forbidden");
    free(token);

    /* brute force: three failures in a row lock the address (1 s, growing
     * after each further failure), so the next attempt is refused with
     * Retry-After even with the right password; tests/security covers the
     * per-client, per-/64 and global limits */
    for (int i = 0; i < 3; i++)
        free(login(&s, "guess", 401));
    call_expecting(&s, "POST", "/auth/login", "/auth/login",
                   (const char *[]){"Content-Type: application/json", NULL},
                   "{\"password\":\"correct horse battery\"}", 429, &h);
    char ra[32];
    assert_non_null(fct_http_header_value(&h, "Retry-After", ra, sizeof(ra)));
    assert_true(atoi(ra) >= 1);
    fct_http_cleanup(&h);
    server_stop(&s);
}

/* Every admin route with the cookie; changes land in PostgreSQL and the
 * public routes see them. */
/* Sums of a series' field across its buckets. */
static long long series_sum(yajl_val arr, const char *field)
{
    long long n = 0;
    for (size_t i = 0; YAJL_IS_ARRAY(arr) && i < YAJL_GET_ARRAY(arr)->len; i++)
        n += YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(arr)->values[i], field));
    return n;
}

static long long sql_count(const char *sql)
{
    return fct_sql_ll(db_url, sql);
}

/* Analytics add up to what the database holds: every row and target of
 * this run was written within each window, buckets cover the window, and
 * the busiest target is the one with the most rows written. */
static void analytics_match_the_database(const struct server *s, const char *const *get_h)
{
    static const struct {
        const char *window;
        size_t buckets, days;
    } windows[] = {{"1h", 60, 1}, {"24h", 24, 1}, {"7d", 7, 7}, {"30d", 30, 30}};
    long long casts = sql_count("SELECT count(*) FROM casts");
    long long reactions = sql_count("SELECT count(*) FROM reactions");
    long long follows = sql_count("SELECT count(*) FROM links WHERE type = 'follow'");
    long long targets = sql_count("SELECT count(*) FROM targets");
    long long busiest = sql_count(
        "SELECT fid FROM (SELECT fid FROM casts UNION ALL SELECT fid FROM reactions "
        "UNION ALL SELECT fid FROM links WHERE type = 'follow') x WHERE fid IN (SELECT fid FROM "
        "targets) GROUP BY fid ORDER BY count(*) DESC, fid LIMIT 1");
    for (size_t i = 0; i < sizeof(windows) / sizeof(windows[0]); i++) {
        char path[64];
        snprintf(path, sizeof(path), "/admin/analytics?window=%s", windows[i].window);
        yajl_val v = call_json_as(s, "GET", "/admin/analytics", path, get_h, NULL, 200);
        yajl_val indexed = get(v, "indexed");
        /* 60 minutes, 24 hours, 7 or 30 days (or one more when the bucket turns over
         * mid-window) */
        assert_true(YAJL_GET_ARRAY(indexed)->len >= windows[i].buckets &&
                    YAJL_GET_ARRAY(indexed)->len <= windows[i].buckets + 1);
        assert_int_equal(YAJL_GET_ARRAY(get(v, "targets_added"))->len, windows[i].days);
        assert_int_equal(series_sum(indexed, "casts"), casts);
        assert_int_equal(series_sum(indexed, "reactions"), reactions);
        assert_int_equal(series_sum(indexed, "follows"), follows);
        assert_int_equal(series_sum(get(v, "targets_added"), "count"), targets);
        yajl_val top = get(v, "top_targets");
        assert_true(YAJL_GET_ARRAY(top)->len > 0);
        assert_int_equal(YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(top)->values[0], "fid")), busiest);
        yajl_tree_free(v);
    }
    expect_error(s, "GET", "/admin/analytics", "/admin/analytics?window=2d", get_h, NULL, 400,
                 "invalid_window");
}

static void admin_routes(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    struct admin a;
    admin_login(&s, &a);
    const char *get_h[] = {a.cookie, NULL};
    const char *const *post_h = a.h;
    struct fct_http h;

    yajl_val v;
    v = call_json_as(&s, "GET", "/admin/targets", "/admin/targets?root=true&limit=5&sort=-fid",
                     get_h, NULL, 200);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "total")), 60);
    assert_int_equal(YAJL_GET_ARRAY(get(v, "targets"))->len, 5);
    assert_true(YAJL_IS_STRING(get(v, "next_cursor")));
    yajl_tree_free(v);
    call(&s, "GET", "/admin/targets", "/admin/targets?q=hanaonchain", get_h, NULL, &h);
    assert_non_null(strstr(h.body.data, "\"fid\" : 2079"));
    fct_http_cleanup(&h);
    expect_error(&s, "GET", "/admin/targets", "/admin/targets?sort=evil;drop", get_h, NULL, 400,
                 "invalid_sort");
    expect_error(&s, "GET", "/admin/targets", "/admin/targets?source=x", get_h, NULL, 400,
                 "invalid_filter");

    /* add, promote, demote, backfill, stats, remove */
    call(&s, "POST", "/admin/targets", "/admin/targets", post_h, "{\"fid\":424242,\"root\":false}",
         &h);
    assert_int_equal(h.status, 201);
    fct_http_cleanup(&h);
    fct_assert_sql(db_url, "SELECT is_root || ',' || source FROM targets WHERE fid = "
                           "424242", "false,admin");
    expect_status(&s, "PUT", "/admin/targets/:fid", "/admin/targets/424242", post_h,
                  "{\"root\":true}", 200);
    fct_assert_sql(db_url, "SELECT is_root FROM targets WHERE fid = 424242", "t");
    expect_status(&s, "PUT", "/admin/targets/:fid", "/admin/targets/424242", post_h,
                  "{\"root\":false}", 200);
    expect_error(&s, "PUT", "/admin/targets/:fid", "/admin/targets/424242", post_h, "{}", 400,
                 "invalid_field");
    expect_error(&s, "PUT", "/admin/targets/:fid", "/admin/targets/5", post_h, "{\"root\":true}",
                 404, "not_found");
    free(fct_sql_value(db_url, "UPDATE targets SET last_synced_at = now() WHERE fid = 424242"));
    call(&s, "POST", "/admin/targets/:fid/backfill", "/admin/targets/424242/backfill", post_h, "",
         &h);
    assert_int_equal(h.status, 202);
    fct_http_cleanup(&h);
    fct_assert_sql(db_url, "SELECT last_synced_at IS NULL FROM targets WHERE fid = 424242", "t");
    v = call_json_as(&s, "GET", "/admin/targets/:fid/stats", "/admin/targets/2079/stats", get_h,
                     NULL, 200);
    yajl_val e = get(get(expected, "fids"), "2079");
    assert_int_equal(YAJL_GET_INTEGER(get(v, "casts")),
                     (long long)YAJL_GET_ARRAY(get(e, "live_cast_hashes"))->len);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "following")),
                     (long long)YAJL_GET_ARRAY(get(e, "live_follows"))->len);
    /* the backfill job's state beside the counts: 2079 has been synced */
    assert_int_equal(sql_count("SELECT count(*) FROM targets WHERE fid = 2079 AND "
                               "last_synced_at IS NOT NULL"), 1);
    assert_string_equal(YAJL_GET_STRING(get(v, "state")), "synced");
    assert_int_equal(YAJL_GET_INTEGER(get(v, "backfill_attempts")),
                     sql_count("SELECT backfill_attempts FROM targets WHERE fid = 2079"));
    assert_true(YAJL_IS_STRING(get(v, "added_at")));
    yajl_tree_free(v);
    expect_status(&s, "DELETE", "/admin/targets/:fid", "/admin/targets/424242", post_h, NULL, 200);
    expect_error(&s, "DELETE", "/admin/targets/:fid", "/admin/targets/424242", post_h, NULL, 404,
                 "not_found");
    expect_error(&s, "POST", "/admin/targets", "/admin/targets", post_h, "{\"fid\":\"x\"}", 400,
                 "invalid_fid");

    /* client apps */
    expect_status(&s, "POST", "/admin/client-targets", "/admin/client-targets", post_h,
                  "{\"fid\":31337}", 201);
    call(&s, "GET", "/admin/client-targets", "/admin/client-targets", get_h, NULL, &h);
    assert_non_null(strstr(h.body.data, "31337"));
    assert_non_null(strstr(h.body.data, "9152"));
    /* each app names the users it brought in: the first 50 by fid */
    v = yajl_tree_parse(h.body.data, NULL, 0);
    yajl_val apps = get(v, "clients");
    bool saw_9152 = false;
    for (size_t i = 0; i < YAJL_GET_ARRAY(apps)->len; i++) {
        yajl_val app = YAJL_GET_ARRAY(apps)->values[i];
        if (YAJL_GET_INTEGER(get(app, "fid")) != 9152)
            continue;
        saw_9152 = true;
        long long users = sql_count("SELECT count(*) FROM users WHERE app_fid = 9152");
        assert_true(users > 0);
        assert_int_equal(YAJL_GET_INTEGER(get(app, "users")), users);
        yajl_val list = get(app, "user_list");
        assert_int_equal((long long)YAJL_GET_ARRAY(list)->len, users < 50 ? users : 50);
        assert_int_equal(YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(list)->values[0], "fid")),
                         sql_count("SELECT min(fid) FROM users WHERE app_fid = 9152"));
    }
    assert_true(saw_9152);
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    call(&s, "DELETE", "/admin/client-targets/:fid", "/admin/client-targets/31337", post_h, NULL,
         &h);
    assert_int_equal(h.status, 200);
    fct_http_cleanup(&h);
    expect_error(&s, "DELETE", "/admin/client-targets/:fid", "/admin/client-targets/31337", post_h,
                 NULL, 404, "not_found");

    /* jobs and status */
    free(fct_sql_value(db_url, "UPDATE targets SET last_error = 'hub said no', backfill_attempts "
                               "= 3 WHERE fid = 2079"));
    call_expecting(&s, "GET", "/admin/jobs", "/admin/jobs", get_h, NULL, 200, &h);
    assert_non_null(strstr(h.body.data, "hub said no"));
    fct_http_cleanup(&h);
    expect_status(&s, "POST", "/admin/jobs/:id/retry", "/admin/jobs/2079/retry", post_h, "", 202);
    fct_assert_sql(db_url, "SELECT coalesce(last_error, 'none') FROM targets WHERE fid = 2079",
                           "none");
    expect_error(&s, "POST", "/admin/jobs/:id/retry", "/admin/jobs/555555/retry", post_h, "", 404,
                 "not_found");
    v = call_json_as(&s, "POST", "/admin/jobs/backfill", "/admin/jobs/backfill", post_h, "", 202);
    assert_true(YAJL_GET_INTEGER(get(v, "queued")) >= 1); /* 2079 is pending again */
    yajl_tree_free(v);
    free(fct_sql_value(db_url, "UPDATE targets SET last_synced_at = now() WHERE fid = 2079"));
    v = call_json_as(&s, "GET", "/admin/status", "/admin/status", get_h, NULL, 200);
    assert_true(YAJL_GET_INTEGER(get(v, "database_bytes")) > 0);
    assert_true(YAJL_GET_ARRAY(get(v, "cursors"))->len >= 1);
    assert_true(YAJL_IS_STRING(get(v, "version")));
    assert_true(YAJL_IS_INTEGER(get(v, "clients")));
    assert_true(YAJL_IS_INTEGER(get(get(v, "rows"), "casts")));
    yajl_tree_free(v);
    analytics_match_the_database(&s, get_h);
    free(a.token);
    server_stop(&s);
}

static long long json_int_at(yajl_val arr, size_t i)
{
    assert_true(YAJL_IS_ARRAY(arr) && i < arr->u.array.len);
    return YAJL_GET_INTEGER(arr->u.array.values[i]);
}

/* GET /admin/throughput answers what the history holds: counts recorded
 * by two processes, one of them in the bucket running now, summed per
 * bucket; the rest of the hour's buckets empty. */
static void throughput_shows_the_history(void **state)
{
    (void)state;
    struct fc_rates *rates = fc_rates_new_embedded();
    struct fc_api_shared shared = {.rates = rates};
    struct server s;
    server_start_shared(&s, NULL, &shared);
    int64_t now = fc_now_unix_ms();
    struct fc_rate_recorder *a = fc_rate_recorder_new(rates, "host:1:1");
    struct fc_rate_recorder *b = fc_rate_recorder_new(rates, "host:2:2");
    struct fc_diag d;
    /* a: 40 events read, 12 applied, 900 messages a minute ago, then 5 more
     * read now; b: 3 messages now */
    assert_int_equal(fc_rate_recorder_record(a, &(struct fc_rate_counts){40, 12, 900},
                                             now - 60000, &d), FC_OK);
    assert_int_equal(fc_rate_recorder_record(a, &(struct fc_rate_counts){45, 12, 900}, now, &d),
                     FC_OK);
    assert_int_equal(fc_rate_recorder_record(b, &(struct fc_rate_counts){0, 0, 3}, now, &d),
                     FC_OK);
    char *token = login(&s, "correct horse battery", 200);
    char cookie[2300];
    snprintf(cookie, sizeof(cookie), "Cookie: token=%s", token);
    yajl_val v = call_json_as(&s, "GET", "/admin/throughput", "/admin/throughput",
                              (const char *[]){cookie, NULL}, NULL, 200);
    assert_non_null(v);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "bucket_s")), 10);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "processes")), 2);
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "total"), "events_read")), 45);
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "total"), "events_applied")), 12);
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "total"), "messages")), 903);
    /* the bucket running now is the last, the minute-old one 6 before it
     * (both one further back if a bucket began between recording and asking) */
    yajl_val read = get(v, "events_read"), msgs = get(v, "messages");
    assert_int_equal(YAJL_GET_ARRAY(read)->len, 360);
    assert_int_equal(YAJL_GET_ARRAY(msgs)->len, 360);
    size_t at = json_int_at(read, 359) == 5 ? 359 : 358;
    assert_int_equal(json_int_at(read, at), 5);
    assert_int_equal(json_int_at(msgs, at), 3);
    assert_int_equal(json_int_at(read, at - 6), 40);
    assert_int_equal(json_int_at(msgs, at - 6), 900);
    assert_int_equal(json_int_at(get(v, "events_applied"), at - 6), 12);
    yajl_tree_free(v);
    free(token);
    fc_rate_recorder_free(a);
    fc_rate_recorder_free(b);
    server_stop(&s);
    fc_rates_free(rates);
}

/* Operations routes, CORS and security headers, rate limits on public routes. */
static void ops_headers_and_rate_limits(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, (const char *[]){"FCINDEX_API_RATE_PUBLIC_PER_MIN=4",
                                      "FCINDEX_API_CORS_ORIGINS=https://app.example", NULL});
    struct fct_http h;
    expect_status(&s, "GET", "/healthz", "/healthz", NULL, NULL, 200);
    call_expecting(&s, "GET", "/readyz", "/readyz", NULL, NULL, 200, &h);
    assert_non_null(strstr(h.body.data, "\"database\":\"ok\""));
    fct_http_cleanup(&h);
    char v[256];
    call_expecting(&s, "GET", "/v1/users/:fid", "/v1/users/2079",
                   (const char *[]){"Origin: https://app.example", NULL}, NULL, 200, &h);
    assert_string_equal(fct_http_header_value(&h, "Access-Control-Allow-Origin", v, sizeof(v)),
                        "https://app.example");
    assert_string_equal(fct_http_header_value(&h, "X-Content-Type-Options", v, sizeof(v)),
                        "nosniff");
    assert_non_null(fct_http_header_value(&h, "X-Request-Id", v, sizeof(v)));
    assert_non_null(strstr(fct_http_header_value(&h, "Content-Security-Policy", v, sizeof(v)),
                           "frame-ancestors 'none'"));
    fct_http_cleanup(&h);
    /* HEAD: the GET's headers and length, no body */
    call_expecting(&s, "HEAD", NULL, "/v1/users/2079", NULL, NULL, 200, &h);
    assert_int_equal(h.body.len, 0);
    assert_non_null(fct_http_header_value(&h, "Content-Length", v, sizeof(v)));
    assert_true(atoi(v) > 100);
    fct_http_cleanup(&h);
    call(&s, "GET", "/v1/users/:fid", "/v1/users/2079",
         (const char *[]){"Origin: https://evil.example", NULL}, NULL, &h);
    assert_null(fct_http_header_value(&h, "Access-Control-Allow-Origin", v, sizeof(v)));
    fct_http_cleanup(&h);
    call_expecting(&s, "OPTIONS", NULL, "/v1/users/2079",
                   (const char *[]){"Origin: https://app.example", NULL}, NULL, 204, &h);
    assert_non_null(fct_http_header_value(&h, "Access-Control-Allow-Methods", v, sizeof(v)));
    fct_http_cleanup(&h);
    call(&s, "GET", NULL, "/admin/targets", NULL, NULL, &h);
    assert_non_null(strstr(fct_http_header_value(&h, "Content-Security-Policy", v, sizeof(v)),
                           "default-src 'self'"));
    fct_http_cleanup(&h);
    /* 4 a minute: three used above; the fifth public request is refused */
    expect_status(&s, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, 200);
    call_expecting(&s, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, 429, &h);
    assert_non_null(fct_http_header_value(&h, "Retry-After", v, sizeof(v)));
    assert_string_equal(fct_http_header_value(&h, "RateLimit-Remaining", v, sizeof(v)), "0");
    assert_non_null(strstr(h.body.data, "\"rate_limited\""));
    fct_http_cleanup(&h);
    /* operations routes are not limited; metrics show all of the above */
    call_expecting(&s, "GET", "/metrics", "/metrics", NULL, NULL, 200, &h);
    assert_non_null(strstr(h.body.data, "fcindex_http_requests_total{method=\"GET\",route=\"/v1/"
                                        "users/:fid\",status=\"200\"}"));
    assert_non_null(strstr(h.body.data, "fcindex_http_rate_limited_total{class=\"public\"} 1"));
    assert_non_null(strstr(h.body.data, "fcindex_http_request_duration_seconds_bucket"));
    assert_non_null(strstr(h.body.data, "fcindex_cache_hits_total"));
    assert_non_null(strstr(h.body.data, "fcindex_db_pool_in_use"));
    assert_non_null(strstr(h.body.data, "fcindex_dead_letters 0"));
    assert_non_null(strstr(h.body.data, "process_resident_memory_bytes"));
    fct_http_cleanup(&h);
    server_stop(&s);
}

/* Many parallel clients on cached and uncached routes: every answer right. */
struct client_arg {
    const struct server *s;
    int id, failures;
};

static void *client_main(void *p)
{
    struct client_arg *a = p;
    static const char *const paths[] = {"/v1/users/2079", "/v1/feed/2079?limit=5",
                                        "/v1/users/2079/casts", "/v1/search/casts?q=gm",
                                        "/v1/casts/0x1234567812345678123456781234567812345678"};
    static const long want[] = {200, 200, 200, 200, 404};
    for (int i = 0; i < 150; i++) {
        size_t k = (size_t)(i + a->id) % 5;
        char url[256];
        snprintf(url, sizeof(url), "%s%s", a->s->base, paths[k]);
        struct fct_http h;
        fct_http_request("GET", url, NULL, NULL, 20000, &h);
        if (h.status != want[k]) {
            a->failures++;
            fprintf(stderr, "GET %s: got %ld, want %ld (curl %d)\n", paths[k], h.status, want[k], h.curl_code);
        }
        fct_http_cleanup(&h);
    }
    return NULL;
}

static void parallel_clients(void **state)
{
    (void)state;
    struct server s;
    /* Twelve clients on one address, a new connection per request: a closed
     * connection still counts against the per-client cap until
     * libmicrohttpd reaps it, so at the default cap (32) about one new
     * connection in 200 was refused. The cap has its own test
     * (slow_clients_and_connection_cap); this one is about serving. */
    server_start(&s, (const char *[]){"FCINDEX_API_MAX_CONNECTIONS_PER_CLIENT=1000", NULL});
    enum { N = 12 };
    pthread_t t[N];
    struct client_arg a[N];
    for (int i = 0; i < N; i++) {
        a[i] = (struct client_arg){&s, i, 0};
        pthread_create(&t[i], NULL, client_main, &a[i]);
    }
    int failures = 0;
    for (int i = 0; i < N; i++) {
        pthread_join(t[i], NULL);
        failures += a[i].failures;
    }
    assert_int_equal(failures, 0);
    server_stop(&s);
}

/* After the indexer applies an event, no API response shows the old state
 * for more than 1 s: a live simulated network, `fcindex serve
 * --role=indexer` publishing changes through Redis, and this process's API
 * (caching feeds for 15 minutes) polled against PostgreSQL. */
static void cache_staleness_bound(void **state)
{
    (void)state;
    const char *redis = fct_redis_or_skip();
    int port;
    int sim = remember(fct_hubsim_start((const char *[]){"--fids", "30", "--events-per-sec",
                                                         "40", "--tick-ms", "200", NULL}, &port));
    char url[512];
    fct_db_create("apistale", url, sizeof(url));
    char e1[600], e2[128], e3[300], e4[160];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", url);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    snprintf(e3, sizeof(e3), "REDIS_URL=%s", redis);
    snprintf(e4, sizeof(e4), "FCINDEX_REDIS_PREFIX=fctest:%d:stale:", (int)getpid());
    const char *env[] = {e1, e2, e3, e4, "FCINDEX_STRATEGY_ROOT_TARGETS=1,2,3",
                         "FCINDEX_LOG_LEVEL=warn", NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, env, &out), 0);
    int fd;
    int ix = remember(fct_spawn((const char *[]){fct_fcindex_bin(), "serve", "--role=indexer", NULL},
                                env, &fd));
    struct server s;
    server_start(&s, (const char *[]){e1, e3, e4, NULL});
    /* the roots backfilled */
    if (!fct_wait_sql(url, "SELECT count(*) = 3 AND bool_and(last_synced_at IS NOT NULL) FROM targets "
                           "WHERE is_root", "t", 60000))
        fail_msg("the indexer did not backfill roots 1, 2 and 3 within 60 s");
    /* the newest cast of root 1, as the API and as PostgreSQL say */
    struct sample {
        int64_t ms;
        char hash[48];
    } db_hist[4096];
    size_t n_hist = 0, hits = 0, changes = 0, checks = 0, unseen = 0;
    char last[48] = "";
    int64_t start = fc_now_mono_ms();
    while (fc_now_mono_ms() - start < 8000 && n_hist < 4096) {
        char *h = fct_sql_value(url, "SELECT coalesce('0x' || encode(hash, 'hex'), '') FROM casts "
                                     "WHERE fid IN (SELECT target_fid FROM links WHERE fid = 1 AND "
                                     "type = 'follow' AND NOT is_remove AND deleted_at IS NULL) AND "
                                     "deleted_at IS NULL AND text IS NOT NULL ORDER BY "
                                     "\"timestamp\" DESC, hash DESC LIMIT 1");
        db_hist[n_hist].ms = fc_now_mono_ms();
        snprintf(db_hist[n_hist].hash, sizeof(db_hist[n_hist].hash), "%s", h);
        n_hist++;
        if (strcmp(h, last) != 0) {
            changes++;
            snprintf(last, sizeof(last), "%s", h);
        }
        free(h);
        struct fct_http r;
        int64_t t_req = fc_now_mono_ms();
        call(&s, "GET", NULL, "/v1/feed/1?limit=1", NULL, NULL, &r);
        char xc[16] = "";
        fct_http_header_value(&r, "X-Cache", xc, sizeof(xc));
        hits += strcmp(xc, "hit") == 0;
        yajl_val v = yajl_tree_parse(r.body.data, NULL, 0);
        yajl_val arr = get(v, "casts");
        const char *api_hash = arr && YAJL_IS_ARRAY(arr) && YAJL_GET_ARRAY(arr)->len
                                   ? str_or_empty(get(YAJL_GET_ARRAY(arr)->values[0], "hash"))
                                   : "";
        /* Stale means PostgreSQL had already moved on from the answer more than
         * 1 s before the request: the first sample after the last one showing
         * the answer was taken over 1 s before the request. (Sampling gaps, a
         * slow connection under load, only make the test more lenient.) */
        size_t i = n_hist;
        while (i-- > 0 && strcmp(db_hist[i].hash, api_hash) != 0)
            ;
        if (i == (size_t)-1) {
            /* never sampled: newer than our last read, or a state that lived
             * between two samples */
            char *h2 = fct_sql_value(url, "SELECT coalesce('0x' || encode(hash, 'hex'), '') FROM "
                                          "casts WHERE fid IN (SELECT target_fid FROM links WHERE "
                                          "fid = 1 AND type = 'follow' AND NOT is_remove AND "
                                          "deleted_at IS NULL) AND deleted_at IS NULL AND text IS "
                                          "NOT NULL ORDER BY \"timestamp\" DESC, hash DESC LIMIT 1");
            unseen += strcmp(h2, api_hash) != 0;
            free(h2);
        } else if (i + 1 < n_hist && db_hist[i + 1].ms < t_req - 1000) {
            fail_msg("feed of 1 shows %s, which PostgreSQL had replaced by %lld ms before the "
                     "request (now %s)", api_hash, (long long)(t_req - db_hist[i + 1].ms),
                     db_hist[n_hist - 1].hash);
        }
        checks++;
        yajl_tree_free(v);
        fct_http_cleanup(&r);
        usleep(20000);
    }
    fprintf(stderr, "staleness: %zu checks, %zu cache hits, %zu changes of the newest cast, %zu "
                    "answers of a state too short-lived to sample\n", checks, hits, changes, unseen);
    assert_true(unseen * 10 <= checks);
    assert_true(changes >= 3);   /* the state really moved */
    assert_true(hits > checks / 4); /* and the cache really served */
    server_stop(&s);
    fct_signal(ix, SIGTERM);
    fct_wait(ix, fd, &out);
    forget(ix);
    forget(sim);
    fc_buf_cleanup(&out);
    fct_hubsim_stop(sim);
    fct_db_drop(url);
}

/* With Redis, rate limits are shared by every API process. */
static void redis_rate_limits_are_shared(void **state)
{
    (void)state;
    const char *redis = fct_redis_or_skip();
    char e3[300], e4[160];
    snprintf(e3, sizeof(e3), "REDIS_URL=%s", redis);
    snprintf(e4, sizeof(e4), "FCINDEX_REDIS_PREFIX=fctest:%d:%ld:rl:", (int)getpid(),
             (long)time(NULL));
    const char *extra[] = {e3, e4, "FCINDEX_API_RATE_PUBLIC_PER_MIN=4", NULL};
    struct server a, b;
    server_start(&a, extra);
    server_start(&b, extra);
    struct fct_http h;
    for (int i = 0; i < 4; i++) {
        expect_status(i % 2 ? &b : &a, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, 200);
    }
    expect_status(&b, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, 429);
    call_expecting(&a, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, 429, &h);
    char v[32];
    assert_non_null(fct_http_header_value(&h, "Retry-After", v, sizeof(v)));
    fct_http_cleanup(&h);
    server_stop(&a);
    server_stop(&b);
}

/* `fcindex serve` (role all): the API next to the indexer reports the
 * indexer's figures; the access log can be switched on. */
static void serve_all_roles(void **state)
{
    (void)state;
    int port;
    int sim = remember(fct_hubsim_start((const char *[]){"--fids", "20", "--events-per-sec",
                                                         "20", "--tick-ms", "200", NULL}, &port));
    char url[512];
    fct_db_create("apiserve", url, sizeof(url));
    char e1[600], e2[128];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", url);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    const char *env[] = {e1, e2, "REDIS_URL=", "FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                         "FCINDEX_API_LISTEN=127.0.0.1:0", "FCINDEX_API_ACCESS_LOG=true",
                         "FCINDEX_LOG_LEVEL=info", NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, env, &out), 0);
    int fd;
    int pid = remember(fct_spawn((const char *[]){fct_fcindex_bin(), "serve", NULL}, env, &fd));
    /* "api: listening on port N" */
    char buf[8192];
    size_t got = 0;
    unsigned api_port = 0;
    for (int i = 0; i < 200 && !api_port; i++) {
        ssize_t r = read(fd, buf + got, sizeof(buf) - 1 - got);
        if (r > 0)
            got += (size_t)r;
        buf[got] = '\0';
        const char *l = strstr(buf, "api: listening on port ");
        if (l && strchr(l, '\n'))
            api_port = (unsigned)atoi(l + strlen("api: listening on port "));
        else
            usleep(20000);
    }
    assert_true(api_port > 0);
    struct server s;
    snprintf(s.base, sizeof(s.base), "http://127.0.0.1:%u", api_port);
    struct fct_http h;
    /* until the indexer has reported its first shard's lag */
    for (long long end = fct_now_ms() + 30000;; usleep(100000)) {
        call(&s, "GET", "/metrics", "/metrics", NULL, NULL, &h);
        bool up = h.status == 200 && strstr(h.body.data, "fcindex_sync_lag_seconds{shard=\"1\"}");
        fct_http_cleanup(&h);
        if (up)
            break;
        if (fct_now_ms() > end)
            fail_msg("no sync lag in /metrics after 30 s");
    }
    expect_status(&s, "GET", "/readyz", "/readyz", NULL, NULL, 200);
    call_expecting(&s, "GET", "/metrics", "/metrics", NULL, NULL, 200, &h);
    assert_non_null(strstr(h.body.data, "fcindex_events_applied_total"));
    assert_non_null(strstr(h.body.data, "fcindex_retention_resyncs_total 0"));
    assert_non_null(strstr(h.body.data, "fcindex_sync_lag_seconds{shard=\"1\"}"));
    assert_non_null(strstr(h.body.data, "fcindex_hub_requests_total{hub="));
    assert_non_null(strstr(h.body.data, "fcindex_backfill_jobs{state=\"failed\"}"));
    fct_http_cleanup(&h);
    expect_status(&s, "GET", "/v1/users/:fid", "/v1/users/1", NULL, NULL, 200);
    fct_signal(pid, SIGTERM);
    fc_buf_puts(&out, buf);
    assert_int_equal(fct_wait(pid, fd, &out), 0);
    forget(pid);
    forget(sim);
    /* the access log line of the request above */
    assert_non_null(strstr(out.data, "GET /v1/users/1 200"));
    fc_buf_cleanup(&out);
    fct_hubsim_stop(sim);
    fct_db_drop(url);
}

/* A stored argon2id hash made by `fcindex hash-password` logs in; the
 * plain password option is then not needed. */
static void password_hash_from_the_cli(void **state)
{
    (void)state;
    char cmd[1200];
    snprintf(cmd, sizeof(cmd), "echo 'a long passphrase' | %s hash-password", fct_fcindex_bin());
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run((const char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, &out), 0);
    assert_true(strncmp(out.data, "$argon2id$", 10) == 0);
    out.data[strcspn(out.data, "\n")] = '\0';
    char env_hash[512];
    snprintf(env_hash, sizeof(env_hash), "FCINDEX_AUTH_ADMIN_PASSWORD_HASH=%s", out.data);
    struct server s;
    server_start(&s, (const char *[]){env_hash, NULL});
    char *token = login(&s, "a long passphrase", 200);
    assert_non_null(token);
    free(token);
    assert_null(login(&s, "correct horse battery", 401));
    server_stop(&s);
    fc_buf_reset(&out);
    snprintf(cmd, sizeof(cmd), "echo short | %s hash-password", fct_fcindex_bin());
    assert_int_equal(fct_run((const char *[]){"/bin/sh", "-c", cmd, NULL}, NULL, &out), 1);
    assert_non_null(strstr(out.data, "shorter than 12 characters"));
    fc_buf_cleanup(&out);
}

/* Admin changes reach the shared (Redis) target sets at once. */
static void admin_changes_reach_redis_sets(void **state)
{
    (void)state;
    const char *redis = fct_redis_or_skip();
    char e3[300], e4[160], prefix[128];
    snprintf(prefix, sizeof(prefix), "fctest:%d:%ld:sets:", (int)getpid(), (long)time(NULL));
    snprintf(e3, sizeof(e3), "REDIS_URL=%s", redis);
    snprintf(e4, sizeof(e4), "FCINDEX_REDIS_PREFIX=%s", prefix);
    struct server s;
    server_start(&s, (const char *[]){e3, e4, NULL});
    struct fc_fidset *targets, *roots, *clients;
    struct fc_diag diag;
    assert_int_equal(fc_fidset_open_redis(redis, prefix, "targets", &targets, &diag), FC_OK);
    assert_int_equal(fc_fidset_open_redis(redis, prefix, "roots", &roots, &diag), FC_OK);
    assert_int_equal(fc_fidset_open_redis(redis, prefix, "clients", &clients, &diag), FC_OK);
    struct admin a;
    admin_login(&s, &a);
    const char *const *h = a.h;
    struct fct_http r;
    expect_status(&s, "POST", "/admin/targets", "/admin/targets", h, "{\"fid\":515151}", 201);
    assert_true(fc_fidset_has(targets, 515151));
    assert_true(fc_fidset_has(roots, 515151));
    call(&s, "PUT", "/admin/targets/:fid", "/admin/targets/515151", h, "{\"root\":false}", &r);
    fct_http_cleanup(&r);
    assert_false(fc_fidset_has(roots, 515151));
    call(&s, "DELETE", "/admin/targets/:fid", "/admin/targets/515151", h, NULL, &r);
    fct_http_cleanup(&r);
    assert_false(fc_fidset_has(targets, 515151));
    expect_status(&s, "POST", "/admin/client-targets", "/admin/client-targets", h,
                  "{\"fid\":\"616161\"}", 201);
    assert_true(fc_fidset_has(clients, 616161));
    call(&s, "DELETE", "/admin/client-targets/:fid", "/admin/client-targets/616161", h, NULL, &r);
    fct_http_cleanup(&r);
    assert_false(fc_fidset_has(clients, 616161));
    /* logging out on one process ends the session on every process */
    struct server other;
    server_start(&other, (const char *[]){e3, e4, NULL});
    const char *just_cookie[] = {a.cookie, NULL};
    expect_status(&other, "GET", "/admin/jobs", "/admin/jobs", just_cookie, NULL, 200);
    expect_status(&s, "POST", "/auth/logout", "/auth/logout", h, "", 200);
    expect_error(&other, "GET", "/admin/jobs", "/admin/jobs", just_cookie, NULL, 403, "forbidden");
    server_stop(&other);
    free(a.token);
    fc_fidset_free(targets);
    fc_fidset_free(roots);
    fc_fidset_free(clients);
    server_stop(&s);
}

static int connect_to(const struct server *s)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)fc_api_port(s->api))};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    struct timeval tv = {5, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    return fd;
}

/* Connections beyond the cap wait unserved; a client that sends half a
 * request is cut off by the idle timeout, which then lets the waiting one in. */
static void slow_clients_and_connection_cap(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, (const char *[]){"FCINDEX_API_CONNECTION_TIMEOUT_S=2",
                                      "FCINDEX_API_MAX_CONNECTIONS=2", NULL});
    int64_t t0 = fc_now_mono_ms();
    int slow = connect_to(&s);
    const char *partial = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    assert_true(write(slow, partial, strlen(partial)) > 0);
    int idle = connect_to(&s);
    usleep(200000);
    int third = connect_to(&s);
    const char *full = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
    assert_true(write(third, full, strlen(full)) > 0);
    struct timeval short_wait = {1, 0};
    setsockopt(third, SOL_SOCKET, SO_RCVTIMEO, &short_wait, sizeof(short_wait));
    char b[512];
    assert_true(read(third, b, sizeof(b)) < 0); /* not served while two are open */
    /* the idle timeout closes the slow and the idle connection... */
    ssize_t n = read(slow, b, sizeof(b));
    assert_true(n <= 0);
    int64_t waited = fc_now_mono_ms() - t0;
    assert_true(waited >= 1500 && waited < 6000);
    /* ...and the waiting one is served */
    struct timeval long_wait = {5, 0};
    setsockopt(third, SOL_SOCKET, SO_RCVTIMEO, &long_wait, sizeof(long_wait));
    n = read(third, b, sizeof(b) - 1);
    assert_true(n > 12);
    b[n] = '\0';
    assert_true(strncmp(b, "HTTP/1.1 200", 12) == 0);
    close(slow);
    close(idle);
    close(third);
    server_stop(&s);
}

/* With the database unreachable: /readyz says so (503) and reads get 503,
 * never a crash or a 500. */
static void database_down(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, (const char *[]){"DATABASE_URL=postgresql://postgres@127.0.0.1:1/nothing",
                                      NULL});
    struct fct_http h;
    call_expecting(&s, "GET", "/readyz", "/readyz", NULL, NULL, 503, &h);
    assert_non_null(strstr(h.body.data, "not ready"));
    fct_http_cleanup(&h);
    expect_error(&s, "GET", "/v1/feed/:fid", "/v1/feed/2079", NULL, NULL, 503, "unavailable");
    expect_status(&s, "GET", "/healthz", "/healthz", NULL, NULL, 200);
    server_stop(&s);
}

/* ---- every documented status, produced at least once ---- */

/* Every operation behind the admin check, with a body it would accept. */
static const struct {
    const char *method, *route, *path, *body;
} admin_ops[] = {
    {"POST", "/auth/logout", "/auth/logout", ""},
    {"GET", "/admin/targets", "/admin/targets", NULL},
    {"POST", "/admin/targets", "/admin/targets", "{\"fid\":2079}"},
    {"PUT", "/admin/targets/:fid", "/admin/targets/2079", "{\"root\":true}"},
    {"DELETE", "/admin/targets/:fid", "/admin/targets/2079", NULL},
    {"POST", "/admin/targets/:fid/backfill", "/admin/targets/2079/backfill", ""},
    {"GET", "/admin/targets/:fid/stats", "/admin/targets/2079/stats", NULL},
    {"GET", "/admin/client-targets", "/admin/client-targets", NULL},
    {"POST", "/admin/client-targets", "/admin/client-targets", "{\"fid\":31337}"},
    {"DELETE", "/admin/client-targets/:fid", "/admin/client-targets/31337", NULL},
    {"GET", "/admin/jobs", "/admin/jobs", NULL},
    {"POST", "/admin/jobs/backfill", "/admin/jobs/backfill", ""},
    {"POST", "/admin/jobs/:id/retry", "/admin/jobs/2079/retry", ""},
    {"GET", "/admin/jobs/stats", "/admin/jobs/stats", NULL},
    {"POST", "/admin/jobs/pause", "/admin/jobs/pause", ""},
    {"POST", "/admin/jobs/resume", "/admin/jobs/resume", ""},
    {"POST", "/admin/jobs/clear", "/admin/jobs/clear", "{\"state\":\"pending\",\"confirm\":true}"},
    {"POST", "/admin/jobs/retry-all", "/admin/jobs/retry-all", ""},
    {"GET", "/admin/dead-letters", "/admin/dead-letters", NULL},
    {"GET", "/admin/dead-letters/:id/payload", "/admin/dead-letters/1/payload", NULL},
    {"POST", "/admin/dead-letters/:id/retry", "/admin/dead-letters/1/retry", ""},
    {"DELETE", "/admin/dead-letters/:id", "/admin/dead-letters/1", NULL},
    {"GET", "/admin/status", "/admin/status", NULL},
    {"GET", "/admin/analytics", "/admin/analytics", NULL},
    {"GET", "/admin/throughput", "/admin/throughput", NULL},
};
#define N_ADMIN_OPS (sizeof(admin_ops) / sizeof(admin_ops[0]))

/* Each admin operation answers status/code with the given extra headers. */
static void admin_ops_refused(const struct server *s, const char *const *headers, long status,
                              const char *code)
{
    for (size_t i = 0; i < N_ADMIN_OPS; i++)
        expect_error(s, admin_ops[i].method, admin_ops[i].route, admin_ops[i].path, headers,
                     admin_ops[i].body, status, code);
}

/* A Redis of this test's own on a free port (to take away mid-test). */
/* Auth is fail-closed on every admin operation (401 without a cookie, 403
 * with a forged one, 503 when ended sessions cannot be checked), every rate
 * class limits each of its routes, and the rarer documented statuses (404 on
 * every list, 415, 431, 500) are produced, for the OpenAPI check. */
static void every_documented_status(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    struct admin a;
    admin_login(&s, &a);
    char forged[2300];
    snprintf(forged, sizeof(forged), "%s", a.cookie);
    forged[strlen(forged) - 3] = forged[strlen(forged) - 3] == 'A' ? 'B' : 'A';
    admin_ops_refused(&s, NULL, 401, "unauthorized");
    admin_ops_refused(&s, (const char *[]){forged, a.origin, NULL}, 403, "forbidden");
    /* a valid session but a wrong or empty CSRF token, from no origin */
    char csrf_h[160];
    char *csrf = csrf_of(&s, a.cookie);
    csrf[0] = csrf[0] == 'a' ? 'b' : 'a';
    snprintf(csrf_h, sizeof(csrf_h), "X-CSRF-Token: %s", csrf);
    free(csrf);
    const char *json = "Content-Type: application/json";
    for (size_t i = 0; i < N_ADMIN_OPS; i++) {
        if (strcmp(admin_ops[i].method, "GET") == 0)
            continue;
        expect_error(&s, admin_ops[i].method, admin_ops[i].route, admin_ops[i].path,
                     (const char *[]){a.cookie, json, csrf_h, NULL}, admin_ops[i].body, 403,
                     "csrf");
        /* "Name;" is how curl sends a header with an empty value ("Name: " sends none) */
        expect_error(&s, admin_ops[i].method, admin_ops[i].route, admin_ops[i].path,
                     (const char *[]){a.cookie, json, "X-CSRF-Token;", NULL}, admin_ops[i].body,
                     403, "csrf");
    }
    const char *const *ok_h = a.h;
    const char *text_h[] = {a.cookie, a.origin, "Content-Type: text/plain", NULL};
    /* 400 and 404 on every operation that takes a parameter */
    static const struct {
        const char *method, *route, *path, *body;
        long status;
        const char *code;
    } cases[] = {
        {"GET", "/v1/users/:fid/following", "/v1/users/x/following", NULL, 400, "invalid_fid"},
        {"GET", "/v1/users/:fid/following", "/v1/users/123456789/following", NULL, 404,
         "not_found"},
        {"GET", "/v1/users/:fid/followers", "/v1/users/123456789/followers", NULL, 404,
         "not_found"},
        {"GET", "/v1/users/:fid/casts", "/v1/users/123456789/casts", NULL, 404, "not_found"},
        {"GET", "/v1/users/:fid/replies", "/v1/users/x/replies", NULL, 400, "invalid_fid"},
        {"GET", "/v1/users/:fid/replies", "/v1/users/123456789/replies", NULL, 404, "not_found"},
        {"GET", "/v1/users/:fid/likes", "/v1/users/x/likes", NULL, 400, "invalid_fid"},
        {"GET", "/v1/users/:fid/likes", "/v1/users/123456789/likes", NULL, 404, "not_found"},
        {"GET", "/v1/search/users", "/v1/search/users?q=", NULL, 400, "invalid_query"},
        {"GET", "/v1/search", "/v1/search?q=a&users=26", NULL, 400, "invalid_argument"},
        {"GET", "/v1/casts/:hash/replies",
         "/v1/casts/0x0000000000000000000000000000000000000000/replies", NULL, 404, "not_found"},
        {"DELETE", "/admin/targets/:fid", "/admin/targets/x", NULL, 400, "invalid_fid"},
        {"POST", "/admin/targets/:fid/backfill", "/admin/targets/x/backfill", "", 400,
         "invalid_fid"},
        {"POST", "/admin/targets/:fid/backfill", "/admin/targets/123456789/backfill", "", 404,
         "not_found"},
        {"GET", "/admin/targets/:fid/stats", "/admin/targets/x/stats", NULL, 400, "invalid_fid"},
        {"GET", "/admin/targets/:fid/stats", "/admin/targets/123456789/stats", NULL, 404,
         "not_found"},
        {"POST", "/admin/client-targets", "/admin/client-targets", "{\"fid\":-1}", 400,
         "invalid_fid"},
        {"DELETE", "/admin/client-targets/:fid", "/admin/client-targets/x", NULL, 400,
         "invalid_fid"},
        {"POST", "/admin/jobs/:id/retry", "/admin/jobs/x/retry", "", 400, "invalid_fid"},
        {"POST", "/admin/targets", "/admin/targets", "{\"fid\":2079}", 415,
         "unsupported_media_type"},
        {"POST", "/auth/login", "/auth/login", "{\"password\":\"x\"}", 415,
         "unsupported_media_type"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        expect_error(&s, cases[i].method, cases[i].route, cases[i].path,
                     cases[i].status == 415 ? text_h : ok_h, cases[i].body, cases[i].status,
                     cases[i].code);
    /* adding a target that exists: 200, and nothing changes */
    char *before = fct_sql_value(db_url, "SELECT count(*) FROM targets");
    struct fct_http h;
    expect_status(&s, "POST", "/admin/targets", "/admin/targets", ok_h, "{\"fid\":2079}", 200);
    char *after = fct_sql_value(db_url, "SELECT count(*) FROM targets");
    assert_string_equal(before, after);
    free(before);
    free(after);
    /* a login from another origin */
    expect_error(&s, "POST", "/auth/login", "/auth/login",
                 (const char *[]){json, "Origin: https://evil.example", NULL},
                 "{\"password\":\"correct horse battery\"}", 403, "origin_not_allowed");
    /* request headers over 64 KiB: libmicrohttpd answers 431 itself */
    char *big = fc_xmalloc(70 * 1024);
    snprintf(big, 16, "X-Big: ");
    memset(big + 7, 'b', 70 * 1024 - 8);
    big[70 * 1024 - 1] = '\0';
    call(&s, "GET", NULL, "/v1/users/2079", (const char *[]){big, NULL}, NULL, &h);
    free(big);
    assert_int_equal(h.status, 431);
    fct_http_cleanup(&h);
    free(a.token);
    server_stop(&s);

    /* rate limits: each class limits every route in it, and only its own */
    server_start(&s, (const char *[]){"FCINDEX_API_RATE_PUBLIC_PER_MIN=1",
                                      "FCINDEX_API_RATE_SEARCH_PER_MIN=1",
                                      "FCINDEX_API_RATE_ADMIN_PER_MIN=1", NULL});
    static const struct {
        const char *route, *path;
    } limited[] = {
        {"/v1/users/:fid", "/v1/users/2079"},
        {"/v1/feed/:fid", "/v1/feed/2079"},
        {"/v1/casts/:hash", "/v1/casts/0x0000000000000000000000000000000000000000"},
        {"/v1/casts/:hash/replies", "/v1/casts/0x0000000000000000000000000000000000000000/replies"},
        {"/v1/users/by-username/:name", "/v1/users/by-username/x"},
        {"/v1/users/:fid/casts", "/v1/users/2079/casts"},
        {"/v1/users/:fid/followers", "/v1/users/2079/followers"},
        {"/v1/users/:fid/following", "/v1/users/2079/following"},
        {"/v1/trending", "/v1/trending"},
        {"/v1/users/:fid/replies", "/v1/users/2079/replies"},
        {"/v1/users/:fid/likes", "/v1/users/2079/likes"},
        {"/v1/casts/:hash/thread", "/v1/casts/0x0000000000000000000000000000000000000000/thread"},
        {"/v1/channels/feed", "/v1/channels/feed?parent_url=x"},
    };
    call(&s, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, &h); /* the one allowed */
    assert_int_equal(h.status, 200);
    fct_http_cleanup(&h);
    for (size_t i = 0; i < sizeof(limited) / sizeof(limited[0]); i++)
        expect_error(&s, "GET", limited[i].route, limited[i].path, NULL, NULL, 429,
                     "rate_limited");
    /* search has a budget of its own, untouched by the public class */
    expect_status(&s, "GET", "/v1/search/casts", "/v1/search/casts?q=hello", NULL, NULL, 200);
    expect_error(&s, "GET", "/v1/search/casts", "/v1/search/casts?q=hello", NULL, NULL, 429,
                 "rate_limited");
    expect_error(&s, "GET", "/v1/search/users", "/v1/search/users?q=hello", NULL, NULL, 429,
                 "rate_limited");
    expect_error(&s, "GET", "/v1/search", "/v1/search?q=hello", NULL, NULL, 429, "rate_limited");
    /* so does admin: one request, then every admin operation is refused */
    expect_error(&s, "GET", "/admin/jobs", "/admin/jobs", NULL, NULL, 401, "unauthorized");
    admin_ops_refused(&s, NULL, 429, "rate_limited");
    expect_error(&s, "GET", "/auth/session", "/auth/session", NULL, NULL, 429, "rate_limited");
    server_stop(&s);

    /* ended sessions cannot be checked (the database is down): fail closed,
     * with a session token that is otherwise valid */
    server_start(&s, (const char *[]){"DATABASE_URL=postgresql://postgres@127.0.0.1:1/nothing",
                                      NULL});
    struct fc_auth *auth;
    struct fc_diag diag;
    assert_int_equal(fc_auth_new(s.cfg.jwt_secret, "x", "", 60, &auth, &diag), FC_OK);
    struct fc_buf minted = FC_BUF_INIT;
    fc_auth_issue(auth, "admin", time(NULL), &minted);
    snprintf(a.cookie, sizeof(a.cookie), "Cookie: token=%s", minted.data);
    fc_buf_cleanup(&minted);
    fc_auth_free(auth);
    snprintf(a.origin, sizeof(a.origin), "Origin: %s", s.base);
    admin_ops_refused(&s, (const char *[]){a.cookie, a.origin, json, NULL}, 503, "unavailable");
    expect_error(&s, "GET", "/auth/session", "/auth/session", (const char *[]){a.cookie, NULL},
                 NULL, 503, "unavailable");
    server_stop(&s);

    /* a query that fails (the schema is missing): 500 naming the request id */
    char empty[512];
    fct_db_create("apinoschema", empty, sizeof(empty));
    char e[600];
    snprintf(e, sizeof(e), "DATABASE_URL=%s", empty);
    server_start(&s, (const char *[]){e, NULL});
    call(&s, "GET", "/v1/users/:fid", "/v1/users/2079", NULL, NULL, &h);
    char rid[128];
    assert_int_equal(h.status, 500);
    assert_non_null(fct_http_header_value(&h, "X-Request-Id", rid, sizeof(rid)));
    if (!strstr(h.body.data, rid))
        fail_msg("500 without its request id %s: %s", rid, h.body.data);
    fct_http_cleanup(&h);
    server_stop(&s);
    fct_db_drop(empty);
}

/* Behind a trusted proxy, rate limits apply per forwarded client (the
 * rightmost X-Forwarded-For address; what the client prepends is ignored). */
static void forwarded_clients(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, (const char *[]){"FCINDEX_API_TRUSTED_PROXIES=127.0.0.1",
                                      "FCINDEX_API_RATE_PUBLIC_PER_MIN=2", NULL});
    static const struct {
        const char *xff;
        long status;
    } steps[] = {
        {"X-Forwarded-For: 10.0.0.1", 200},
        {"X-Forwarded-For: 10.0.0.1", 200},
        {"X-Forwarded-For: 10.0.0.1", 429},
        {"X-Forwarded-For: 10.9.9.9, 10.0.0.1", 429}, /* a spoofed left entry changes nothing */
        {"X-Forwarded-For: 10.0.0.2", 200},
    };
    for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
        struct fct_http h;
        call(&s, "GET", "/v1/users/:fid", "/v1/users/2079", (const char *[]){steps[i].xff, NULL},
             NULL, &h);
        if (h.status != steps[i].status)
            fail_msg("step %zu (%s): %ld, want %ld", i, steps[i].xff, h.status, steps[i].status);
        fct_http_cleanup(&h);
    }
    server_stop(&s);
    /* without the option the header is ignored: every request is 127.0.0.1's */
    server_start(&s, (const char *[]){"FCINDEX_API_RATE_PUBLIC_PER_MIN=1", NULL});
    expect_status(&s, "GET", "/v1/users/:fid", "/v1/users/2079",
                  (const char *[]){"X-Forwarded-For: 10.0.0.3", NULL}, NULL, 200);
    expect_status(&s, "GET", "/v1/users/:fid", "/v1/users/2079",
                  (const char *[]){"X-Forwarded-For: 10.0.0.4", NULL}, NULL, 429);
    server_stop(&s);
}

/* ---- people and conversations, against the fixture's ground truth ---- */

/* The parent cast hash of a live cast in the ground truth, or "". */
static const char *parent_of(const char *hash)
{
    yajl_val c = get(get(expected, "casts"), hash);
    return str_or_empty(get(get(c, "parent_cast"), "hash"));
}

/* Every item's key in a paginated list, following next_cursor. */
static char *all_pages(const struct server *s, const char *route, const char *path,
                       const char *list, const char *key)
{
    int pages;
    return collect_pages(s, route, path, list, key, &pages);
}

/* A profile's casts tab leaves replies out, /replies lists only them,
 * replies=include lists both: each exactly the live casts the ground truth
 * says, by whether they have a parent cast. */
static void profile_tabs_split_replies(const struct server *s, const char *fid, yajl_val e,
                                       size_t *replies_seen)
{
    char path[256];
    snprintf(path, sizeof(path), "/v1/users/%s/casts", fid);
    char *casts = all_pages(s, "/v1/users/:fid/casts", path, "casts", "hash");
    snprintf(path, sizeof(path), "/v1/users/%s/replies", fid);
    char *replies = all_pages(s, "/v1/users/:fid/replies", path, "casts", "hash");
    snprintf(path, sizeof(path), "/v1/users/%s/casts?replies=include", fid);
    char *both = all_pages(s, "/v1/users/:fid/casts", path, "casts", "hash");
    snprintf(path, sizeof(path), "/v1/users/%s/casts?replies=only", fid);
    char *only = all_pages(s, "/v1/users/:fid/casts", path, "casts", "hash");
    yajl_val live = get(e, "live_cast_hashes");
    size_t n_replies = 0;
    for (size_t k = 0; k < YAJL_GET_ARRAY(live)->len; k++) {
        const char *h = str_or_empty(YAJL_GET_ARRAY(live)->values[k]);
        bool reply = *parent_of(h) != '\0';
        n_replies += reply;
        if (joined_has(casts, h) == reply || joined_has(replies, h) != reply ||
            joined_has(only, h) != reply || !joined_has(both, h))
            fail_msg("fid %s cast %s (reply: %d) in the wrong tabs", fid, h, reply);
    }
    assert_int_equal(count_items(replies), n_replies);
    assert_int_equal(count_items(only), n_replies);
    assert_int_equal(count_items(casts), YAJL_GET_ARRAY(live)->len - n_replies);
    assert_int_equal(count_items(both), YAJL_GET_ARRAY(live)->len);
    *replies_seen += n_replies;
    free(casts);
    free(replies);
    free(both);
    free(only);
}

/* Likes: summed over every account, the likes the API lists for each cast
 * equal the ground truth's like count of that cast (every liker is an
 * account of the corpus), and no account lists more likes than it made. */
static void likes_add_up(const struct server *s, yajl_val fids)
{
    struct fc_buf all = FC_BUF_INIT;
    fc_buf_puts(&all, "");
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        const char *fid = YAJL_GET_OBJECT(fids)->keys[i];
        yajl_val e = YAJL_GET_OBJECT(fids)->values[i];
        char path[320], cursor[128] = "";
        size_t mine = 0;
        for (int page = 0; page < 100; page++) {
            snprintf(path, sizeof(path), "/v1/users/%s/likes?limit=4%s%s", fid,
                     *cursor ? "&cursor=" : "", cursor);
            yajl_val v = call_json(s, "/v1/users/:fid/likes", path, 200);
            yajl_val likes = get(v, "likes");
            for (size_t k = 0; k < YAJL_GET_ARRAY(likes)->len; k++) {
                yajl_val cast = get(YAJL_GET_ARRAY(likes)->values[k], "cast");
                fc_buf_printf(&all, "%s%s", all.len ? "," : "", str_or_empty(get(cast, "hash")));
                assert_true(YAJL_IS_INTEGER(get(get(cast, "author"), "fid")));
                assert_true(YAJL_IS_STRING(get(YAJL_GET_ARRAY(likes)->values[k], "liked_at")));
                mine++;
            }
            yajl_val next = get(v, "next_cursor");
            bool more = YAJL_IS_STRING(next);
            if (more)
                snprintf(cursor, sizeof(cursor), "%s", next->u.string);
            yajl_tree_free(v);
            if (!more)
                break;
        }
        long long made = YAJL_GET_INTEGER(get(get(e, "reactions_made"), "likes"));
        if ((long long)mine > made)
            fail_msg("fid %s lists %zu likes but made %lld", fid, mine, made);
    }
    yajl_val casts = get(expected, "casts");
    size_t liked_casts = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(casts)->len; i++) {
        const char *h = YAJL_GET_OBJECT(casts)->keys[i];
        long long want = YAJL_GET_INTEGER(get(YAJL_GET_OBJECT(casts)->values[i], "likes"));
        long long got = 0;
        size_t n = strlen(h);
        for (const char *p = all.data; (p = strstr(p, h)); p += n)
            got++;
        if (got != want)
            fail_msg("cast %s: %lld likes listed across accounts, ground truth %lld", h, got, want);
        liked_casts += want > 0;
    }
    assert_true(liked_casts > 0);
    fc_buf_cleanup(&all);
}

/* User search: an exact username is found first, as "username"; a prefix
 * finds every account whose username starts with it, prefix matches ahead
 * of display-name and text matches. */
static void user_search_finds_profiles(const struct server *s, yajl_val fids)
{
    size_t exact = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        const char *fid = YAJL_GET_OBJECT(fids)->keys[i];
        const char *name = str_or_empty(get(get(YAJL_GET_OBJECT(fids)->values[i], "profile"),
                                            "username"));
        if (!*name || strlen(name) < 3)
            continue;
        char path[256];
        snprintf(path, sizeof(path), "/v1/search/users?q=%s&limit=5", name);
        yajl_val v = call_json(s, "/v1/search/users", path, 200);
        yajl_val first = YAJL_GET_ARRAY(get(v, "users"))->values[0];
        char f[32];
        snprintf(f, sizeof(f), "%lld", YAJL_GET_INTEGER(get(first, "fid")));
        assert_string_equal(f, fid);
        assert_string_equal(str_or_empty(get(first, "match")), "username");
        assert_true(YAJL_GET_INTEGER(get(first, "followers")) >= 0);
        yajl_tree_free(v);
        exact++;
        if (exact > 1)
            continue;
        /* the first name's 2-letter prefix, over every page */
        char prefix[3] = {name[0], name[1], 0};
        snprintf(path, sizeof(path), "/v1/search/users?q=%s", prefix);
        char *got = all_pages(s, "/v1/search/users", path, "users", "fid");
        for (size_t k = 0; k < YAJL_GET_OBJECT(fids)->len; k++) {
            const char *other = str_or_empty(
                get(get(YAJL_GET_OBJECT(fids)->values[k], "profile"), "username"));
            if (strncasecmp(other, prefix, 2) == 0 &&
                !joined_has(got, YAJL_GET_OBJECT(fids)->keys[k]))
                fail_msg("q=%s: %s (%s) missing from %s", prefix, YAJL_GET_OBJECT(fids)->keys[k],
                         other, got);
        }
        free(got);
        snprintf(path, sizeof(path), "/v1/search/users?q=%s&limit=100", prefix);
        v = call_json(s, "/v1/search/users", path, 200);
        int last_tier = 0;
        static const char *tiers[] = {"username", "username_prefix", "display_name_prefix",
                                      "text"};
        yajl_val users = get(v, "users");
        for (size_t k = 0; k < YAJL_GET_ARRAY(users)->len; k++) {
            const char *m = str_or_empty(get(YAJL_GET_ARRAY(users)->values[k], "match"));
            int t = 0;
            while (t < 4 && strcmp(tiers[t], m) != 0)
                t++;
            assert_true(t < 4 && t >= last_tier);
            last_tier = t;
        }
        yajl_tree_free(v);
    }
    assert_true(exact > 10);
    /* the combined search counts both kinds */
    yajl_val v = call_json(s, "/v1/search", "/v1/search?q=farcaster&users=3&casts=4", 200);
    assert_true(YAJL_GET_INTEGER(get(get(v, "casts"), "count")) >= 4);
    assert_int_equal(YAJL_GET_ARRAY(get(get(v, "casts"), "items"))->len, 4);
    assert_true(YAJL_GET_ARRAY(get(get(v, "users"), "items"))->len <= 3);
    yajl_tree_free(v);
}

/* a was posted before b: the ground truth's time, then the hash */
static bool posted_before(const char *a, const char *b)
{
    yajl_val casts = get(expected, "casts");
    long long ta = YAJL_GET_INTEGER(get(get(casts, a), "timestamp"));
    long long tb = YAJL_GET_INTEGER(get(get(casts, b), "timestamp"));
    return ta != tb ? ta < tb : strcmp(a, b) < 0;
}

/* Direct children of node in a thread document, checked against the
 * ground truth's parents, recursively: live ones oldest first, and a live
 * node's "replies" is its number of live replies; returns the nodes seen. */
static size_t check_children(yajl_val node, const char *hash, const char *key)
{
    yajl_val kids = get(node, key);
    assert_true(YAJL_IS_ARRAY(kids));
    size_t seen = 0;
    const char *prev = NULL;
    for (size_t k = 0; k < YAJL_GET_ARRAY(kids)->len; k++) {
        yajl_val kid = YAJL_GET_ARRAY(kids)->values[k];
        const char *h = str_or_empty(get(kid, "hash"));
        if (!YAJL_IS_TRUE(get(kid, "deleted"))) {
            assert_string_equal(parent_of(h), hash);
            if (prev && !posted_before(prev, h))
                fail_msg("replies of %s: %s shown before %s, which is older", hash, prev, h);
            prev = h;
        }
        seen += 1 + check_children(kid, h, "children");
    }
    /* and every live reply of the ground truth is among them */
    yajl_val casts = get(expected, "casts");
    long long replies = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(casts)->len; i++) {
        const char *h = YAJL_GET_OBJECT(casts)->keys[i];
        if (strcmp(parent_of(h), hash) != 0)
            continue;
        replies++;
        bool found = false;
        for (size_t k = 0; k < YAJL_GET_ARRAY(kids)->len && !found; k++)
            found = strcmp(str_or_empty(get(YAJL_GET_ARRAY(kids)->values[k], "hash")), h) == 0;
        if (!found)
            fail_msg("reply %s of %s missing from the thread", h, hash);
    }
    yajl_val doc = strcmp(key, "children") == 0 ? node : get(node, "cast");
    if (!YAJL_IS_TRUE(get(doc, "deleted")))
        assert_int_equal(YAJL_GET_INTEGER(get(doc, "replies")), replies);
    return seen;
}

/* Hashes of the replies a thread shows under node, in order. */
static void kid_hashes(yajl_val node, const char *key, char *out, size_t size)
{
    yajl_val kids = get(node, key);
    size_t used = 0;
    out[0] = '\0';
    for (size_t k = 0; k < YAJL_GET_ARRAY(kids)->len && used < size; k++)
        used += (size_t)snprintf(out + used, size - used, "%s%s", k ? "," : "",
                                 str_or_empty(get(YAJL_GET_ARRAY(kids)->values[k], "hash")));
}

/* Siblings in a thread are ordered by time, not by hash: under a cast
 * without replies, an older reply whose hash sorts last (with a reply of
 * its own) comes before a newer one whose hash sorts first; each document
 * counts its own live replies. */
static void thread_orders_siblings_by_time(const struct server *s)
{
    char *parent = fct_sql_value(db_url, "SELECT encode(hash, 'hex') FROM casts c WHERE "
                                         "deleted_at IS NULL AND text IS NOT NULL AND NOT EXISTS "
                                         "(SELECT 1 FROM casts r WHERE r.parent_hash = c.hash) "
                                         "ORDER BY hash LIMIT 1");
    assert_true(*parent);
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "INSERT INTO casts (hash, fid, \"timestamp\", text, parent_hash, parent_fid) "
             "SELECT decode(x.h, 'hex'), p.fid, p.\"timestamp\" + x.m * interval '1 minute', "
             "'sibling order', decode(x.ph, 'hex'), p.fid FROM casts p, (VALUES "
             "('ff%1$s', 1, '%2$s'), ('00%1$s', 2, '%2$s'), ('80%1$s', 3, 'ff%1$s')) "
             "x(h, m, ph) WHERE p.hash = decode('%2$s', 'hex')",
             "11111111111111111111111111111111111111", parent);
    free(fct_sql_value(db_url, sql));
    char path[160], got[512];
    snprintf(path, sizeof(path), "/v1/casts/0x%s/thread?depth=3&limit=50", parent);
    yajl_val v = call_json(s, "/v1/casts/:hash/thread", path, 200);
    /* removed before checking, so a failure here leaves the others' data alone */
    free(fct_sql_value(db_url, "DELETE FROM casts WHERE text = 'sibling order'"));
    kid_hashes(v, "replies", got, sizeof(got));
    assert_string_equal(got, "0xff11111111111111111111111111111111111111,"
                             "0x0011111111111111111111111111111111111111");
    yajl_val older = YAJL_GET_ARRAY(get(v, "replies"))->values[0];
    kid_hashes(older, "children", got, sizeof(got));
    assert_string_equal(got, "0x8011111111111111111111111111111111111111");
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "cast"), "replies")), 2);
    assert_int_equal(YAJL_GET_INTEGER(get(older, "replies")), 1);
    assert_int_equal(YAJL_GET_INTEGER(get(YAJL_GET_ARRAY(get(v, "replies"))->values[1], "replies")),
                     0);
    yajl_tree_free(v);
    free(parent);
}

/* Threads: every reply's thread shows its ancestors root first (each the
 * ground truth's parent of the next) and the tree under it; channel feeds
 * list exactly the live casts posted to that URL. */
static void threads_and_channels(const struct server *s)
{
    yajl_val casts = get(expected, "casts");
    size_t threads = 0, tree_nodes = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(casts)->len; i++) {
        const char *h = YAJL_GET_OBJECT(casts)->keys[i];
        char path[128];
        snprintf(path, sizeof(path), "/v1/casts/%s/thread", h);
        yajl_val v = call_json(s, "/v1/casts/:hash/thread", path, 200);
        assert_string_equal(str_or_empty(get(get(v, "cast"), "hash")), h);
        yajl_val anc = get(v, "ancestors");
        const char *child = h;
        for (size_t k = YAJL_GET_ARRAY(anc)->len; k-- > 0;) {
            const char *a = str_or_empty(get(YAJL_GET_ARRAY(anc)->values[k], "hash"));
            if (*parent_of(child))
                assert_string_equal(a, parent_of(child));
            child = a;
        }
        if (!*parent_of(h))
            assert_int_equal(YAJL_GET_ARRAY(anc)->len, 0);
        else
            assert_true(YAJL_GET_ARRAY(anc)->len >= 1);
        tree_nodes += check_children(v, h, "replies");
        assert_false(YAJL_IS_TRUE(get(v, "truncated")));
        yajl_tree_free(v);
        threads++;
    }
    assert_true(tree_nodes > 0);
    /* a depth cap of 1 keeps only direct replies and says it cut deeper ones */
    size_t capped = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(casts)->len; i++) {
        const char *h = YAJL_GET_OBJECT(casts)->keys[i];
        const char *p = parent_of(h);
        if (!*p || !*parent_of(p))
            continue; /* wanted: a reply to a reply, so its grandparent has depth 2 */
        char path[128];
        snprintf(path, sizeof(path), "/v1/casts/%s/thread?depth=1", parent_of(p));
        yajl_val v = call_json(s, "/v1/casts/:hash/thread", path, 200);
        yajl_val kids = get(v, "replies");
        for (size_t k = 0; k < YAJL_GET_ARRAY(kids)->len; k++)
            assert_int_equal(YAJL_GET_ARRAY(get(YAJL_GET_ARRAY(kids)->values[k], "children"))->len,
                             0);
        assert_true(YAJL_IS_TRUE(get(v, "truncated")));
        yajl_tree_free(v);
        capped++;
    }
    assert_true(capped > 0);
    thread_orders_siblings_by_time(s);
    expect_error(s, "GET", "/v1/casts/:hash/thread", "/v1/casts/0x1234/thread", NULL, NULL, 400,
                 "invalid_hash");
    expect_error(s, "GET", "/v1/casts/:hash/thread",
                 "/v1/casts/0x0000000000000000000000000000000000000000/thread", NULL, NULL, 404,
                 "not_found");

    /* channels: every URL of the ground truth */
    for (size_t i = 0; i < YAJL_GET_OBJECT(casts)->len; i++) {
        const char *url = str_or_empty(get(YAJL_GET_OBJECT(casts)->values[i], "parent_url"));
        if (!*url)
            continue;
        char path[1200];
        snprintf(path, sizeof(path), "/v1/channels/feed?parent_url=%s", url);
        char *got = all_pages(s, "/v1/channels/feed", path, "casts", "hash");
        size_t want = 0;
        for (size_t k = 0; k < YAJL_GET_OBJECT(casts)->len; k++)
            if (strcmp(str_or_empty(get(YAJL_GET_OBJECT(casts)->values[k], "parent_url")), url) ==
                0) {
                want++;
                assert_true(joined_has(got, YAJL_GET_OBJECT(casts)->keys[k]));
            }
        assert_int_equal(count_items(got), want);
        free(got);
    }
    expect_error(s, "GET", "/v1/channels/feed", "/v1/channels/feed", NULL, NULL, 400,
                 "invalid_parent_url");
}

static void people_and_conversations(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    yajl_val fids = get(expected, "fids");
    size_t replies = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++)
        profile_tabs_split_replies(&s, YAJL_GET_OBJECT(fids)->keys[i],
                                   YAJL_GET_OBJECT(fids)->values[i], &replies);
    assert_true(replies > 0);
    expect_error(&s, "GET", "/v1/users/:fid/casts", "/v1/users/2079/casts?replies=some", NULL,
                 NULL, 400, "invalid_replies");
    likes_add_up(&s, fids);
    user_search_finds_profiles(&s, fids);
    threads_and_channels(&s);
    /* anonymous callers learn they are not logged in, without an error */
    yajl_val v = call_json(&s, "/auth/session", "/auth/session", 200);
    assert_true(YAJL_IS_FALSE(get(v, "authenticated")));
    yajl_tree_free(v);
    server_stop(&s);
}

/* Job queue control on one server: per-state counts, pause and resume
 * (idempotent), clear refused without its confirmation field and counted
 * exactly with it, retry-all counting what clear held plus the failed jobs;
 * the targets end as they began (pending again). */
static void job_queue_control(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    struct admin a;
    admin_login(&s, &a);
    const char *const *h = a.h;
    free(fct_sql_value(db_url, "INSERT INTO targets (fid, source) VALUES (990001, 'admin'), "
                               "(990002, 'admin') ON CONFLICT DO NOTHING"));
    yajl_val v = call_json_as(&s, "GET", "/admin/jobs/stats", "/admin/jobs/stats", h, NULL, 200);
    assert_true(YAJL_IS_FALSE(get(v, "paused")));
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "states"), "synced")),
                     sql_count("SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL"));
    yajl_tree_free(v);
    struct fct_http r;
    /* pause twice: the second changes nothing */
    for (int i = 0; i < 2; i++) {
        call_expecting(&s, "POST", "/admin/jobs/pause", "/admin/jobs/pause", h, "", 200, &r);
        assert_non_null(strstr(r.body.data, i ? "\"changed\":false" : "\"changed\":true"));
        fct_http_cleanup(&r);
    }
    fct_assert_sql(db_url, "SELECT paused::text || changed_by FROM job_queue_control",
                           "trueadmin api");
    expect_error(&s, "POST", "/admin/jobs/clear", "/admin/jobs/clear", h,
                 "{\"state\":\"pending\"}", 400, "confirmation_required");
    expect_error(&s, "POST", "/admin/jobs/clear", "/admin/jobs/clear", h,
                 "{\"state\":\"running\",\"confirm\":true}", 400, "invalid_field");
    expect_error(&s, "POST", "/admin/jobs/clear", "/admin/jobs/clear",
                 (const char *[]){a.cookie, a.origin, "Content-Type: text/plain", NULL},
                 "{\"state\":\"pending\",\"confirm\":true}", 415, "unsupported_media_type");
    assert_int_equal(sql_count("SELECT count(*) FROM targets WHERE backfill_held_at IS NOT NULL"),
                     0);
    /* the test's own count of what is waiting: unsynced, never failed */
    static const char pending_sql[] = "SELECT count(*) FROM targets WHERE last_synced_at IS NULL "
                                      "AND last_error IS NULL";
    long long waiting = sql_count(pending_sql);
    long long failed = sql_count("SELECT count(*) FROM targets WHERE last_synced_at IS NULL AND "
                                 "last_error IS NOT NULL");
    assert_true(waiting >= 2);
    v = call_json_as(&s, "POST", "/admin/jobs/clear", "/admin/jobs/clear", h,
                     "{\"state\":\"pending\",\"confirm\":true}", 200);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "cleared")), waiting);
    yajl_tree_free(v);
    v = call_json_as(&s, "POST", "/admin/jobs/retry-all", "/admin/jobs/retry-all", h, "", 202);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "retried")), waiting + failed);
    yajl_tree_free(v);
    call_expecting(&s, "POST", "/admin/jobs/resume", "/admin/jobs/resume", h, "", 200, &r);
    assert_non_null(strstr(r.body.data, "\"paused\":false"));
    fct_http_cleanup(&r);
    /* the target list's job-state and date filters, summed over the match */
    yajl_val page = call_json_as(
        &s, "GET", "/admin/targets",
        "/admin/targets?state=pending&added_after=2000-01-01&sort=-fid&limit=1", h, NULL, 200);
    long long pending = sql_count(pending_sql);
    assert_int_equal(YAJL_GET_INTEGER(get(page, "total")), pending);
    assert_int_equal(YAJL_GET_INTEGER(get(get(get(page, "summary"), "states"), "pending")),
                     pending);
    assert_int_equal(YAJL_GET_INTEGER(get(get(page, "targets")->u.array.values[0], "fid")), 990002);
    yajl_tree_free(page);
    expect_error(&s, "GET", "/admin/targets", "/admin/targets?state=asleep", h, NULL, 400,
                 "invalid_filter");
    expect_error(&s, "GET", "/admin/targets", "/admin/targets?synced_before=soon", h, NULL, 400,
                 "invalid_filter");
    /* each date bound reaches the query: after is inclusive, before exclusive */
    free(fct_sql_value(db_url, "UPDATE targets SET added_at = CASE fid WHEN 990001 THEN "
                               "timestamptz '2001-01-01' ELSE '2002-01-01' END, last_synced_at = "
                               "CASE fid WHEN 990001 THEN timestamptz '2001-02-01' END "
                               "WHERE fid IN (990001, 990002)"));
    static const struct {
        const char *query;
        long total, first;
    } bounds[] = {
        {"added_after=2001-01-01&added_before=2002-01-01", 1, 990001},
        {"added_after=2001-01-01T00:00:01Z&added_before=2003-01-01", 1, 990002},
        {"synced_after=2001-02-01&synced_before=2001-02-02", 1, 990001},
        {"synced_after=2001-01-01&synced_before=2001-02-01", 0, 0},
        {"synced_after=2001-02-01T00:00:01Z&synced_before=2002-01-01", 0, 0},
    };
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        char path[160];
        snprintf(path, sizeof(path), "/admin/targets?%s", bounds[i].query);
        page = call_json_as(&s, "GET", "/admin/targets", path, h, NULL, 200);
        if (YAJL_GET_INTEGER(get(page, "total")) != bounds[i].total)
            fail_msg("%s: total %lld, want %ld", path, YAJL_GET_INTEGER(get(page, "total")),
                     bounds[i].total);
        if (bounds[i].first)
            assert_int_equal(YAJL_GET_INTEGER(get(get(page, "targets")->u.array.values[0], "fid")),
                             bounds[i].first);
        yajl_tree_free(page);
    }
    free(fct_sql_value(db_url, "DELETE FROM targets WHERE fid IN (990001, 990002)"));
    free(a.token);
    server_stop(&s);
}

/* Dead letters: a message the decoder once refused (here: one the hub
 * serves, stored as a dead letter, its cast row deleted) is decoded again
 * and applied by retry, which removes the letter; a still-malformed one
 * answers 422 and counts the attempt; the list filters by source and
 * reason; the payload downloads byte for byte; delete removes. */
static void dead_letters(void **state)
{
    (void)state;
    struct server s;
    server_start(&s, NULL);
    struct admin a;
    admin_login(&s, &a);
    const char *const *h = a.h;
    char url[256];
    struct fct_http r;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/v1/castsByFid?fid=2079&pageSize=1", sim_port);
    fct_http_do(url, NULL, 5000, &r);
    assert_int_equal(r.status, 200);
    char *from = strstr(r.body.data, "{\"messages\":[");
    char *to = strstr(r.body.data, "],\"nextPageToken\"");
    assert_true(from && to && to > from);
    from += strlen("{\"messages\":[");
    *to = '\0';
    char *item = fc_xstrdup(from);
    fct_http_cleanup(&r);
    yajl_val msg = yajl_tree_parse(item, NULL, 0);
    const char *hash = YAJL_GET_STRING(get(msg, "hash"));
    assert_non_null(hash);
    struct fc_buf sql = FC_BUF_INIT;
    free(fct_sql_value(db_url, "DELETE FROM dead_letters"));
    fc_buf_printf(&sql, "INSERT INTO dead_letters (source, payload, reason) VALUES "
                        "('/v1/castsByFid?fid=2079', convert_to($fc$%s$fc$, 'UTF8'), "
                        "'messages[0].data.castAddBody: unknown field'), "
                        "('events:snapchain:1', convert_to('{\"id\":\"x\"}', 'UTF8'), "
                        "'events[0].id: not an integer') RETURNING id", item);
    char *good = fct_sql_value(db_url, sql.data);
    fc_buf_reset(&sql);
    fc_buf_printf(&sql, "DELETE FROM casts WHERE hash = decode('%s', 'hex') RETURNING 1", hash + 2);
    fct_assert_sql(db_url, sql.data, "1");
    char *bad = fct_sql_value(db_url, "SELECT id FROM dead_letters WHERE source LIKE 'events%'");

    /* the list: filtered by source prefix (not a substring) and reason substring */
    static const struct {
        const char *path;
        long long total;
        bool first_is_the_event; /* the stream's letter is listed first */
    } lists[] = {
        {"/admin/dead-letters", 2, false},
        {"/admin/dead-letters?source=events&limit=1", 1, true},
        {"/admin/dead-letters?source=castsByFid", 0, false},
        {"/admin/dead-letters?reason=UNKNOWN%20FIELD", 1, false},
    };
    for (size_t i = 0; i < sizeof(lists) / sizeof(lists[0]); i++) {
        yajl_val v = call_json_as(&s, "GET", "/admin/dead-letters", lists[i].path, h, NULL, 200);
        assert_int_equal(YAJL_GET_INTEGER(get(v, "total")), lists[i].total);
        if (lists[i].first_is_the_event)
            assert_string_equal(
                YAJL_GET_STRING(get(get(v, "dead_letters")->u.array.values[0], "id")), bad);
        yajl_tree_free(v);
    }
    expect_error(&s, "GET", "/admin/dead-letters", "/admin/dead-letters?reason=", h, NULL, 400,
                 "invalid_filter");

    /* the payload, byte for byte */
    char path[128];
    snprintf(path, sizeof(path), "/admin/dead-letters/%s/payload", good);
    call_expecting(&s, "GET", "/admin/dead-letters/:id/payload", path, h, NULL, 200, &r);
    assert_int_equal(r.body.len, strlen(item));
    assert_memory_equal(r.body.data, item, strlen(item));
    fct_http_cleanup(&r);
    expect_error(&s, "GET", "/admin/dead-letters/:id/payload", "/admin/dead-letters/x/payload", h,
                 NULL, 400, "invalid_id");
    expect_error(&s, "GET", "/admin/dead-letters/:id/payload",
                 "/admin/dead-letters/999999999/payload", h, NULL, 404, "not_found");

    /* retry: the good one is applied (its cast is back) and gone */
    snprintf(path, sizeof(path), "/admin/dead-letters/%s/retry", good);
    call_expecting(&s, "POST", "/admin/dead-letters/:id/retry", path, h, "", 200, &r);
    assert_non_null(strstr(r.body.data, "\"outcome\":\"applied\""));
    fct_http_cleanup(&r);
    fc_buf_reset(&sql);
    fc_buf_printf(&sql, "SELECT fid || ':' || (text IS NOT NULL) FROM casts WHERE hash = "
                        "decode('%s', 'hex')", hash + 2);
    fct_assert_sql(db_url, sql.data, "2079:true");
    expect_error(&s, "POST", "/admin/dead-letters/:id/retry", path, h, "", 404, "not_found");
    /* the bad one is still invalid: kept, its attempt counted */
    snprintf(path, sizeof(path), "/admin/dead-letters/%s/retry", bad);
    expect_error(&s, "POST", "/admin/dead-letters/:id/retry", path, h, "", 422, "still_invalid");
    fct_assert_sql(db_url, "SELECT attempts FROM dead_letters", "2");
    expect_error(&s, "POST", "/admin/dead-letters/:id/retry", "/admin/dead-letters/0/retry", h,
                 "", 400, "invalid_id");

    /* delete */
    snprintf(path, sizeof(path), "/admin/dead-letters/%s", bad);
    expect_status(&s, "DELETE", "/admin/dead-letters/:id", path, h, NULL, 200);
    expect_error(&s, "DELETE", "/admin/dead-letters/:id", path, h, NULL, 404, "not_found");
    expect_error(&s, "DELETE", "/admin/dead-letters/:id", "/admin/dead-letters/-1", h, NULL, 400,
                 "invalid_id");
    fct_assert_sql(db_url, "SELECT count(*) FROM dead_letters", "0");
    yajl_tree_free(msg);
    fc_buf_cleanup(&sql);
    free(item);
    free(good);
    free(bad);
    free(a.token);
    server_stop(&s);
}

int main(void)
{
    /* the record starts empty and its last line says this run passed: a
     * file from an older run, or from a run that failed, was skipped or
     * died, never validates */
    const char *rec = getenv("FCT_API_RECORD");
    if (rec && *rec) {
        FILE *f = fopen(rec, "w");
        if (!f || fclose(f)) {
            fprintf(stderr, "cannot write %s\n", rec);
            return 1;
        }
    }
    fct_require_env("DATABASE_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(public_routes_match_ground_truth),
        cmocka_unit_test(people_and_conversations),
        cmocka_unit_test(feed_lists_followed_live_casts),
        cmocka_unit_test(casts_by_prefix_replies_search_trending),
        cmocka_unit_test(bad_inputs_get_json_errors),
        cmocka_unit_test(auth_flows),
        cmocka_unit_test(admin_routes),
        cmocka_unit_test(throughput_shows_the_history),
        cmocka_unit_test(ops_headers_and_rate_limits),
        cmocka_unit_test(parallel_clients),
        cmocka_unit_test(cache_staleness_bound),
        cmocka_unit_test(redis_rate_limits_are_shared),
        cmocka_unit_test(serve_all_roles),
        cmocka_unit_test(password_hash_from_the_cli),
        cmocka_unit_test(admin_changes_reach_redis_sets),
        cmocka_unit_test(slow_clients_and_connection_cap),
        cmocka_unit_test(database_down),
        cmocka_unit_test(forwarded_clients),
        cmocka_unit_test(every_documented_status),
        cmocka_unit_test(job_queue_control),
        cmocka_unit_test(dead_letters),
    };
    fct_test_filter();
    int failures = cmocka_run_group_tests(tests, setup, teardown);
    if (rec && *rec && failures == 0 && !fct_exit_status(0)) {
        FILE *f = fopen(rec, "a");
        if (f) {
            fprintf(f, "{\"end\":true,\"failures\":%d}\n", failures);
            fclose(f);
        }
    }
    return fct_exit_status(failures);
}
