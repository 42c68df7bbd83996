/* Export then import: a database indexed from the simulator (plus rows with
 * awkward bytes: quotes, backslashes, newlines, emoji, control characters,
 * raw bytea) exported with --targets --clients --data and imported into an
 * empty migrated database gives identical tables, checked per table by a
 * checksum over every row (generated columns included); every table of the
 * schema is either compared or named as never exported. Importing again
 * skips every row; --replace reproduces the same tables; --dry-run leaves
 * nothing; a bad line imports nothing and names its line. Also `migrate
 * reset` refuses without --yes and empties the database with it. */
#include "support/fixture.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* db_a is indexed and exported, db_b imports it */
static struct fct_fixture fx;
static char *const db_a = fx.db, *const db_b = fx.db2, *const hubs = fx.hubs;

/* Tables an export never holds: secrets, sessions, bookkeeping, the pause
 * switch, and what is derived from casts again on import (search). */
static const char *const never_exported[] = {"schema_migrations", "instance_secrets",
                                             "ended_sessions", "job_queue_control",
                                             "job_queue_requests", "cast_search",
                                             "cast_search_queue", NULL};

/* Every live cast with text of db is searchable (the import indexed them
 * before it ended) and nothing else is, or is still queued. */
static void searchable_after_import(const char *db)
{
    fct_assert_sql(db, "SELECT count(*) FROM cast_search_queue", "0");
    fct_assert_sql(db, "SELECT (SELECT count(*) FROM casts WHERE deleted_at IS NULL AND text IS "
                       "NOT NULL) = (SELECT count(*) FROM cast_search s JOIN casts c USING (hash) "
                       "WHERE c.deleted_at IS NULL AND c.text IS NOT NULL AND s.tsv = "
                       "to_tsvector('simple', c.text)) AND (SELECT count(*) FROM casts) > 10",
                   "t");
}

static int fcindex(const char *db, struct fc_buf *out, const char *const *args)
{
    char e1[600], e2[200];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=%s", hubs);
    const char *env[] = {e1, e2, "REDIS_URL=", "FCINDEX_LOG_LEVEL=warn",
                         "FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                         "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", NULL};
    return fct_fcindex(args, env, out);
}

/* "rows:md5" of a table, computed here over every column's text. */
static char *checksum(const char *db, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof(sql), "SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, "
                               "E'\\n' ORDER BY t::text)), '') FROM %s t", table);
    return fct_sql_value(db, sql);
}

static bool excluded(const char *t)
{
    for (size_t i = 0; never_exported[i]; i++)
        if (strcmp(never_exported[i], t) == 0)
            return true;
    return false;
}

/* Every table of db_a compared with db_b; returns how many were. */
static int same_tables(const char *other)
{
    char *list = fct_sql_value(db_a, "SELECT string_agg(tablename, ',' ORDER BY tablename) FROM "
                                     "pg_tables WHERE schemaname = current_schema()");
    int compared = 0;
    for (char *t = strtok(list, ","); t; t = strtok(NULL, ",")) {
        if (excluded(t))
            continue;
        char *a = checksum(db_a, t), *b = checksum(other, t);
        if (strcmp(a, b) != 0)
            fail_msg("table %s differs: %s vs %s", t, a, b);
        compared++;
        free(a);
        free(b);
    }
    free(list);
    return compared;
}

/* validate_json.py's exit status for text against docs/cli/NAME.schema.json */
static int validate(const char *name, const char *text)
{
    return fct_validate_json(name, text);
}

