/* fcindex debug over an indexed simulator network: `debug target` counts
 * each message kind in the database and on the hub and names a cast the
 * database lost (deleted here) as only on the hub and one it never had
 * (planted here) as only in the database; `debug hub` reports the
 * simulator's shards and heights; `debug queue` the jobs per state; an
 * unreachable hub is an error in the document, not a crash. Every output
 * validates against its schema in docs/cli/. */
#include "support/fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static struct fct_fixture fx;
static char *const db_url = fx.db, *const hubs = fx.hubs;

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static int fcindex(struct fc_buf *out, const char *hub, const char *const *args)
{
    char e1[600], e2[200];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db_url);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=%s", hub);
    const char *env[] = {e1, e2, "REDIS_URL=", "FCINDEX_LOG_LEVEL=warn",
                         "FCINDEX_STRATEGY_ROOT_TARGETS=1,2", "FCINDEX_HUBS_RETRIES=0", NULL};
    return fct_fcindex(args, env, out);
}

static yajl_val validated(const char *schema, const char *text)
{
    if (fct_validate_json(schema, text))
        fail_msg("%s: the output does not match its schema", schema);
    yajl_val v = yajl_tree_parse(text, NULL, 0);
    assert_non_null(v);
    return v;
}

static void debug_reports_database_hubs_and_queue(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(&out, hubs, (const char *[]){"migrate", NULL}), 0);
    assert_int_equal(fcindex(&out, hubs, (const char *[]){"backfill", "--all-unsynced", "--wait",
                                                          NULL}), 0);
    /* the baseline: what differs already (the test asserts only the change) */
    assert_int_equal(fcindex(&out, hubs, (const char *[]){"debug", "target", "1", NULL}), 0);
    yajl_val base = validated("debug-target", out.data);
    yajl_val bcasts = get(get(base, "kinds"), "casts");
    long long hub_casts = YAJL_GET_INTEGER(get(bcasts, "hubs"));
    size_t only_hub = get(bcasts, "only_in_hubs")->u.array.len;
    assert_true(only_hub < 5);
    /* the database loses one of fid 1's casts */
    char *lost = fct_sql_value(db_url, "DELETE FROM casts WHERE hash = (SELECT hash FROM casts "
                                       "WHERE fid = 1 AND deleted_at IS NULL AND text IS NOT NULL "
                                       "ORDER BY hash LIMIT 1) RETURNING '0x' || encode(hash, "
                                       "'hex')");
    assert_true(strlen(lost) == 42);
    /* and holds one the hub never had (a copy of another under a made-up hash) */
    free(fct_sql_value(db_url, "CREATE TEMP TABLE planted AS SELECT * FROM casts WHERE fid = 1 AND "
                               "deleted_at IS NULL AND text IS NOT NULL LIMIT 1; UPDATE planted "
                               "SET hash = decode(repeat('ab', 20), 'hex'); INSERT INTO casts "
                               "SELECT * FROM planted"));
    const char *planted = "0xabababababababababababababababababababab";
    size_t only_db = get(bcasts, "only_in_database")->u.array.len;
    char *left = fct_sql_value(db_url, "SELECT count(*) FROM casts WHERE fid = 1 AND deleted_at "
                                       "IS NULL AND text IS NOT NULL");
    assert_int_equal(fcindex(&out, hubs, (const char *[]){"debug", "target", "1", NULL}), 0);
    yajl_val v = validated("debug-target", out.data);
    yajl_val casts = get(get(v, "kinds"), "casts");
    assert_int_equal(YAJL_GET_INTEGER(get(casts, "database")), atoll(left));
    assert_int_equal(YAJL_GET_INTEGER(get(casts, "hubs")), hub_casts);
    yajl_val only = get(casts, "only_in_hubs");
    assert_int_equal(only->u.array.len, only_hub + 1);
    bool named = false;
    for (size_t i = 0; i < only->u.array.len; i++)
        named |= YAJL_IS_STRING(only->u.array.values[i]) &&
                 strcmp(only->u.array.values[i]->u.string, lost) == 0;
    assert_true(named);
    only = get(casts, "only_in_database");
    assert_int_equal(only->u.array.len, only_db + 1);
    named = false;
    for (size_t i = 0; i < only->u.array.len; i++)
        named |= YAJL_IS_STRING(only->u.array.values[i]) &&
                 strcmp(only->u.array.values[i]->u.string, planted) == 0;
    assert_true(named);
    assert_int_equal(YAJL_GET_INTEGER(get(casts, "differences")),
                     YAJL_GET_INTEGER(get(bcasts, "differences")) + 2);
    if (only_hub)
        fprintf(stderr, "note: before the deletion the hub already had %zu casts of fid 1 the "
                        "database lacks: %s\n", only_hub, out.data);
    yajl_tree_free(base);
    assert_int_equal(YAJL_GET_INTEGER(get(get(get(v, "kinds"), "user_data"), "differences")), 0);
    yajl_val target = get(get(v, "target"), "targets")->u.array.values[0];
    assert_string_equal(YAJL_GET_STRING(get(target, "state")), "synced");
    assert_true(YAJL_IS_NULL(get(v, "hub_error")));
    yajl_tree_free(v);
    free(lost);
    free(left);

    /* no hub: the database side still, the error said */
    assert_int_equal(fcindex(&out, "http://127.0.0.1:1", (const char *[]){"debug", "target", "1",
                                                                          NULL}), 0);
    v = validated("debug-target", out.data);
    assert_true(YAJL_IS_STRING(get(v, "hub_error")));
    assert_true(YAJL_IS_NULL(get(get(get(v, "kinds"), "casts"), "hubs")));
    yajl_tree_free(v);

    assert_int_equal(fcindex(&out, hubs, (const char *[]){"debug", "hub", "--json", NULL}), 0);
    v = validated("debug-hub", out.data);
    yajl_val hub = get(v, "hubs")->u.array.values[0];
    assert_true(YAJL_IS_TRUE(get(hub, "ok")));
    assert_string_equal(YAJL_GET_STRING(get(hub, "flavour")), "snapchain");
    assert_true(get(hub, "shards")->u.array.len >= 1);
    assert_true(YAJL_GET_INTEGER(get(get(hub, "shards")->u.array.values[0], "height")) > 0);
    yajl_tree_free(v);

    assert_int_equal(fcindex(&out, hubs, (const char *[]){"debug", "queue", NULL}), 0);
    v = validated("debug-queue", out.data);
    char *synced = fct_sql_value(db_url, "SELECT count(*) FROM targets WHERE last_synced_at IS "
                                         "NOT NULL");
    assert_int_equal(YAJL_GET_INTEGER(get(get(get(v, "stats"), "states"), "synced")),
                     atoll(synced));
    assert_int_equal(YAJL_GET_INTEGER(get(get(v, "running"), "total")), 0);
    free(synced);
    yajl_tree_free(v);
    assert_int_equal(fcindex(&out, hubs, (const char *[]){"debug", "target", "x", NULL}), 2);
    fc_buf_cleanup(&out);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create("debug", fx.db, sizeof(fx.db));
    fct_fixture_hubsim(&fx, (const char *[]){"--seed", "4", "--fids", "40", "--history-ticks",
                                             "10", NULL});
    return 0;
}

FCT_MAIN_NEEDS_DB(setup, fct_fixture_teardown, debug_reports_database_hubs_and_queue)
