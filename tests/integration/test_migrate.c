/* `fcindex migrate` against a real PostgreSQL: creates every table and
 * index, is a no-op the second time, is safe when run concurrently,
 * refuses a schema newer than the binary, and fills what a migration
 * derives from rows already there. */
#include "store/migrations.h"
#include "support/testenv.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const tables[] = {
    "targets", "target_clients", "users", "casts", "reactions", "links", "link_compact_states",
    "verifications", "user_data", "username_proofs", "onchain_events", "signers", "hub_cursors",
    "dead_letters", "schema_migrations", "dropped_targets", "cast_search", "cast_search_queue",
};

static const char *const indexes[] = {
    "targets_unsynced", "targets_roots", "users_username", "casts_fid_time", "casts_parent",
    "casts_root_parent", "casts_parent_url", "casts_recent", "cast_search_tsv",
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

/* Fails the test naming the first of names (each a what) that the catalog
 * view (pg_tables, pg_indexes) does not list once in its column. */
static void expect_in_catalog(const char *url, const char *what, const char *view,
                              const char *column, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char sql[256];
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM %s WHERE %s = '%s'", view, column,
                 names[i]);
        char *v = fct_sql_value(url, sql);
        if (strcmp(v, "1") != 0)
            fail_msg("%s %s missing", what, names[i]);
        free(v);
    }
}

/* `fcindex migrate [sub]` against the database at url: its arguments and
 * the environment entries to add. */
struct migrate_cmd {
    char env[1024];
    const char *extra[2];
    const char *argv[4];
};

static void migrate_cmd(struct migrate_cmd *m, const char *url, const char *sub)
{
    snprintf(m->env, sizeof(m->env), "DATABASE_URL=%s", url);
    m->extra[0] = m->env;
    m->extra[1] = NULL;
    m->argv[0] = fct_fcindex_bin();
    m->argv[1] = "migrate";
    m->argv[2] = sub;
    m->argv[3] = NULL;
}

static int migrate(const char *url, const char *sub, struct fc_buf *out)
{
    struct migrate_cmd m;
    migrate_cmd(&m, url, sub);
    return fct_run(m.argv, m.extra, out);
}

/* A fresh database and the output of the commands a test runs on it. */
struct fresh {
    char url[512];
    struct fc_buf out;
};

static void fresh_create(struct fresh *f, const char *tag)
{
    fct_db_create(tag, f->url, sizeof(f->url));
    f->out = (struct fc_buf)FC_BUF_INIT;
}

static void fresh_drop(struct fresh *f)
{
    fc_buf_cleanup(&f->out);
    fct_db_drop(f->url);
}

static void creates_every_table_and_index_then_noop(void **state)
{
    (void)state;
    struct fresh f;
    fresh_create(&f, "migrate");
    assert_int_equal(migrate(f.url, NULL, &f.out), 0);
    assert_true(contains_count(f.out.data, false));

    expect_in_catalog(f.url, "table", "pg_tables", "tablename", tables,
                      sizeof(tables) / sizeof(tables[0]));
    expect_in_catalog(f.url, "index", "pg_indexes", "indexname", indexes,
                      sizeof(indexes) / sizeof(indexes[0]));
    /* Hashes and addresses are bytea, fids bigint, text unbounded. */
    fct_assert_sql(f.url, "SELECT data_type FROM information_schema.columns "
                          "WHERE table_name='casts' AND column_name='hash'", "bytea");
    fct_assert_sql(f.url, "SELECT count(*) FROM information_schema.columns WHERE "
                          "table_schema='public' AND data_type='character varying'", "0");

    /* base58 for primary Solana addresses: leading '1's are zero bytes, bad text is NULL */
    fct_assert_sql(f.url,
                   "SELECT encode(fc_base58_decode('112g'), 'hex') || '/' || "
                   "coalesce(encode(fc_base58_decode('0OIl'), 'hex'), 'null')",
                   "000061/null");

    fc_buf_reset(&f.out);
    assert_int_equal(migrate(f.url, NULL, &f.out), 0);
    assert_non_null(strstr(f.out.data, "schema up to date"));
    assert_int_equal(fct_sql_ll(f.url, "SELECT count(*) FROM schema_migrations"), n_migrations());

    fc_buf_reset(&f.out);
    assert_int_equal(migrate(f.url, "status", &f.out), 0);
    assert_non_null(strstr(f.out.data, "0001_init"));
    /* one "NNNN name applied <when>" line per migration, none pending */
    int applied_lines = 0;
    for (const char *line = f.out.data; line && *line;) {
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
                 f.out.data);
    assert_non_null(strstr(f.out.data, "0 pending"));
    fresh_drop(&f);
}

static void status_on_empty_database_lists_pending(void **state)
{
    (void)state;
    struct fresh f;
    fresh_create(&f, "status");
    assert_int_equal(migrate(f.url, "status", &f.out), 0);
    assert_non_null(strstr(f.out.data, "0001_init"));
    assert_non_null(strstr(f.out.data, "pending"));
    assert_true(contains_count(f.out.data, true));
    fresh_drop(&f);
}

