#include "store/db_report.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

FC_MUST_CHECK
static enum fc_err value(struct fc_db *db, const char *sql, struct fc_buf *out, const char *what,
                         struct fc_diag *diag)
{
    PGresult *r = PQexec(fc_db_pgconn(db), sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "%s: %s", what, PQresultErrorMessage(r));
        PQclear(r);
        return e;
    }
    fc_buf_puts(out, PQgetvalue(r, 0, 0));
    PQclear(r);
    return FC_OK;
}

/* Dead rows over all rows: the share of a table's heap a VACUUM would
 * reclaim (an estimate: free space inside pages is not counted). */
static const char tables_sql[] =
    "SELECT coalesce(json_agg(json_build_object('table', s.relname, "
    "'total_bytes', pg_total_relation_size(s.relid), 'table_bytes', pg_relation_size(s.relid), "
    "'index_bytes', pg_indexes_size(s.relid), 'live_rows', s.n_live_tup, 'dead_rows', "
    "s.n_dead_tup, 'dead_ratio', round(CASE WHEN s.n_live_tup + s.n_dead_tup > 0 THEN "
    "s.n_dead_tup::numeric / (s.n_live_tup + s.n_dead_tup) ELSE 0 END, 4), "
    "'modified_since_analyze', s.n_mod_since_analyze, "
    "'last_vacuum', fc_iso(greatest(s.last_vacuum, s.last_autovacuum)), "
    "'last_analyze', fc_iso(greatest(s.last_analyze, s.last_autoanalyze))) "
    "ORDER BY pg_total_relation_size(s.relid) DESC, s.relname), '[]')::text "
    "FROM pg_stat_user_tables s WHERE s.schemaname = current_schema()";

static const char indexes_sql[] =
    "SELECT coalesce(json_agg(json_build_object('index', s.indexrelname, 'table', s.relname, "
    "'bytes', pg_relation_size(s.indexrelid), 'scans', s.idx_scan, 'unique', i.indisunique) "
    "ORDER BY pg_relation_size(s.indexrelid) DESC, s.indexrelname), '[]')::text "
    "FROM pg_stat_user_indexes s JOIN pg_index i ON i.indexrelid = s.indexrelid "
    "WHERE s.schemaname = current_schema()";

/* Never scanned since the statistics were reset, and not enforcing
 * uniqueness (a unique index works without being scanned). */
static const char unused_sql[] =
    "SELECT coalesce(json_agg(s.indexrelname ORDER BY pg_relation_size(s.indexrelid) DESC, "
    "s.indexrelname), '[]')::text FROM pg_stat_user_indexes s JOIN pg_index i ON "
    "i.indexrelid = s.indexrelid WHERE s.schemaname = current_schema() AND s.idx_scan = 0 AND "
    "NOT i.indisunique AND NOT i.indisprimary";

static const char advice_sql[] =
    "SELECT coalesce(json_agg(a ORDER BY o, a), '[]')::text FROM ("
    " SELECT 1 AS o, format('VACUUM %I: %s%% of its rows are dead (%s)', relname, "
    "  round(100.0 * n_dead_tup / (n_live_tup + n_dead_tup), 1), n_dead_tup) AS a "
    " FROM pg_stat_user_tables WHERE schemaname = current_schema() AND n_dead_tup > 1000 AND "
    "  n_dead_tup > 0.2 * (n_live_tup + n_dead_tup) "
    " UNION ALL SELECT 2, format('ANALYZE %I: %s rows changed since its last analyze', relname, "
    "  n_mod_since_analyze) FROM pg_stat_user_tables WHERE schemaname = current_schema() AND "
    "  n_mod_since_analyze > 1000 AND n_mod_since_analyze > 0.2 * greatest(n_live_tup, 1) "
    " UNION ALL SELECT 2, format('ANALYZE %I: never analyzed', relname) FROM "
    "  pg_stat_user_tables WHERE schemaname = current_schema() AND n_live_tup > 1000 AND "
    "  last_analyze IS NULL AND last_autoanalyze IS NULL "
    " UNION ALL SELECT 3, format('index %I on %I (%s) was never used since the statistics were "
    "  reset: consider dropping it if the workload is representative', s.indexrelname, "
    "  s.relname, pg_size_pretty(pg_relation_size(s.indexrelid))) FROM pg_stat_user_indexes s "
    "  JOIN pg_index i ON i.indexrelid = s.indexrelid WHERE s.schemaname = current_schema() AND "
    "  s.idx_scan = 0 AND NOT i.indisunique AND NOT i.indisprimary AND "
    "  pg_relation_size(s.indexrelid) > 8 * 1024 * 1024) x";

static void statements(struct fc_db *db, struct fc_buf *out)
{
    PGconn *c = fc_db_pgconn(db);
    PGresult *r = PQexec(c, "SELECT extnamespace::regnamespace::text FROM pg_extension WHERE "
                            "extname = 'pg_stat_statements'");
    bool installed = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    char schema[128] = "";
    if (installed)
        snprintf(schema, sizeof(schema), "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (!installed) {
        fc_buf_puts(out, "{\"available\":false,\"reason\":\"the pg_stat_statements extension is "
                         "not installed in this database\",\"slowest\":[]}");
        return;
    }
    char sql[1024];
    snprintf(sql, sizeof(sql),
             "SELECT coalesce(json_agg(json_build_object('query', left(query, 500), 'calls', "
             "calls, 'mean_ms', round(mean_exec_time::numeric, 3), 'total_ms', "
             "round(total_exec_time::numeric, 1), 'rows', rows) ORDER BY mean_exec_time DESC), "
             "'[]')::text FROM (SELECT * FROM %s.pg_stat_statements WHERE dbid = (SELECT oid "
             "FROM pg_database WHERE datname = current_database()) ORDER BY mean_exec_time DESC "
             "LIMIT 10) s", schema);
    r = PQexec(c, sql);
    if (PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1) {
        fc_buf_printf(out, "{\"available\":true,\"reason\":null,\"slowest\":%s}",
                      PQgetvalue(r, 0, 0));
    } else {
        /* e.g. installed but not in shared_preload_libraries */
        const char *m = PQresultErrorMessage(r);
        size_t n = strcspn(m, "\n");
        fc_buf_puts(out, "{\"available\":false,\"reason\":");
        fc_buf_json_str(out, m, n);
        fc_buf_puts(out, ",\"slowest\":[]}");
    }
    PQclear(r);
}

enum fc_err fc_db_report_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag)
{
    fc_buf_puts(out, "{\"database_bytes\":");
    enum fc_err err = value(db, "SELECT pg_database_size(current_database())::text", out,
                            "database size", diag);
    fc_buf_puts(out, ",\"tables\":");
    if (!err)
        err = value(db, tables_sql, out, "tables", diag);
    fc_buf_puts(out, ",\"indexes\":");
    if (!err)
        err = value(db, indexes_sql, out, "indexes", diag);
    fc_buf_puts(out, ",\"unused_indexes\":");
    if (!err)
        err = value(db, unused_sql, out, "unused indexes", diag);
    fc_buf_puts(out, ",\"statements\":");
    if (!err)
        statements(db, out);
    fc_buf_puts(out, ",\"advice\":");
    if (!err)
        err = value(db, advice_sql, out, "advice", diag);
    fc_buf_puts(out, "}");
    return err;
}
