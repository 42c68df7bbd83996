/* Verified ingest end to end, against the simulator with its forge fault
 * (messages whose text, hash, signature or signer was altered after signing):
 * - verify.mode=enforce (the default): backfill and the event stream put each
 *   forged message in dead_letters with its reason (hash mismatch, bad
 *   signature, unknown signer), as many per reason as the simulator forged
 *   on the backfill endpoints, and write every other message: each cast and
 *   reaction the simulator's truth lists is in its table or in a dead
 *   letter, and no dead-lettered message is in a table;
 * - verify.mode=log: the same forged messages are written, none goes to
 *   dead_letters, and /metrics counts each failure by reason;
 * - the stream fetches an account's signer events once, not at each turn. */
#include "support/hubsim_ctl.h"
#include "support/fixture.h"
#include "support/serve.h"
#include "support/truth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/backoff.h"

static struct fct_fixture fx;
static char *const hubs = fx.hubs;

#define FIDS "300"
#define TICKS "40"
#define ROOTS "1,2,3"

static const char *const byfid[] = {"/v1/castsByFid", "/v1/reactionsByFid", "/v1/linksByFid",
                                    "/v1/userDataByFid", "/v1/verificationsByFid"};

/* Sets the same forge rule on the given endpoints (ways: JSON array text). */
static void forge(const char *const *endpoints, size_t n, double rate, const char *ways)
{
    fct_hubsim_faults(fx.sim_port, "{\"clear\":true}");
    for (size_t i = 0; i < n; i++) {
        char body[300];
        snprintf(body, sizeof(body), "{\"endpoint\":\"%s\",\"forge_rate\":%g,\"forge_ways\":%s}",
                 endpoints[i], rate, ways);
        fct_hubsim_faults(fx.sim_port, body);
    }
}

/* injected.forged.<way> from the simulator's fault counters. */
static long long forged(const char *way)
{
    return fct_hubsim_number(fx.sim_port, "/_sim/faults",
                             (const char *const[]){"injected", "forged", way, NULL});
}

/* fcindex with args (args[0] the command) in verify.mode=enforce, with one
 * more variable (or NULL), failing the test with its output unless it exits 0. */
static void fcindex_ok_with(const char *db, const char *extra, const char *const *args)
{
    char e1[600], e2[200];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=%s", hubs);
    const char *env[] = {e1, e2, "FCINDEX_VERIFY_MODE=enforce", "REDIS_URL=",
                         "FCINDEX_LOG_LEVEL=warn", "FCINDEX_STRATEGY_ROOT_TARGETS=" ROOTS, extra,
                         NULL};
    struct fc_buf out = FC_BUF_INIT;
    if (fct_fcindex(args, env, &out) != 0)
        fail_msg("%s: %s", args[0], out.data);
    fc_buf_cleanup(&out);
}

static void fcindex_ok(const char *db, const char *const *args)
{
    fcindex_ok_with(db, NULL, args);
}

/* The simulator's expected state for the roots, as parsed JSON. */
static yajl_val truth(void)
{
    return fct_hubsim_truth((const char *[]){fct_require_env("HUBSIM_BIN"), "truth", "--seed",
                                             "5", "--fids", FIDS, "--history-ticks", TICKS,
                                             "--roots", ROOTS, NULL});
}

/* Of the hashes the truth lists (targets[].casts, or targets[].reactions[].hash)
 * for the accounts that are targets in the database (a forged follow that was
 * kept out leaves its account out of the target set), how many are neither
 * in table nor in a dead letter. */
static long long missing(const char *db, yajl_val t, const char *table)
{
    struct fc_buf arr = FC_BUF_INIT;
    fc_buf_puts(&arr, "ARRAY[''::text");
    const char *tp[] = {"targets", NULL};
    yajl_val targets = yajl_tree_get(t, tp, yajl_t_array);
    assert_non_null(targets);
    size_t n = 0;
    for (size_t i = 0; i < YAJL_GET_ARRAY(targets)->len; i++) {
        yajl_val tg = YAJL_GET_ARRAY(targets)->values[i];
        bool casts = strcmp(table, "casts") == 0;
        const char *lp[] = {casts ? "casts" : "reactions", NULL};
        yajl_val list = yajl_tree_get(tg, lp, yajl_t_array);
        for (size_t k = 0; list && k < YAJL_GET_ARRAY(list)->len; k++) {
            yajl_val e = YAJL_GET_ARRAY(list)->values[k];
            const char *hp[] = {"hash", NULL};
            const char *h = casts ? YAJL_GET_STRING(e)
                                  : YAJL_GET_STRING(yajl_tree_get(e, hp, yajl_t_string));
            assert_non_null(h);
            fc_buf_printf(&arr, ",'%llu:%s'",
                          (unsigned long long)YAJL_GET_INTEGER(yajl_tree_get(tg, (const char *[]){"fid", NULL}, yajl_t_number)),
                          h + 2);
            n++;
        }
    }
    fc_buf_puts(&arr, "]");
    assert_true(n > 50);
    char *sql = NULL;
    size_t len = (size_t)snprintf(NULL, 0, "x") + arr.len + 600;
    sql = malloc(len);
    snprintf(sql, len,
             "SELECT count(*) FROM unnest(%s) e, split_part(e, ':', 2) h WHERE e <> '' AND "
             "split_part(e, ':', 1)::bigint IN (SELECT fid FROM targets) AND decode(h, 'hex') "
             "NOT IN (SELECT hash FROM %s) AND '0x' || h NOT IN (SELECT convert_from(payload, "
             "'UTF8')::json->>'hash' FROM dead_letters WHERE reason IN ('hash mismatch', "
             "'bad signature', 'unknown signer'))",
             arr.data, table);
    long long m = fct_sql_ll(db, sql);
    free(sql);
    fc_buf_cleanup(&arr);
    return m;
}

