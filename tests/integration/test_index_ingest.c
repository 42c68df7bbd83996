/* Ingest correctness against the simulator: bad items inside good event
 * pages (hubsim item faults) cost no valid event around them, each event is
 * read once, the bad ones land in dead_letters with their exact bytes and
 * the cursor only moves forward; `backfill --fid` on a synced target really
 * backfills it again. */
#include "support/hubsim_ctl.h"
#include "support/indexrun.h"
#include "support/serve.h"
#include "support/truth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <yajl/yajl_tree.h>

#include "fc/decode.h"

#define NET_ARGS "--seed", "5", "--fids", "300", "--history-ticks", "40"
/* invalid UTF-8 in a cast's text, a profile value or a name: links,
 * reactions, verifications and on-chain events stay valid to compare */
#define UTF8_FAULTS "{\"endpoint\":\"/v1/events\",\"bad_item_rate\":0.05,\"bad_item_ways\":[\"utf8\"]}"

struct env {
    char db[512];
    char e_db[600], e_hubs[300];
    const char *vars[10];
};

/* The environment for e->db against the simulator on port. */
static void env_init(struct env *e, int port)
{
    snprintf(e->e_db, sizeof(e->e_db), "DATABASE_URL=%s", e->db);
    snprintf(e->e_hubs, sizeof(e->e_hubs), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    const char *v[] = {e->e_db, e->e_hubs, "FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                       "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", "FCINDEX_LOG_LEVEL=error",
                       "FCINDEX_HUBS_RETRIES=30", "REDIS_URL=", NULL};
    memcpy(e->vars, v, sizeof(v));
}

/* A fresh database named after tag, and the environment for it. */
static void env_create(struct env *e, const char *tag, int port)
{
    fct_db_create(tag, e->db, sizeof(e->db));
    env_init(e, port);
}

/* One root, 37, whose reach grows by hops (1: 9 accounts, 2: 98, 3: 287 of
 * 300), no sign-up roots (no app is fid 1) and depth_var
 * ("FCINDEX_STRATEGY_EXPANSION_DEPTH=N", kept by reference). */
static void env_reach_from_37(struct env *e, const char *depth_var)
{
    e->vars[2] = "FCINDEX_STRATEGY_ROOT_TARGETS=37";
    e->vars[3] = "FCINDEX_STRATEGY_TARGET_CLIENTS=1";
    e->vars[7] = depth_var;
    e->vars[8] = NULL;
}

static int fcindex4(struct env *e, const char *a, const char *b, const char *c, const char *d,
                    struct fc_buf *out)
{
    return fct_index_cmd(e->vars, a, b, c, d, out);
}

static int fcindex(struct env *e, const char *a, const char *b, const char *c, struct fc_buf *out)
{
    return fcindex4(e, a, b, c, NULL, out);
}

static void index_fully(struct env *e)
{
    assert_int_equal(fcindex(e, "migrate", NULL, NULL, NULL), 0);
    fct_index_fully(e->vars, e->db);
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static unsigned long long injected_bad_items(int port)
{
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/_sim/faults", port);
    struct fct_http h;
    fct_http_do(u, NULL, 5000, &h);
    const char *p = strstr(h.body.data, "\"bad_item\":");
    unsigned long long v = p ? strtoull(p + 11, NULL, 10) : 0;
    fct_http_cleanup(&h);
    return v;
}

struct one_item {
    size_t n, errors;
};

static void count_item(void *ud, const struct fc_item *it)
{
    struct one_item *o = ud;
    o->n++;
    o->errors += it->kind == FC_ITEM_ERROR;
}

/* Snapchain: a bad event in a page used to send the follower back to the
 * start of its block with the page's earlier events dropped (and a page of
 * only bad items reset the cursor to 1). Now the end state equals a clean
 * run's for every row a bad cast or profile event cannot touch. */
static void valid_events_around_bad_ones_are_applied(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    struct env ce, fe;
    env_create(&ce, "badclean", port);
    index_fully(&ce);
    fct_hubsim_faults(port, UTF8_FAULTS);
    env_create(&fe, "badfaulty", port);
    index_fully(&fe);
    const char *clean = ce.db, *faulty = fe.db;
    /* without the rows a bad cast or profile event can touch */
    char *want = fct_index_fingerprint(clean, false);
    char *got = fct_index_fingerprint(faulty, false);
    assert_string_equal(got, want);
    free(want);
    free(got);
    /* the bad events are dead letters holding one whole item each, as sent */
    char *n = fct_sql_value(faulty, "SELECT count(*) FROM dead_letters");
    assert_true(atoi(n) > 0);
    free(n);
    for (int i = 0;; i++) {
        char sql[200];
        snprintf(sql, sizeof(sql), "SELECT encode(payload, 'hex') FROM dead_letters ORDER BY "
                 "payload_digest OFFSET %d LIMIT 1", i);
        char *hex = fct_sql_value(faulty, sql);
        if (!*hex) {
            free(hex);
            break;
        }
        size_t len;
        char *bytes = fct_unhex(hex, &len);
        struct one_item o = {0, 0};
        struct fc_diag d;
        assert_int_equal(fc_decode_buffer(FC_PAGE_AUTO, bytes, len, count_item, &o, NULL,
                                          &d, NULL), FC_OK);
        assert_true(bytes[0] == '{' && bytes[len - 1] == '}');
        assert_true(strstr(bytes, "HUB_EVENT_TYPE_") != NULL);
        assert_int_equal(o.n, 1);
        assert_int_equal(o.errors, 1);
        free(bytes);
        free(hex);
    }
    fct_db_drop(clean);
    fct_db_drop(faulty);
    fct_hubsim_stop(pid);
}

/* Each event of the stream is read exactly once (no block read again, none
 * skipped), every bad one is dead-lettered once, and each shard's cursor ends
 * right after the shard's last event. */
static void each_event_read_once_and_cursor_moves_forward(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, "--faults",
                                                 "{\"endpoint\":\"/v1/events\",\"bad_item_rate\":0.05}",
                                                 NULL}, &port);
    /* the stream as the hub has it, counted without the indexer */
    size_t total = 0;
    unsigned long long last_id[3] = {0, 0, 0};
    for (unsigned s = 1; s <= 2; s++) {
        char u[160];
        snprintf(u, sizeof(u), "http://127.0.0.1:%d/v1/events?shard_index=%u&from_event_id=0"
                 "&page_size=100000", port, s);
        struct fct_http h;
        fct_http_do(u, NULL, 20000, &h);
        assert_int_equal(h.status, 200);
        total += count_of(h.body.data, "\"HUB_EVENT_TYPE_");
        for (const char *p = strstr(h.body.data, "\"id\":"); p; p = strstr(p + 1, "\"id\":"))
            last_id[s] = strtoull(p + 5, NULL, 10);
        fct_http_cleanup(&h);
    }
    unsigned long long before = injected_bad_items(port);
    assert_true(before > 0); /* the count above saw bad items too */
    struct env e;
    env_create(&e, "badonce", port);
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL, NULL), 0);
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(&e, "sync", "--until-head", NULL, &out), 0);
    char want[64];
    snprintf(want, sizeof(want), " %zu events,", total);
    if (!strstr(out.data, want) || !strstr(out.data, " 0 blocks re-read"))
        fail_msg("wanted%s and no block read again, got: %s", want, out.data);
    fc_buf_cleanup(&out);
    unsigned long long read_bad = injected_bad_items(port) - before;
    char *dead = fct_sql_value(e.db, "SELECT count(*) || ':' || max(attempts) FROM dead_letters");
    char want_dead[64];
    snprintf(want_dead, sizeof(want_dead), "%llu:1", read_bad);
    assert_string_equal(dead, want_dead);
    free(dead);
    for (unsigned s = 1; s <= 2; s++) {
        char sql[160], id[32];
        snprintf(sql, sizeof(sql), "SELECT event_id FROM hub_cursors WHERE shard = %u", s);
        snprintf(id, sizeof(id), "%llu", last_id[s] + 1);
        fct_assert_sql(e.db, sql, id);
    }
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

