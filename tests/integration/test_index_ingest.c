/* Ingest correctness against the simulator: bad items inside good event
 * pages (hubsim item faults) cost no valid event around them, each event is
 * read once, the bad ones land in dead_letters with their exact bytes and
 * the cursor only moves forward; `backfill --fid` on a synced target really
 * backfills it again. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "fc/decode.h"

#define NET_ARGS "--seed", "5", "--fids", "300", "--history-ticks", "40"
/* invalid UTF-8 in a cast's text, a profile value or a name: links,
 * reactions, verifications and on-chain events stay valid to compare */
#define UTF8_FAULTS "{\"endpoint\":\"/v1/events\",\"bad_item_rate\":0.05,\"bad_item_ways\":[\"utf8\"]}"

struct env {
    char e_db[600], e_hubs[300];
    const char *vars[10];
};

static void env_init(struct env *e, const char *db, int port)
{
    snprintf(e->e_db, sizeof(e->e_db), "DATABASE_URL=%s", db);
    snprintf(e->e_hubs, sizeof(e->e_hubs), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    const char *v[] = {e->e_db, e->e_hubs, "FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                       "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", "FCINDEX_LOG_LEVEL=error",
                       "FCINDEX_HUBS_RETRIES=30", "REDIS_URL=", NULL};
    memcpy(e->vars, v, sizeof(v));
}

static int fcindex4(struct env *e, const char *a, const char *b, const char *c, const char *d,
                    struct fc_buf *out)
{
    const char *argv[] = {fct_fcindex_bin(), a, b, c, d, NULL};
    struct fc_buf local = FC_BUF_INIT;
    if (!out)
        out = &local;
    int rc = fct_run(argv, e->vars, out);
    if (rc != 0)
        fprintf(stderr, "fcindex %s %s: rc %d: %s\n", a, b ? b : "", rc, out->data);
    fc_buf_cleanup(&local);
    return rc;
}

static int fcindex(struct env *e, const char *a, const char *b, const char *c, struct fc_buf *out)
{
    return fcindex4(e, a, b, c, NULL, out);
}

static void index_fully(struct env *e, const char *db)
{
    assert_int_equal(fcindex(e, "migrate", NULL, NULL, NULL), 0);
    for (int round = 0; round < 6; round++) {
        assert_int_equal(fcindex(e, "backfill", "--all-unsynced", "--wait", NULL), 0);
        assert_int_equal(fcindex(e, "sync", "--until-head", NULL, NULL), 0);
        char *pending = fct_sql_value(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL");
        bool done = strcmp(pending, "0") == 0;
        free(pending);
        if (done)
            return;
    }
    fail_msg("targets still pending after 6 rounds");
}

/* Everything but casts, user data and proofs (the rows bad UTF-8 can hit). */
static char *fingerprint(const char *db)
{
    return fct_sql_value(db,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(encode(hash,'hex')||':'||is_remove||':'||coalesce(deleted_reason,'-'), ',' ORDER BY hash) FROM reactions),"
        " (SELECT string_agg(encode(hash,'hex')||':'||is_remove||':'||coalesce(deleted_reason,'-'), ',' ORDER BY hash) FROM links),"
        " (SELECT string_agg(encode(hash,'hex')||':'||is_remove||':'||coalesce(deleted_reason,'-'), ',' ORDER BY hash) FROM verifications),"
        " (SELECT string_agg(fid||':'||coalesce(app_fid::text,'')||':'||coalesce(encode(custody_address,'hex'),'')||':'||"
        "   coalesce(encode(recovery_address,'hex'),''), ',' ORDER BY fid) FROM users),"
        " (SELECT string_agg(fid||':'||is_root||':'||source||':'||(last_synced_at IS NOT NULL), ',' ORDER BY fid) FROM targets),"
        " (SELECT string_agg(fid||':'||encode(key,'hex')||':'||coalesce(request_fid::text,'')||':'||(removed_at IS NULL), ',' ORDER BY fid, key) FROM signers),"
        " (SELECT string_agg(chain_id||':'||encode(transaction_hash,'hex')||':'||log_index, ',' ORDER BY chain_id, transaction_hash, log_index) FROM onchain_events),"
        " (SELECT string_agg(hub||':'||shard||':'||event_id, ',' ORDER BY hub, shard) FROM hub_cursors)))");
}

static size_t count_of(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void post_faults(int port, const char *json)
{
    char u[128];
    snprintf(u, sizeof(u), "http://127.0.0.1:%d/_sim/faults", port);
    struct fct_http h;
    fct_http_do(u, json, 5000, &h);
    assert_int_equal(h.status, 200);
    fct_http_cleanup(&h);
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
    char clean[512], faulty[512];
    fct_db_create("badclean", clean, sizeof(clean));
    fct_db_create("badfaulty", faulty, sizeof(faulty));
    struct env e;
    env_init(&e, clean, port);
    index_fully(&e, clean);
    post_faults(port, UTF8_FAULTS);
    env_init(&e, faulty, port);
    index_fully(&e, faulty);
    char *want = fingerprint(clean), *got = fingerprint(faulty);
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
        size_t len = strlen(hex) / 2;
        char *bytes = fc_xmalloc(len + 1);
        for (size_t k = 0; k < len; k++) {
            unsigned v;
            sscanf(hex + 2 * k, "%2x", &v);
            bytes[k] = (char)v;
        }
        bytes[len] = '\0';
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
    char db[512];
    fct_db_create("badonce", db, sizeof(db));
    struct env e;
    env_init(&e, db, port);
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL, NULL), 0);
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(&e, "sync", "--until-head", NULL, &out), 0);
    char want[64];
    snprintf(want, sizeof(want), " %zu events,", total);
    if (!strstr(out.data, want) || !strstr(out.data, " 0 blocks re-read"))
        fail_msg("wanted%s and no block read again, got: %s", want, out.data);
    fc_buf_cleanup(&out);
    unsigned long long read_bad = injected_bad_items(port) - before;
    char *dead = fct_sql_value(db, "SELECT count(*) || ':' || max(attempts) FROM dead_letters");
    char want_dead[64];
    snprintf(want_dead, sizeof(want_dead), "%llu:1", read_bad);
    assert_string_equal(dead, want_dead);
    free(dead);
    for (unsigned s = 1; s <= 2; s++) {
        char sql[160], id[32];
        snprintf(sql, sizeof(sql), "SELECT event_id FROM hub_cursors WHERE shard = %u", s);
        snprintf(id, sizeof(id), "%llu", last_id[s] + 1);
        char *cur = fct_sql_value(db, sql);
        assert_string_equal(cur, id);
        free(cur);
    }
    fct_db_drop(db);
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
    char db[512];
    fct_db_create("rebackfill", db, sizeof(db));
    struct env e;
    env_init(&e, db, port);
    index_fully(&e, db);
    char *before = fct_sql_value(db, "SELECT count(*) FROM casts WHERE fid = 1");
    assert_true(atoi(before) > 0);
    char *synced = fct_sql_value(db, "SELECT last_synced_at IS NOT NULL FROM targets WHERE fid = 1");
    assert_string_equal(synced, "t");
    free(synced);
    free(fct_sql_value(db, "DELETE FROM casts WHERE fid = 1"));
    /* without --wait: queued for a running indexer */
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(&e, "backfill", "--fid", "1", &out), 0);
    assert_non_null(strstr(out.data, "fid 1 queued"));
    fc_buf_cleanup(&out);
    char *pending = fct_sql_value(db, "SELECT last_synced_at IS NULL FROM targets WHERE fid = 1");
    assert_string_equal(pending, "t");
    free(pending);
    assert_int_equal(fcindex(&e, "backfill", "--all-unsynced", "--wait", NULL), 0);
    char *after = fct_sql_value(db, "SELECT count(*) FROM casts WHERE fid = 1");
    assert_string_equal(after, before);
    free(after);
    /* with --wait: done at once */
    free(fct_sql_value(db, "DELETE FROM casts WHERE fid = 1"));
    assert_int_equal(fcindex4(&e, "backfill", "--fid", "1", "--wait", NULL), 0);
    after = fct_sql_value(db, "SELECT count(*) FROM casts WHERE fid = 1");
    assert_string_equal(after, before);
    free(after);
    free(before);
    fct_db_drop(db);
    fct_hubsim_stop(pid);
}

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return yajl_tree_get(v, p, yajl_t_any);
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
        char db[512], var[64], dtext[8];
        fct_db_create(depth == 2 ? "depth2" : "depth3", db, sizeof(db));
        struct env e;
        env_init(&e, db, port);
        snprintf(var, sizeof(var), "FCINDEX_STRATEGY_EXPANSION_DEPTH=%d", depth);
        /* one root whose reach grows by hops (1: 9 accounts, 2: 98, 3: 287 of
         * 300), no sign-up roots (no app is fid 1) */
        e.vars[2] = "FCINDEX_STRATEGY_ROOT_TARGETS=37";
        e.vars[3] = "FCINDEX_STRATEGY_TARGET_CLIENTS=1";
        e.vars[7] = var;
        e.vars[8] = NULL;
        index_fully(&e, db);
        snprintf(dtext, sizeof(dtext), "%d", depth);
        struct fc_buf out = FC_BUF_INIT;
        const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET_ARGS, "--roots", "37",
                              "--clients", "1", "--depth", dtext, NULL};
        assert_int_equal(fct_run(argv, NULL, &out), 0);
        char err[128];
        yajl_val truth = yajl_tree_parse(out.data, err, sizeof(err));
        fc_buf_cleanup(&out);
        assert_non_null(truth);
        yajl_val targets = get(truth, "targets");
        struct fc_buf want = FC_BUF_INIT;
        fc_buf_puts(&want, "");
        size_t nt = YAJL_GET_ARRAY(targets)->len;
        for (size_t i = 0; i < nt; i++) {
            yajl_val t = YAJL_GET_ARRAY(targets)->values[i];
            fc_buf_printf(&want, "%s%lld:%s:%s", i ? "," : "", YAJL_GET_INTEGER(get(t, "fid")),
                          YAJL_IS_TRUE(get(t, "is_root")) ? "t" : "f",
                          YAJL_GET_STRING(get(t, "source")));
        }
        char *got = fct_sql_value(db, "SELECT string_agg(fid||':'||(CASE WHEN is_root THEN 't' "
                                      "ELSE 'f' END)||':'||source, ',' ORDER BY fid) FROM targets");
        if (strcmp(got, want.data) != 0)
            fail_msg("depth %d: target set\n got  [%.600s]\n want [%.600s]", depth, got, want.data);
        fprintf(stderr, "depth %d: %zu targets, as the truth says\n", depth, nt);
        free(got);
        fc_buf_cleanup(&want);
        yajl_tree_free(truth);
        fct_db_drop(db);
    }
    fct_hubsim_stop(pid);
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(each_event_read_once_and_cursor_moves_forward),
        cmocka_unit_test(valid_events_around_bad_ones_are_applied),
        cmocka_unit_test(backfill_fid_again_on_a_synced_target),
        cmocka_unit_test(expansion_depth_matches_truth),
    };
    return fct_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
