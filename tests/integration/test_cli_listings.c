/* Listings of the CLI: every --json output validates against its schema in
 * docs/cli/ (python3 jsonschema), and says what the database holds: targets
 * in each job state, inserted here, are filtered, sorted, paged and summed
 * as inserted; `targets add` makes a root unless --non-root, as the API;
 * migrate status lists the migrations PostgreSQL records. */
#include "support/fixture.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static struct fct_fixture fx;
static char *const db_url = fx.db;

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static int run(struct fc_buf *out, const char *const *args)
{
    char e1[600];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db_url);
    const char *env[] = {e1, "REDIS_URL=", "FCINDEX_LOG_LEVEL=warn", NULL};
    return fct_fcindex(args, env, out);
}

/* Exit status of validate_json.py for text against docs/cli/NAME.schema.json. */
static int validate(const char *name, const char *text)
{
    return fct_validate_json(name, text);
}

/* Runs a --json command, checks exit 0 and the schema, returns the tree. */
static yajl_val json_of(const char *schema, const char *const *args)
{
    struct fc_buf out = FC_BUF_INIT;
    int rc = run(&out, args);
    if (rc)
        fail_msg("%s %s: exit %d: %s", args[0], args[1], rc, out.data);
    if (validate(schema, out.data))
        fail_msg("%s %s: output does not match docs/cli/%s.schema.json", args[0], args[1], schema);
    yajl_val v = yajl_tree_parse(out.data, NULL, 0);
    assert_non_null(v);
    fc_buf_cleanup(&out);
    return v;
}

static long long at(yajl_val v, const char *a, const char *b)
{
    yajl_val x = get(v, a);
    if (b)
        x = get(x, b);
    assert_non_null(x);
    return YAJL_GET_INTEGER(x);
}