/* `backfill --fid N` on a target already synced marks it pending (a running
 * serve takes it) and, with --wait, copies its history again: rows lost
 * since come back. */
static void backfill_fid_again_on_a_synced_target(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    struct env e;
    env_create(&e, "rebackfill", port);
    index_fully(&e);
    static const char casts_of_1[] = "SELECT count(*) FROM casts WHERE fid = 1";
    long long before = fct_sql_ll(e.db, casts_of_1);
    assert_true(before > 0);
    fct_assert_sql(e.db, "SELECT last_synced_at IS NOT NULL FROM targets "
                         "WHERE fid = 1", "t");
    free(fct_sql_value(e.db, "DELETE FROM casts WHERE fid = 1"));
    /* without --wait: queued for a running indexer */
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(&e, "backfill", "--fid", "1", &out), 0);
    assert_non_null(strstr(out.data, "fid 1 queued"));
    fc_buf_cleanup(&out);
    fct_assert_sql(e.db, "SELECT last_synced_at IS NULL FROM targets WHERE fid = 1", "t");
    assert_int_equal(fcindex(&e, "backfill", "--all-unsynced", "--wait", NULL), 0);
    assert_int_equal(fct_sql_ll(e.db, casts_of_1), before);
    /* with --wait: done at once */
    free(fct_sql_value(e.db, "DELETE FROM casts WHERE fid = 1"));
    assert_int_equal(fcindex4(&e, "backfill", "--fid", "1", "--wait", NULL), 0);
    assert_int_equal(fct_sql_ll(e.db, casts_of_1), before);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