/* Every cast and reaction the truth lists for the database's targets is in
 * its table or in a dead letter. */
static void assert_nothing_missing(const char *db)
{
    yajl_val t = truth();
    assert_int_equal(missing(db, t, "casts"), 0);
    assert_int_equal(missing(db, t, "reactions"), 0);
    yajl_tree_free(t);
}

/* Backfill: each way of forging gives its reason, one dead letter per
 * forged message. */
static void forged_messages_are_dead_lettered_with_their_reason(void **state)
{
    (void)state;
    char db[512];
    fct_db_create_migrated("verify", db, sizeof(db));
    long long text0 = forged("text"), hash0 = forged("hash"), sig0 = forged("signature"),
              signer0 = forged("signer");
    forge(byfid, 5, 0.04, "[\"text\",\"hash\",\"signature\",\"signer\"]");
    fcindex_ok(db, (const char *[]){"backfill", "--all-unsynced", "--wait", NULL});
    long long text = forged("text") - text0, hash = forged("hash") - hash0,
              sig = forged("signature") - sig0, signer = forged("signer") - signer0;
    assert_true(text > 0 && hash > 0 && sig > 0 && signer > 0);
    assert_int_equal(
        fct_sql_ll(db, "SELECT count(*) FROM dead_letters WHERE reason = 'hash mismatch'"),
        text + hash);
    assert_int_equal(
        fct_sql_ll(db, "SELECT count(*) FROM dead_letters WHERE reason = 'bad signature'"), sig);
    assert_int_equal(
        fct_sql_ll(db, "SELECT count(*) FROM dead_letters WHERE reason = 'unknown signer'"),
        signer);
    assert_int_equal(fct_sql_ll(db, "SELECT count(*) FROM dead_letters"),
                     text + hash + sig + signer);
    /* and a page with a forged message still wrote its other messages */
    assert_true(fct_sql_ll(db, "SELECT count(*) FROM casts") > 100);
    fct_db_drop(db);
}

/* Backfill and the stream with forged messages: no forged version is in a
 * table, everything else the hub serves is. (Forged hashes are left out
 * here: the truth names messages by their real hash.) */
static void forged_messages_leave_the_rest_applied(void **state)
{
    (void)state;
    char db[512];
    fct_db_create_migrated("verifyrest", db, sizeof(db));
    forge(byfid, 5, 0.04, "[\"text\",\"signature\",\"signer\"]");
    fcindex_ok(db, (const char *[]){"backfill", "--all-unsynced", "--wait", NULL});
    const char *events[] = {"/v1/events"};
    forge(events, 1, 0.2, "[\"text\",\"signature\",\"signer\"]");
    fcindex_ok(db, (const char *[]){"sync", "--until-head", NULL});
    /* the targets the stream added get their history */
    fcindex_ok(db, (const char *[]){"backfill", "--all-unsynced", "--wait", NULL});
    /* the stream's forged events that touch a target were caught too */
    assert_true(fct_sql_ll(db, "SELECT count(DISTINCT reason) FROM dead_letters "
                               "WHERE source LIKE 'events:%'") >= 2);
    /* no forged version was written (a genuine copy of a message forged on
     * one read may come in by the other path: the stream replays what the
     * backfill read): no altered text, and every cast of a backfilled target
     * (whose signer events are in `signers`) is signed by a key it added */
    assert_int_equal(fct_sql_ll(db, "SELECT count(*) FROM casts WHERE text LIKE 'forged %'"), 0);
    assert_int_equal(fct_sql_ll(db, "SELECT count(*) FROM casts c JOIN targets t USING (fid) WHERE "
                                    "t.last_synced_at IS NOT NULL AND c.signer IS NOT NULL AND NOT EXISTS (SELECT 1 FROM signers s WHERE s.fid = c.fid AND "
                                    "s.key = c.signer)"),
                     0);
    assert_true(fct_sql_ll(db, "SELECT count(*) FROM dead_letters WHERE reason = 'hash mismatch' "
                               "AND convert_from(payload, 'UTF8') LIKE '%\"text\":\"forged %'") > 0);
    assert_nothing_missing(db);
    fct_db_drop(db);
}

/* The stream, on a database with no signer rows (nothing backfilled): each
 * account whose messages it keeps has its signer events fetched from the hub
 * once, though the stream is read in many small pages over many turns. */
