/* `fcindex migrate` against a real PostgreSQL: creates every table and
 * index, is a no-op the second time, is safe when run concurrently, and
 * refuses a schema newer than the binary. */
#include "store/migrations.h"
#include "support/testenv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tables[] = {
    "targets", "target_clients", "users", "casts", "reactions", "links", "link_compact_states",
    "verifications", "user_data", "username_proofs", "onchain_events", "signers", "hub_cursors",
    "dead_letters", "schema_migrations", "dropped_targets",
};

static const char *const indexes[] = {
    "targets_unsynced", "targets_roots", "users_username", "casts_fid_time", "casts_parent",
    "casts_root_parent", "casts_parent_url", "casts_recent", "casts_text_search",
    "reactions_key_cast", "reactions_key_url", "reactions_target_cast", "reactions_target_url",
    "links_key", "links_followers", "links_following", "verifications_key",
    "verifications_address", "user_data_hash", "username_proofs_fid", "onchain_events_fid",
    "signers_app", "dead_letters_recent",
};

/* Expected counts come from the migrations embedded in the binary. */
static int n_migrations(void)
{
    int n = 0;
    while (fc_migrations[n].sql)
        n++;
    return n;
}

/* "applied N migration(s);" or, with pending, "\nN pending" */
static bool contains_count(const char *text, bool pending)
{
    char want[80];
    int n = n_migrations();
    if (pending)
        snprintf(want, sizeof(want), "\n%d pending", n);
    else
        snprintf(want, sizeof(want), "applied %d migration%s;", n, n == 1 ? "" : "s");
    return strstr(text, want) != NULL;
}

static int migrate(const char *url, const char *sub, struct fc_buf *out)
{
    char env[1024];
    snprintf(env, sizeof(env), "DATABASE_URL=%s", url);
    const char *extra[] = {env, NULL};
    const char *argv[] = {fct_fcindex_bin(), "migrate", sub, NULL};
    return fct_run(argv, extra, out);
}

static void creates_every_table_and_index_then_noop(void **state)
{
    (void)state;
    char url[512];
    fct_db_create("migrate", url, sizeof(url));
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(migrate(url, NULL, &out), 0);
    assert_true(contains_count(out.data, false));

    for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_tables WHERE tablename = '%s'",
                 tables[i]);
        char *v = fct_sql_value(url, sql);
        if (strcmp(v, "1") != 0)
            fail_msg("table %s missing", tables[i]);
        free(v);
    }
    for (size_t i = 0; i < sizeof(indexes) / sizeof(indexes[0]); i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM pg_indexes WHERE indexname = '%s'",
                 indexes[i]);
        char *v = fct_sql_value(url, sql);
        if (strcmp(v, "1") != 0)
            fail_msg("index %s missing", indexes[i]);
        free(v);
    }
    /* Hashes and addresses are bytea, fids bigint, text unbounded. */
    fct_assert_sql(url, "SELECT data_type FROM information_schema.columns "
                        "WHERE table_name='casts' AND column_name='hash'", "bytea");
    fct_assert_sql(url, "SELECT count(*) FROM information_schema.columns WHERE "
                        "table_schema='public' AND data_type='character varying'", "0");

    /* base58 for primary Solana addresses: leading '1's are zero bytes, bad text is NULL */
    fct_assert_sql(url, "SELECT encode(fc_base58_decode('112g'), 'hex') || '/' || "
                        "coalesce(encode(fc_base58_decode('0OIl'), 'hex'), 'null')", "000061/null");

    fc_buf_reset(&out);
    assert_int_equal(migrate(url, NULL, &out), 0);
    assert_non_null(strstr(out.data, "schema up to date"));
    char *rows = fct_sql_value(url, "SELECT count(*) FROM schema_migrations");
    assert_int_equal(atoi(rows), n_migrations());
    free(rows);

    fc_buf_reset(&out);
    assert_int_equal(migrate(url, "status", &out), 0);
    assert_non_null(strstr(out.data, "0001_init"));
    /* one "NNNN name applied <when>" line per migration, none pending */
    int applied_lines = 0;
    for (const char *line = out.data; line && *line;) {
        int version;
        char name[128], when[32];
        if (sscanf(line, "%d %127s applied %31s", &version, name, when) == 3 &&
            strlen(when) == 20 && when[4] == '-' && when[10] == 'T')
            applied_lines++;
        const char *nl = strchr(line, '\n');
        line = nl ? nl + 1 : NULL;
    }
    if (applied_lines != n_migrations())
        fail_msg("%d of %d migrations listed as applied:\n%s", applied_lines, n_migrations(),
                 out.data);
    assert_non_null(strstr(out.data, "0 pending"));
    fc_buf_cleanup(&out);
    fct_db_drop(url);
}