/* strategy.expansion_depth 2 and 3: the target set (with how each got in)
 * equals `hubsim truth --depth N` after backfill and the stream. (The
 * simulator's *ByFid pages already show the stream's follows, so this checks
 * the recompute after each backfill; the one after a followed page of the
 * live stream is the same function.) */
static void expansion_depth_matches_truth(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    for (int depth = 2; depth <= 3; depth++) {
        char var[64], dtext[8];
        struct env e;
        env_create(&e, depth == 2 ? "depth2" : "depth3", port);
        snprintf(var, sizeof(var), "FCINDEX_STRATEGY_EXPANSION_DEPTH=%d", depth);
        env_reach_from_37(&e, var);
        index_fully(&e);
        snprintf(dtext, sizeof(dtext), "%d", depth);
        const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET_ARGS, "--roots", "37",
                              "--clients", "1", "--depth", dtext, NULL};
        yajl_val truth = fct_hubsim_truth(argv);
        char what[32];
        snprintf(what, sizeof(what), "depth %d: target set", depth);
        size_t nt = fct_assert_target_set(e.db, truth, what);
        fprintf(stderr, "depth %d: %zu targets, as the truth says\n", depth, nt);
        yajl_tree_free(truth);
        fct_db_drop(e.db);
    }
    fct_hubsim_stop(pid);
}


/* "fid:root" of every target, or with ":source" too. */
static char *target_set(const char *db, bool sources)
{
    return fct_sql_value(db, sources ? "SELECT string_agg(fid||':'||(CASE WHEN is_root THEN 't' "
                                       "ELSE 'f' END)||':'||source, ',' ORDER BY fid) FROM targets"
                                     : "SELECT string_agg(fid||':'||(CASE WHEN is_root THEN 't' "
                                       "ELSE 'f' END), ',' ORDER BY fid) FROM targets");
}

/* The same from `hubsim truth --roots ROOTS --clients 1 --depth 2`. */
static char *truth_set(const char *roots, bool sources)
{
    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET_ARGS, "--roots", roots,
                          "--clients", "1", "--depth", "2", NULL};
    yajl_val truth = fct_hubsim_truth(argv);
    char *set = fct_truth_target_set(truth, sources);
    yajl_tree_free(truth);
    return set;
}