static void the_stream_fetches_an_accounts_signers_once(void **state)
{
    (void)state;
    char db[512];
    fct_db_create_migrated("verifyfetch", db, sizeof(db));
    fct_hubsim_faults(fx.sim_port, "{\"clear\":true}");
    long long before = fct_hubsim_requests(fx.sim_port, "/v1/onChainEventsByFid");
    long long pages0 = fct_hubsim_requests(fx.sim_port, "/v1/events");
    fcindex_ok_with(db, "FCINDEX_CONCURRENCY_EVENT_PAGE_SIZE=20",
                    (const char *[]){"sync", "--until-head", NULL});
    long long fetches = fct_hubsim_requests(fx.sim_port, "/v1/onChainEventsByFid") - before;
    long long pages = fct_hubsim_requests(fx.sim_port, "/v1/events") - pages0;
    long long authors = fct_sql_ll(
        db, "SELECT count(DISTINCT fid) FROM (SELECT fid FROM casts UNION ALL SELECT fid FROM "
            "reactions UNION ALL SELECT fid FROM links UNION ALL SELECT fid FROM verifications "
            "UNION ALL SELECT fid FROM user_data) m");
    assert_true(authors > 0 && pages > 10); /* many turns, or the test shows nothing */
    if (fetches > authors)
        fail_msg("%lld fetches of signer events for %lld accounts", fetches, authors);
    assert_int_equal(fct_sql_ll(db, "SELECT count(*) FROM dead_letters"), 0);
    fct_db_drop(db);
}

static double metric(const char *text, const char *series)
{
    const char *p = strstr(text, series);
    return p ? atof(p + strlen(series)) : -1;
}

static void log_mode_writes_and_counts(void **state)
{
    (void)state;
    char db[512];
    fct_db_create_migrated("verifylog", db, sizeof(db));
    /* ways that keep the message's hash, so the truth's hashes can be looked up */
    forge(byfid, 5, 0.04, "[\"text\",\"signature\",\"signer\"]");
    long long text0 = forged("text"), sig0 = forged("signature"), signer0 = forged("signer");
    char e1[600], e2[200];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=%s", hubs);
    const char *env[] = {e1, e2, "FCINDEX_VERIFY_MODE=log", "REDIS_URL=",
                         "FCINDEX_STRATEGY_ROOT_TARGETS=" ROOTS, "FCINDEX_API_LISTEN=127.0.0.1:0",
                         "FCINDEX_LOG_LEVEL=warn", "FCINDEX_AUTH_ADMIN_PASSWORD=verify-test-password",
                         "FCINDEX_AUTH_JWT_SECRET=verify-ingest-test-secret-0123456789abcdef",
                         "FCINDEX_AUTH_COOKIE_SECURE=false", NULL};
    struct fct_serve s;
    fct_serve_start(&s, "all", env);
    /* every target backfilled */
    assert_true(fct_wait_sql(db, "SELECT count(*) > 3 AND bool_and(last_synced_at IS NOT NULL) "
                                 "FROM targets", "t", 240000));
    long long text = forged("text") - text0, sig = forged("signature") - sig0,
              signer = forged("signer") - signer0;
    assert_true(text > 0 && sig > 0 && signer > 0);
    char url[100];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/metrics", s.port);
    struct fct_http h = {0};
    long long deadline = fct_now_ms() + 30000;
    bool counted = false;
    while (!counted && fct_now_ms() < deadline) {
        fct_http_cleanup(&h);
        fct_http_do(url, NULL, 5000, &h);
        counted = h.status == 200 &&
                  metric(h.body.data, "fcindex_messages_verified_total{result=\"hash_mismatch\"} ") >=
                      (double)text &&
                  metric(h.body.data, "fcindex_messages_verified_total{result=\"bad_signature\"} ") >=
                      (double)sig &&
                  metric(h.body.data, "fcindex_messages_verified_total{result=\"unknown_signer\"} ") >=
                      (double)signer;
        if (!counted)
            fc_sleep_ms(200, NULL);
    }
    if (!counted)
        fail_msg("metrics never counted %lld/%lld/%lld failures:\n%s", text, sig, signer,
                 h.body.data);
    assert_true(metric(h.body.data, "fcindex_messages_verified_total{result=\"ok\"} ") > 100);
    assert_true(metric(h.body.data, "fcindex_messages_rejected_total ") == 0);
    fct_http_cleanup(&h);
    fct_serve_stop(&s, SIGTERM);
    /* written anyway: nothing in dead letters, every truth message in its table */
    assert_int_equal(fct_sql_ll(db, "SELECT count(*) FROM dead_letters"), 0);
    assert_nothing_missing(db);
    fct_db_drop(db);
}

static int setup(void **state)
{
    *state = &fx;
    fct_fixture_hubsim(&fx, (const char *[]){"--seed", "5", "--fids", FIDS, "--history-ticks",
                                             TICKS, NULL});
    return 0;
}

FCT_MAIN_NEEDS_DB(setup, fct_fixture_teardown, forged_messages_are_dead_lettered_with_their_reason,
                  forged_messages_leave_the_rest_applied,
                  the_stream_fetches_an_accounts_signers_once, log_mode_writes_and_counts)