static void status_on_empty_database_lists_pending(void **state)
{
    (void)state;
    char url[512];
    fct_db_create("status", url, sizeof(url));
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(migrate(url, "status", &out), 0);
    assert_non_null(strstr(out.data, "0001_init"));
    assert_non_null(strstr(out.data, "pending"));
    assert_true(contains_count(out.data, true));
    fc_buf_cleanup(&out);
    fct_db_drop(url);
}

static void concurrent_migrators_do_the_work_once(void **state)
{
    (void)state;
    char url[512];
    fct_db_create("concurrent", url, sizeof(url));
    char env[1024];
    snprintf(env, sizeof(env), "DATABASE_URL=%s", url);
    const char *extra[] = {env, NULL};
    const char *argv[] = {fct_fcindex_bin(), "migrate", NULL};
    enum { N = 4 };
    int pid[N], fd[N];
    for (int i = 0; i < N; i++)
        pid[i] = fct_spawn(argv, extra, &fd[i]);
    int applied = 0, current = 0;
    for (int i = 0; i < N; i++) {
        struct fc_buf out = FC_BUF_INIT;
        assert_int_equal(fct_wait(pid[i], fd[i], &out), 0);
        applied += contains_count(out.data, false);
        current += strstr(out.data, "schema up to date") != NULL;
        fc_buf_cleanup(&out);
    }
    assert_int_equal(applied, 1);
    assert_int_equal(current, N - 1);
    char *rows = fct_sql_value(url, "SELECT count(*) FROM schema_migrations");
    assert_int_equal(atoi(rows), n_migrations());
    free(rows);
    fct_db_drop(url);
}

static void newer_schema_is_refused(void **state)
{
    (void)state;
    char url[512];
    fct_db_create("newer", url, sizeof(url));
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(migrate(url, NULL, &out), 0);
    free(fct_sql_value(url, "INSERT INTO schema_migrations (version, name) "
                            "VALUES (9999, '9999_from_the_future')"));
    fc_buf_reset(&out);
    assert_int_equal(migrate(url, NULL, &out), 1);
    assert_non_null(strstr(out.data, "version 9999"));
    assert_non_null(strstr(out.data, "newer fcindex"));
    fc_buf_reset(&out);
    assert_int_equal(migrate(url, "status", &out), 0);
    assert_non_null(strstr(out.data, "unknown to this binary"));
    fc_buf_cleanup(&out);
    fct_db_drop(url);
}

static void unreachable_database_is_a_clear_error(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(migrate("postgresql://nobody:secretpw@127.0.0.1:1/none", NULL, &out), 1);
    assert_non_null(strstr(out.data, "cannot connect to the database"));
    assert_null(strstr(out.data, "secretpw"));
    fc_buf_cleanup(&out);
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(creates_every_table_and_index_then_noop),
        cmocka_unit_test(status_on_empty_database_lists_pending),
        cmocka_unit_test(concurrent_migrators_do_the_work_once),
        cmocka_unit_test(newer_schema_is_refused),
        cmocka_unit_test(unreachable_database_is_a_clear_error),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