static void expect_set(const char *what, char *got, char *want)
{
    if (strcmp(got, want) != 0)
        fail_msg("%s: target set\n got  [%.800s]\n want [%.800s]", what, got, want);
    free(got);
    free(want);
}

/* Live follows of fid to accounts that are not targets. */
static long long follows_outside(const char *db, const char *fid)
{
    char sql[400];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM links l WHERE l.fid = %s AND l.type = "
             "'follow' AND NOT l.is_remove AND l.deleted_at IS NULL AND NOT EXISTS (SELECT 1 "
             "FROM targets t WHERE t.fid = l.target_fid)", fid);
    char *n = fct_sql_value(db, sql);
    long long v = atoll(n);
    free(n);
    return v;
}

static void admin_root(struct fct_serve *api, const char *fid, bool root)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/admin/targets/%s", api->port, fid);
    struct fct_http h;
    fct_http_request("PUT", url, (const char *[]){"Content-Type: application/json", api->cookie,
                                                  api->csrf, NULL},
                     root ? "{\"root\":true}" : "{\"root\":false}", 10000, &h);
    if (h.status != 200)
        fail_msg("PUT %s: %ld %s", url, h.status, h.body.data);
    fct_http_cleanup(&h);
}

/* expansion_depth 2: promoting a target (admin API or CLI) makes its follows
 * targets at once, before any backfill, and after the backfills the set is
 * the truth's with it as a root; demoting it drops at once every account
 * only it reached: the set is the truth's without it again. */