static void concurrent_migrators_do_the_work_once(void **state)
{
    (void)state;
    char url[512];
    fct_db_create("concurrent", url, sizeof(url));
    struct migrate_cmd m;
    migrate_cmd(&m, url, NULL);
    enum { N = 4 };
    int pid[N], fd[N];
    for (int i = 0; i < N; i++)
        pid[i] = fct_spawn(m.argv, m.extra, &fd[i]);
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
    assert_int_equal(fct_sql_ll(url, "SELECT count(*) FROM schema_migrations"), n_migrations());
    fct_db_drop(url);
}

static void newer_schema_is_refused(void **state)
{
    (void)state;
    struct fresh f;
    fresh_create(&f, "newer");
    assert_int_equal(migrate(f.url, NULL, &f.out), 0);
    free(fct_sql_value(f.url, "INSERT INTO schema_migrations (version, name) "
                              "VALUES (9999, '9999_from_the_future')"));
    fc_buf_reset(&f.out);
    assert_int_equal(migrate(f.url, NULL, &f.out), 1);
    assert_non_null(strstr(f.out.data, "version 9999"));
    assert_non_null(strstr(f.out.data, "newer fcindex"));
    fc_buf_reset(&f.out);
    assert_int_equal(migrate(f.url, "status", &f.out), 0);
    assert_non_null(strstr(f.out.data, "unknown to this binary"));
    fresh_drop(&f);
}

/* The database of an older fcindex: every migration before the one named
 * by stem applied by hand, and recorded as `fcindex migrate` records them. */
static void migrate_until(const char *url, const char *stem)
{
    free(fct_sql_value(url, "CREATE TABLE schema_migrations (version integer PRIMARY KEY, "
                            "name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())"));
    const struct fc_migration *m = fc_migrations;
    for (; m->sql && !strstr(m->name, stem); m++) {
        free(fct_sql_value(url, m->sql));
        char sql[256];
        snprintf(sql, sizeof(sql), "INSERT INTO schema_migrations (version, name) VALUES (%d, "
                                   "'%s')", m->version, m->name);
        free(fct_sql_value(url, sql));
    }
    if (!m->sql)
        fail_msg("no migration named *%s*", stem);
}

/* Casts written before full-text search moved to cast_search: the
 * migration indexes every live one with text (and no other), drops the GIN
 * index on casts, and leaves nothing queued; casts inserted afterwards are
 * queued. */
static void cast_search_filled_from_existing_casts(void **state)
{
    (void)state;
    struct fresh f;
    fresh_create(&f, "searchfill");
    migrate_until(f.url, "_cast_search");
    fct_assert_sql(f.url, "SELECT to_regclass('cast_search') IS NULL", "t");
    free(fct_sql_value(f.url,
        "INSERT INTO casts (hash, fid, text) VALUES (decode(repeat('a1', 20), 'hex'), 1, "
        "'Older casts are found too'), (decode(repeat('a2', 20), 'hex'), 2, 'found as well');"
        "INSERT INTO casts (hash, fid, text, deleted_at, deleted_reason) VALUES "
        "(decode(repeat('a3', 20), 'hex'), 3, 'a removed cast found never', now(), 'removed');"
        /* a remove that came before its add: no text */
        "INSERT INTO casts (hash, fid, deleted_at, deleted_reason) VALUES "
        "(decode(repeat('a4', 20), 'hex'), 4, now(), 'removed')"));
    assert_int_equal(migrate(f.url, NULL, &f.out), 0);
    fct_assert_sql(f.url, "SELECT string_agg(encode(substr(hash, 1, 1), 'hex') || ' ' || "
                          "tsv::text, ', ' ORDER BY hash) FROM cast_search",
                   "a1 'are':3 'casts':2 'found':4 'older':1 'too':5, a2 'as':2 'found':1 'well':3");
    fct_assert_sql(f.url, "SELECT count(*) FROM cast_search_queue", "0");
    fct_assert_sql(f.url, "SELECT count(*) FROM pg_indexes WHERE indexname = 'casts_text_search'",
                   "0");
    free(fct_sql_value(f.url, "INSERT INTO casts (hash, fid, text) VALUES "
                              "(decode(repeat('a5', 20), 'hex'), 5, 'newer')"));
    fct_assert_sql(f.url, "SELECT encode(hash, 'hex') FROM cast_search_queue", "a5a5a5a5a5a5a5a5"
                          "a5a5a5a5a5a5a5a5a5a5a5a5");
    fresh_drop(&f);
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

FCT_MAIN_NEEDS_DB(NULL, NULL, creates_every_table_and_index_then_noop,
                  status_on_empty_database_lists_pending, concurrent_migrators_do_the_work_once,
                  newer_schema_is_refused, cast_search_filled_from_existing_casts,
                  unreachable_database_is_a_clear_error)