static void listings_validate_and_match_the_database(void **state)
{
    (void)state;
    struct fc_buf out0 = FC_BUF_INIT;
    /* one target per job state (2 pending), two sources, two roots */
    free(fct_sql_value(db_url,
        "INSERT INTO targets (fid, is_root, source, added_at, last_synced_at, last_error, "
        " backfill_attempts, backfill_started_at, backfill_held_at) VALUES "
        "(11, true, 'config', '2020-01-02', '2020-01-03', NULL, 0, NULL, NULL), "
        "(12, false, 'follow', '2021-05-01', NULL, 'hub down', 3, NULL, NULL), "
        "(13, false, 'follow', '2022-01-01', NULL, NULL, 0, NULL, now()), "
        "(14, false, 'follow', '2023-01-01', NULL, NULL, 0, now(), NULL), "
        "(15, true, 'admin', '2024-01-01', NULL, NULL, 0, NULL, NULL), "
        "(16, false, 'follow', '2024-06-01', NULL, NULL, 0, NULL, NULL);"
        "INSERT INTO users (fid, username) VALUES (15, 'fifteen');"
        "INSERT INTO target_clients (client_fid) VALUES (9152), (77)"));
    yajl_val v = json_of("targets-stats", (const char *[]){"targets", "stats", "--json", NULL});
    assert_int_equal(at(v, "total", NULL), 6);
    assert_int_equal(at(v, "roots", NULL), 2);
    assert_int_equal(at(v, "states", "pending"), 2);
    assert_int_equal(at(v, "states", "running"), 1);
    assert_int_equal(at(v, "states", "failed"), 1);
    assert_int_equal(at(v, "states", "held"), 1);
    assert_int_equal(at(v, "states", "synced"), 1);
    assert_int_equal(at(v, "sources", "follow"), 4);
    yajl_tree_free(v);

    v = json_of("targets-list", (const char *[]){"targets", "list", "--json", NULL});
    assert_int_equal(at(v, "total", NULL), 6);
    assert_int_equal(get(v, "targets")->u.array.len, 6);
    assert_true(YAJL_IS_NULL(get(v, "next_cursor")));
    yajl_tree_free(v);
    /* each state filter finds its own target */
    static const struct {
        const char *state;
        long long fid;
    } one[] = {{"synced", 11}, {"failed", 12}, {"held", 13}, {"running", 14}};
    for (size_t i = 0; i < sizeof(one) / sizeof(one[0]); i++) {
        v = json_of("targets-list", (const char *[]){"targets", "list", "--state", one[i].state,
                                                     "--json", NULL});
        yajl_val list = get(v, "targets");
        assert_int_equal(list->u.array.len, 1);
        assert_int_equal(at(list->u.array.values[0], "fid", NULL), one[i].fid);
        assert_string_equal(YAJL_GET_STRING(get(list->u.array.values[0], "state")), one[i].state);
        yajl_tree_free(v);
    }
    /* roots, newest first, one per page */
    v = json_of("targets-list", (const char *[]){"targets", "list", "--root", "--sort", "-fid",
                                                 "--limit", "1", "--json", NULL});
    assert_int_equal(at(v, "total", NULL), 2);
    assert_int_equal(at(get(v, "targets")->u.array.values[0], "fid", NULL), 15);
    assert_string_equal(YAJL_GET_STRING(get(v, "next_cursor")), "1");
    assert_string_equal(YAJL_GET_STRING(get(get(v, "targets")->u.array.values[0], "username")),
                        "fifteen");
    yajl_tree_free(v);
    v = json_of("targets-list", (const char *[]){"targets", "list", "--root", "--sort", "-fid",
                                                 "--limit", "1", "--offset", "1", "--json", NULL});
    assert_int_equal(at(get(v, "targets")->u.array.values[0], "fid", NULL), 11);
    yajl_tree_free(v);
    /* non-roots from follows added in [2022, 2024): 13 and 14; summary over the match */
    v = json_of("targets-list", (const char *[]){"targets", "list", "--non-root", "--source",
                                                 "follow", "--added-after", "2022-01-01",
                                                 "--added-before", "2024-01-01", "--json", NULL});
    assert_int_equal(at(v, "total", NULL), 2);
    assert_int_equal(at(get(v, "summary"), "states", "held"), 1);
    assert_int_equal(at(get(v, "summary"), "states", "running"), 1);
    assert_int_equal(at(get(v, "summary"), "states", "pending"), 0);
    yajl_tree_free(v);
    /* the date bounds, together and each on its own: after is inclusive,
     * before exclusive */
    static const struct {
        const char *bounds[5]; /* options and their values, NULL-terminated */
        long long total, first; /* first: the first target's fid (0: not checked) */
    } dated[] = {
        {{"--synced-after", "2020-01-03T00:00:00Z", "--synced-before", "2020-01-04"}, 1, 0},
        {{"--synced-before", "2020-01-03"}, 0, 0},
        {{"--synced-after", "2020-01-03T00:00:01Z"}, 0, 0},
        {{"--added-before", "2021-05-01"}, 1, 11},
        {{"--added-after", "2024-01-01"}, 2, 0}, /* 15 and 16 */
    };
    for (size_t i = 0; i < sizeof(dated) / sizeof(dated[0]); i++) {
        const char *args[8] = {"targets", "list"};
        size_t n = 2;
        for (const char *const *b = dated[i].bounds; *b; b++)
            args[n++] = *b;
        args[n] = "--json";
        v = json_of("targets-list", args);
        assert_int_equal(at(v, "total", NULL), dated[i].total);
        if (dated[i].first)
            assert_int_equal(at(get(v, "targets")->u.array.values[0], "fid", NULL),
                             dated[i].first);
        yajl_tree_free(v);
    }

    v = json_of("jobs-stats", (const char *[]){"jobs", "stats", "--json", NULL});
    assert_true(YAJL_IS_FALSE(get(v, "paused")));
    assert_int_equal(at(v, "states", "pending"), 2);
    assert_int_equal(at(v, "states", "held"), 1);
    assert_true(YAJL_IS_NULL(get(v, "queue"))); /* embedded: the server's memory */
    yajl_tree_free(v);
    v = json_of("jobs-failed", (const char *[]){"jobs", "failed", "--json", NULL});
    assert_int_equal(get(v, "failed")->u.array.len, 1);
    assert_int_equal(at(get(v, "failed")->u.array.values[0], "attempts", NULL), 3);
    yajl_tree_free(v);
    v = json_of("clients-list", (const char *[]){"clients", "list", "--json", NULL});
    assert_int_equal(get(v, "clients")->u.array.len, 2);
    assert_int_equal(YAJL_GET_INTEGER(get(v, "clients")->u.array.values[0]), 77);
    yajl_tree_free(v);

    /* db report: every table of the schema, sizes, and the targets' live rows after ANALYZE */
    free(fct_sql_value(db_url, "ANALYZE targets"));
    v = json_of("db-report", (const char *[]){"db", "report", "--json", NULL});
    yajl_val tables = get(v, "tables");
    bool seen_targets = false;
    for (size_t i = 0; i < tables->u.array.len; i++) {
        yajl_val t = tables->u.array.values[i];
        yajl_val name = get(t, "table");
        if (YAJL_IS_STRING(name) && strcmp(name->u.string, "targets") == 0) {
            seen_targets = true;
            assert_int_equal(at(t, "live_rows", NULL), 6);
            assert_true(at(t, "total_bytes", NULL) > 0);
        }
    }
    assert_true(seen_targets);
    char *ntables = fct_sql_value(db_url, "SELECT count(*) FROM pg_tables WHERE schemaname = "
                                          "current_schema()");
    assert_int_equal(tables->u.array.len, atoll(ntables));
    free(ntables);
    yajl_tree_free(v);
    assert_int_equal(run(&out0, (const char *[]){"db", "report", NULL}), 0);
    assert_non_null(strstr(out0.data, "slowest statements:"));
    assert_non_null(strstr(out0.data, "advice:"));
    fc_buf_cleanup(&out0);

    /* the schemas do reject what they must */
    assert_int_not_equal(validate("clients-list", "{\"clients\":[\"77\"]}"), 0);
    assert_int_not_equal(validate("targets-stats", "{\"total\":1}"), 0);
    assert_int_not_equal(validate("jobs-stats", "paused"), 0);

    /* bad filters are usage errors naming the option */
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(run(&out, (const char *[]){"targets", "list", "--state", "asleep", NULL}), 2);
    assert_non_null(strstr(out.data, "state: expected pending"));
    assert_int_equal(run(&out, (const char *[]){"targets", "list", "--added-after", "yesterday",
                                                NULL}), 2);
    assert_non_null(strstr(out.data, "added_after: a date"));
    assert_int_equal(run(&out, (const char *[]){"targets", "list", "--root", "--non-root", NULL}),
                     2);
    assert_int_equal(run(&out, (const char *[]){"targets", "list", "--limit", NULL}), 2);
    /* text form: a row per target and the summary line */
    assert_int_equal(run(&out, (const char *[]){"targets", "list", "--state", "failed", NULL}), 0);
    assert_non_null(strstr(out.data, "hub down"));
    assert_non_null(strstr(out.data, "1 targets, 0 roots; pending 0 running 0 failed 1"));
    /* add: a root unless --non-root (POST /admin/targets agrees) */
    assert_int_equal(run(&out, (const char *[]){"targets", "add", "21", NULL}), 0);
    assert_int_equal(run(&out, (const char *[]){"targets", "add", "22", "--non-root", NULL}), 0);
    fct_assert_sql(db_url, "SELECT string_agg(fid || ':' || is_root, ',' ORDER BY "
                           "fid) FROM targets WHERE fid IN (21, 22)", "21:true,22:false");
    fc_buf_cleanup(&out);
}