static void promote_and_demote_recompute_the_reach(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    struct env e;
    env_create(&e, "promote", port);
    env_reach_from_37(&e, "FCINDEX_STRATEGY_EXPANSION_DEPTH=2");
    index_fully(&e);
    expect_set("after the first backfill", target_set(e.db, true), truth_set("37", true));
    /* a target two hops out that follows accounts outside the set */
    char *y = fct_sql_value(e.db, "SELECT min(t.fid) FROM targets t JOIN links l ON l.fid = t.fid "
                                "AND l.type = 'follow' AND NOT l.is_remove AND l.deleted_at IS "
                                "NULL WHERE t.depth = 2 AND NOT EXISTS (SELECT 1 FROM targets x "
                                "WHERE x.fid = l.target_fid)");
    assert_true(*y);
    char roots[64];
    snprintf(roots, sizeof(roots), "37,%s", y);
    const char *api_env[] = {e.vars[0], e.vars[1], e.vars[2], e.vars[3], e.vars[4], e.vars[6],
                             e.vars[7], "FCINDEX_API_LISTEN=127.0.0.1:0",
                             "FCINDEX_AUTH_ADMIN_PASSWORD=promote test password", NULL};
    struct fct_serve api;
    fct_serve_start(&api, "api", api_env);
    fct_serve_login(&api, "promote test password");
    for (int round = 0; round < 2; round++) {
        /* round 0: promoted by the API, demoted by the CLI; round 1 the other way */
        assert_true(follows_outside(e.db, y) > 0);
        if (round == 0) {
            admin_root(&api, y, true);
        } else {
            struct fc_buf out = FC_BUF_INIT;
            assert_int_equal(fct_run((const char *[]){fct_fcindex_bin(), "targets", "promote", y,
                                                      NULL}, e.vars, &out), 0);
            fc_buf_cleanup(&out);
        }
        if (follows_outside(e.db, y) != 0)
            fail_msg("round %d: %lld follows of the new root %s are not targets", round,
                     follows_outside(e.db, y), y);
        index_fully(&e);
        expect_set("promoted, then backfilled", target_set(e.db, false), truth_set(roots, false));
        if (round == 0) {
            struct fc_buf out = FC_BUF_INIT;
            assert_int_equal(fct_run((const char *[]){fct_fcindex_bin(), "targets", "demote", y,
                                                      NULL}, e.vars, &out), 0);
            fc_buf_cleanup(&out);
        } else {
            admin_root(&api, y, false);
        }
        /* no backfill, no stream: the demotion alone */
        expect_set("demoted", target_set(e.db, true), truth_set("37", true));
    }
    fct_serve_stop(&api, SIGTERM);
    free(y);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

/* The fids of a "fid:root[:source]" list, as a NUL-separated sorted set
 * for membership tests. */
static bool set_has(const char *set, const char *fid)
{
    size_t n = strlen(fid);
    for (const char *p = set; p && *p;) {
        if (strncmp(p, fid, n) == 0 && p[n] == ':')
            return true;
        p = strchr(p, ',');
        p = p ? p + 1 : NULL;
    }
    return false;
}

/* expansion_depth 2 on a live network: after a first backfill, only the
 * stream is read. Follows and unfollows by targets within the depth change
 * the reach, and the recompute each such page triggers drops at once every
 * account no longer reached (no backfill runs to do it); once the accounts
 * newly reached are backfilled, the set is `hubsim truth --depth 2`. The
 * first backfill reads a simulator that stops at block 41; a second one, the
 * same network, then goes on live to block 141 (so the window of follows and
 * unfollows after the backfill does not depend on how long it took). */
static void stream_follows_recompute_the_reach(void **state)
{
    (void)state;
#define LIVE_NET "--seed", "5", "--fids", "300", "--events-per-sec", "400", "--tick-ms", "200", \
                 "--history-ticks", "40"
    int port;
    int pid = fct_hubsim_start((const char *[]){LIVE_NET, "--live-ticks", "1", NULL}, &port);
    struct env e;
    env_create(&e, "streamreach", port);
    env_reach_from_37(&e, "FCINDEX_STRATEGY_EXPANSION_DEPTH=2");
    fct_hubsim_wait_tick(port, 41, 20000); /* static at block 41 */
    index_fully(&e);
    fct_hubsim_stop(pid);
    pid = fct_hubsim_start((const char *[]){LIVE_NET, "--live-ticks", "101", NULL}, &port);
    env_init(&e, port);
    env_reach_from_37(&e, "FCINDEX_STRATEGY_EXPANSION_DEPTH=2");
    char *before = target_set(e.db, false);
    /* the live stream ends at block 141 (20 s) */
    fct_hubsim_wait_tick(port, 141, 120000);
    assert_int_equal(fcindex(&e, "sync", "--until-head", NULL, NULL), 0);
    char *until = fct_sql_value(e.db, "SELECT max(event_id) - 1 FROM hub_cursors");
    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", LIVE_NET, "--roots", "37",
                          "--clients", "1", "--depth", "2", "--until-event", until, NULL};
    yajl_val truth = fct_hubsim_truth(argv);
    char *want = fct_truth_target_set(truth, false), *want_src = fct_truth_target_set(truth, true);
    yajl_tree_free(truth);
    /* the stream's unfollows left accounts behind: none is a target any more */
    char *after = target_set(e.db, false);
    size_t left_behind = 0;
    char *save = NULL, *copy = fc_xstrdup(before);
    for (char *item = strtok_r(copy, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
        *strchr(item, ':') = '\0';
        if (set_has(want, item))
            continue;
        left_behind++;
        if (set_has(after, item))
            fail_msg("fid %s, no longer within 2 hops of the root, is still a target after "
                     "the stream", item);
    }
    free(copy);
    if (left_behind == 0)
        fail_msg("the live stream dropped nothing from the reach: nothing was tested");
    /* and what it newly reached is there once backfilled */
    index_fully(&e);
    expect_set("after the stream and the backfills", target_set(e.db, true), want_src);
    fprintf(stderr, "stream: %zu accounts left the reach\n", left_behind);
    free(want);
    free(after);
    free(before);
    free(until);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
#undef LIVE_NET
}

FCT_MAIN_NEEDS_DB(NULL, NULL, each_event_read_once_and_cursor_moves_forward,
                  valid_events_around_bad_ones_are_applied, backfill_fid_again_on_a_synced_target,
                  expansion_depth_matches_truth, promote_and_demote_recompute_the_reach,
                  stream_follows_recompute_the_reach)