static void round_trip_gives_identical_tables(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fcindex(db_a, &out, (const char *[]){"migrate", NULL}), 0);
    assert_int_equal(fcindex(db_a, &out, (const char *[]){"backfill", "--all-unsynced", "--wait",
                                                          NULL}), 0);
    assert_int_equal(fcindex(db_a, &out, (const char *[]){"sync", "--until-head", NULL}), 0);
    free(fct_sql_value(db_a,
        "INSERT INTO casts (hash, fid, text, embeds, mentions) VALUES (decode(repeat('ab', 20), "
        "'hex'), 1, E'quote \" back\\\\slash new\\nline tab\\t emoji \\U0001F438 ctl \\x01 end', "
        "'[{\"url\":\"https://x.example/?a=1&b=\\\"q\\\"\"}]', '{3,4}');"
        "INSERT INTO dead_letters (source, payload, reason) VALUES ('events:h:1', "
        "'\\x00ff0a5c22'::bytea, 'raw bytes');"
        "INSERT INTO dropped_targets (fid) VALUES (424242)"));
    fct_assert_sql(db_a, "SELECT (SELECT count(*) FROM casts) > 10 AND (SELECT count(*) "
                         "FROM targets) > 2 AND (SELECT count(*) FROM links) > 0", "t");

    assert_int_equal(fcindex(db_a, &out, (const char *[]){"export", "--targets", "--clients",
                                                          "--data", NULL}), 0);
    char *file = fct_write_temp(out.data);

    /* a dry run leaves nothing */
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"migrate", NULL}), 0);
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"import", file, "--dry-run", NULL}), 0);
    assert_non_null(strstr(out.data, "dry run (rolled back)"));
    fct_assert_sql(db_b, "SELECT (SELECT count(*) FROM targets) + (SELECT count(*) "
                         "FROM casts)", "0");

    /* into the empty database: identical */
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"import", file, NULL}), 0);
    assert_int_equal(same_tables(db_b), 15);
    searchable_after_import(db_b);
    /* again: every row is already there */
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"import", file, "--json", NULL}), 0);
    char *lines = fct_sql_value(db_a, "SELECT (SELECT count(*) FROM targets) + (SELECT count(*) "
                                      "FROM dropped_targets) + (SELECT count(*) FROM target_clients) "
                                      "+ (SELECT count(*) FROM casts)");
    assert_int_equal(validate("import", out.data), 0);
    assert_non_null(strstr(out.data, "\"targets\":0"));
    assert_non_null(strstr(out.data, "\"casts\":0"));
    free(lines);
    /* --replace after a local change: the export's rows again, the change gone */
    free(fct_sql_value(db_b, "UPDATE casts SET text = 'changed' WHERE fid = 1; "
                             "INSERT INTO targets (fid, source) VALUES (999999, 'admin')"));
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"import", file, "--replace", NULL}), 0);
    same_tables(db_b);
    searchable_after_import(db_b);
    fct_assert_sql(db_b, "SELECT count(*) FROM cast_search s JOIN casts c USING (hash) WHERE "
                         "c.fid = 1 AND s.tsv @@ 'changed'::tsquery", "0");
    /* new rows get new ids after the imported ones */
    free(fct_sql_value(db_b, "INSERT INTO dead_letters (source, payload, reason) VALUES "
                             "('x', 'y', 'z')"));
    fct_assert_sql(db_b, "SELECT count(DISTINCT id) = count(*) FROM dead_letters", "t");

    /* a bad line: nothing imported, its number named */
    char *bad = fct_write_temp("{\"table\":\"target_clients\",\"row\":{\"client_fid\":5,"
                               "\"source\":\"admin\",\"added_at\":\"2024-01-01T00:00:00Z\"}}\n"
                               "{\"table\":\"secrets\",\"row\":{}}\n");
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"import", bad, NULL}), 1);
    assert_non_null(strstr(out.data, "line 2: \"secrets\" is not a table"));
    fct_assert_sql(db_b, "SELECT count(*) FROM target_clients WHERE client_fid = 5", "0");
    unlink(bad);
    free(bad);

    /* migrate reset: refused without --yes, then everything goes */
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"migrate", "reset", NULL}), 2);
    fct_assert_sql(db_b, "SELECT count(*) > 0 FROM casts", "t");
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"migrate", "reset", "--yes", NULL}), 0);
    fct_assert_sql(db_b, "SELECT (SELECT count(*) FROM casts) + (SELECT count(*) "
                         "FROM targets)", "0");
    assert_int_equal(fcindex(db_b, &out, (const char *[]){"migrate", "status", NULL}), 0);
    assert_non_null(strstr(out.data, "0 pending"));
    unlink(file);
    free(file);
    fc_buf_cleanup(&out);
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create("dumpa", fx.db, sizeof(fx.db));
    fct_db_create("dumpb", fx.db2, sizeof(fx.db2));
    fct_fixture_hubsim(&fx, (const char *[]){"--seed", "3", "--fids", "80", "--history-ticks",
                                             "20", NULL});
    return 0;
}

FCT_MAIN_NEEDS_DB(setup, fct_fixture_teardown, round_trip_gives_identical_tables)