/* The embedded migrations, as the source tree names them: sql/migrations/NNNN_name.sql. */
static size_t migration_files(char names[][128], size_t max)
{
    char dir[1024];
    snprintf(dir, sizeof(dir), "%s/sql/migrations", fct_require_env("FCINDEX_SOURCE_DIR"));
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t n = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0 && n < max)
            snprintf(names[n++], 128, "%.*s", (int)(len - 4), e->d_name);
    }
    closedir(d);
    qsort(names, n, 128, (int (*)(const void *, const void *))strcmp);
    return n;
}

static const char *str_at(yajl_val v, const char *k)
{
    yajl_val x = get(v, k);
    return YAJL_IS_STRING(x) ? x->u.string : NULL;
}

/* migrate status --json: every file of sql/migrations applied at the time
 * PostgreSQL recorded; a version missing from schema_migrations is pending;
 * one only the database knows (a newer fcindex) is listed as unknown. */
static void migrate_status_json_says_what_is_applied(void **state)
{
    (void)state;
    char files[64][128];
    size_t nf = migration_files(files, 64);
    assert_true(nf >= 11);
    int last = atoi(files[nf - 1]);
    yajl_val v = json_of("migrate-status", (const char *[]){"migrate", "status", "--json", NULL});
    assert_int_equal(at(v, "pending", NULL), 0);
    assert_int_equal(at(v, "current_version", NULL), last);
    assert_int_equal(at(v, "latest_known_version", NULL), last);
    yajl_val list = get(v, "migrations");
    assert_int_equal(list->u.array.len, nf);
    for (size_t i = 0; i < nf; i++) {
        yajl_val m = list->u.array.values[i];
        assert_int_equal(at(m, "version", NULL), atoi(files[i]));
        assert_string_equal(str_at(m, "name"), files[i]);
        assert_string_equal(str_at(m, "state"), "applied");
        assert_true(YAJL_IS_TRUE(get(m, "known")));
        char q[200];
        snprintf(q, sizeof(q), "SELECT to_char(applied_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations "
                               "WHERE version = %d", atoi(files[i]));
        char *when = fct_sql_value(db_url, q);
        assert_string_equal(str_at(m, "applied_at"), when);
        free(when);
    }
    yajl_tree_free(v);

    /* the last one unrecorded, and a version from a newer binary */
    char q[300];
    snprintf(q, sizeof(q), "DELETE FROM schema_migrations WHERE version = %d; "
                           "INSERT INTO schema_migrations (version, name) VALUES (9999, "
                           "'9999_from_the_future')", last);
    free(fct_sql_value(db_url, q));
    v = json_of("migrate-status", (const char *[]){"migrate", "status", "--json", NULL});
    assert_int_equal(at(v, "pending", NULL), 1);
    assert_int_equal(at(v, "current_version", NULL), 9999);
    list = get(v, "migrations");
    assert_int_equal(list->u.array.len, nf + 1);
    yajl_val m = list->u.array.values[nf - 1];
    assert_string_equal(str_at(m, "state"), "pending");
    assert_true(YAJL_IS_NULL(get(m, "applied_at")));
    m = list->u.array.values[nf];
    assert_int_equal(at(m, "version", NULL), 9999);
    assert_string_equal(str_at(m, "name"), "9999_from_the_future");
    assert_string_equal(str_at(m, "state"), "applied");
    assert_true(YAJL_IS_FALSE(get(m, "known")));
    yajl_tree_free(v);
    /* the text form says the same */
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(run(&out, (const char *[]){"migrate", "status", NULL}), 0);
    assert_non_null(strstr(out.data, "unknown to this binary"));
    assert_non_null(strstr(out.data, "\n1 pending\n"));
    /* --json belongs to status only */
    assert_int_equal(run(&out, (const char *[]){"migrate", "--json", NULL}), 2);
    fc_buf_cleanup(&out);
    snprintf(q, sizeof(q), "DELETE FROM schema_migrations WHERE version = 9999; "
                           "INSERT INTO schema_migrations (version, name) VALUES (%d, '%s')", last,
             files[nf - 1]);
    free(fct_sql_value(db_url, q));
    assert_int_not_equal(validate("migrate-status", "{\"current_version\":1,"
                                  "\"latest_known_version\":1,\"pending\":0,\"migrations\":"
                                  "[{\"version\":1,\"name\":\"x\",\"state\":\"done\","
                                  "\"applied_at\":null,\"known\":true}]}"), 0);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create_migrated("clilist", fx.db, sizeof(fx.db));
    return 0;
}

FCT_MAIN_NEEDS_DB(setup, fct_fixture_teardown, listings_validate_and_match_the_database,
                  migrate_status_json_says_what_is_applied)
