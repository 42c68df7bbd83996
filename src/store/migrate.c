#include "store/migrate.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/vec.h"
#include "store/db_value.h"
#include "store/migrations.h"

/* Advisory lock key: the ASCII bytes of "fcindex" as one bigint. */
#define MIGRATE_LOCK_KEY "28548437049221240"

static const char create_table_sql[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version integer PRIMARY KEY,"
    " name text NOT NULL,"
    " applied_at timestamptz NOT NULL DEFAULT now())";

int fc_migrate_latest_version(void)
{
    int v = 0;
    for (const struct fc_migration *m = fc_migrations; m->sql; m++)
        v = m->version;
    return v;
}

FC_MUST_CHECK
static enum fc_err lock(struct fc_db *db, bool on, struct fc_diag *diag)
{
    const char *params[] = {MIGRATE_LOCK_KEY};
    return fc_db_query_value(db, on ? "SELECT pg_advisory_lock($1::bigint)"
                                    : "SELECT pg_advisory_unlock($1::bigint)",
                             1, params, NULL, 0, diag);
}

enum fc_err fc_migrate_current_version(struct fc_db *db, int *version, struct fc_diag *diag)
{
    bool exists;
    /* Two statements: the second cannot even be planned without the table. */
    enum fc_err err = fc_db_query_bool(db, "SELECT to_regclass('schema_migrations') IS NOT NULL",
                                       0, NULL, &exists, diag);
    if (err)
        return err;
    if (!exists) {
        *version = 0;
        return FC_OK;
    }
    uint64_t v;
    err = fc_db_query_u64(db, "SELECT coalesce(max(version), 0) FROM schema_migrations", 0, NULL,
                          &v, NULL, diag);
    if (!err)
        *version = (int)v;
    return err;
}

FC_MUST_CHECK
static enum fc_err is_applied(struct fc_db *db, int version, bool *applied, struct fc_diag *diag)
{
    char vs[16];
    snprintf(vs, sizeof(vs), "%d", version);
    const char *params[] = {vs};
    uint64_t n;
    enum fc_err err = fc_db_query_u64(
        db, "SELECT count(*) FROM schema_migrations WHERE version = $1::integer", 1, params, &n,
        NULL, diag);
    if (!err)
        *applied = n > 0;
    return err;
}

FC_MUST_CHECK
static enum fc_err apply_one(struct fc_db *db, const struct fc_migration *m, struct fc_diag *diag)
{
    enum fc_err err = fc_db_exec(db, "BEGIN", diag);
    if (err)
        return err;
    err = fc_db_exec(db, m->sql, diag);
    if (err) {
        char detail[FC_DIAG_MAX];
        snprintf(detail, sizeof(detail), "%s", diag ? diag->msg : "");
        fc_db_rollback(db);
        return fc_diag_set(diag, FC_ERR_DB, "migration %s failed: %s", m->name, detail);
    }
    char vs[16];
    snprintf(vs, sizeof(vs), "%d", m->version);
    const char *params[] = {vs, m->name};
    err = fc_db_query_value(db, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                            2, params, NULL, 0, diag);
    if (!err)
        err = fc_db_exec(db, "COMMIT", diag);
    if (err)
        fc_db_rollback(db);
    return err;
}

enum fc_err fc_migrate_up(struct fc_db *db, int *applied, struct fc_diag *diag)
{
    *applied = 0;
    enum fc_err err = lock(db, true, diag);
    if (err)
        return err;
    int current = 0;
    err = fc_db_exec(db, create_table_sql, diag);
    if (!err)
        err = fc_migrate_current_version(db, &current, diag);
    if (!err && current > fc_migrate_latest_version()) {
        err = fc_diag_set(diag, FC_ERR_CONFLICT,
                          "the database schema is at version %d but this fcindex knows only up "
                          "to %d; run a newer fcindex (refusing to touch a newer schema)",
                          current, fc_migrate_latest_version());
    }
    for (const struct fc_migration *m = fc_migrations; !err && m->sql; m++) {
        bool done = false;
        err = is_applied(db, m->version, &done, diag);
        if (err || done)
            continue;
        err = apply_one(db, m, diag);
        if (!err)
            (*applied)++;
    }
    struct fc_diag ignored;
    /* the advisory lock belongs to the session: should the unlock fail, the
     * lock goes with the connection, and the migrations' result stands */
    fc_err_ignore(lock(db, false, err ? &ignored : diag));
    return err;
}

typedef FC_VEC(struct fc_migrate_entry) entry_list;

/* The entry for version in list, appended when absent. */
static struct fc_migrate_entry *entry_for(entry_list *list, int version)
{
    for (size_t i = 0; i < list->n; i++)
        if (list->p[i].version == version)
            return &list->p[i];
    struct fc_migrate_entry *e = fc_vec_push(list);
    memset(e, 0, sizeof(*e));
    e->version = version;
    return e;
}

enum fc_err fc_migrate_list(struct fc_db *db, struct fc_migrate_entry **out, size_t *n_out,
                            struct fc_diag *diag)
{
    *out = NULL;
    *n_out = 0;
    int current = 0;
    enum fc_err err = fc_migrate_current_version(db, &current, diag);
    if (err)
        return err;
    entry_list list = {0};
    for (const struct fc_migration *m = fc_migrations; m->sql; m++) {
        struct fc_migrate_entry *e = entry_for(&list, m->version);
        e->known = true;
        snprintf(e->name, sizeof(e->name), "%s", m->name);
    }
    if (current > 0) {
        PGresult *res = PQexec(fc_db_pgconn(db),
                               "SELECT version, name, to_char(applied_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') FROM schema_migrations "
                               "ORDER BY version");
        if (PQresultStatus(res) != PGRES_TUPLES_OK) {
            err = fc_diag_set(diag, FC_ERR_DB, "%s", PQresultErrorMessage(res));
            PQclear(res);
            fc_vec_free(&list);
            return err;
        }
        for (int r = 0; r < PQntuples(res); r++) {
            struct fc_migrate_entry *e = entry_for(&list, atoi(PQgetvalue(res, r, 0)));
            if (!e->known) /* recorded by a newer fcindex */
                snprintf(e->name, sizeof(e->name), "%s", PQgetvalue(res, r, 1));
            e->applied = true;
            snprintf(e->applied_at, sizeof(e->applied_at), "%s", PQgetvalue(res, r, 2));
        }
        PQclear(res);
    }
    *out = list.p; /* the caller frees */
    *n_out = list.n;
    return FC_OK;
}

enum fc_err fc_migrate_reset(struct fc_db *db, struct fc_diag *diag)
{
    /* one statement: the schema's name is read before it is dropped */
    return fc_db_exec(db,
        "DO $$ DECLARE s text := current_schema(); BEGIN "
        "IF s IS NULL THEN RAISE EXCEPTION 'no current schema'; END IF; "
        "EXECUTE format('DROP SCHEMA %I CASCADE', s); EXECUTE format('CREATE SCHEMA %I', s); "
        "END $$", diag);
}
