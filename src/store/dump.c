#include "store/dump.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

static const char *const all_tables[] = {
    "targets", "dropped_targets", "target_clients",
    "users", "casts", "reactions", "links", "link_compact_states", "verifications", "user_data",
    "username_proofs", "onchain_events", "signers", "hub_cursors", "dead_letters", NULL,
};

static unsigned part_of(const char *t)
{
    if (strcmp(t, "targets") == 0 || strcmp(t, "dropped_targets") == 0)
        return FC_DUMP_TARGETS;
    if (strcmp(t, "target_clients") == 0)
        return FC_DUMP_CLIENTS;
    return FC_DUMP_DATA;
}

const char *const *fc_dump_tables(unsigned parts)
{
    static const char *sets[8][sizeof(all_tables) / sizeof(all_tables[0])];
    parts &= 7;
    size_t n = 0;
    for (size_t i = 0; all_tables[i]; i++)
        if (part_of(all_tables[i]) & parts)
            sets[parts][n++] = all_tables[i];
    sets[parts][n] = NULL;
    return sets[parts];
}

static int table_index(const char *name, size_t len)
{
    for (int i = 0; all_tables[i]; i++)
        if (strlen(all_tables[i]) == len && memcmp(all_tables[i], name, len) == 0)
            return i;
    return -1;
}

FC_MUST_CHECK
static enum fc_err run(PGconn *c, const char *sql, int n, const char *const *p, PGresult **out,
                       struct fc_diag *diag)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "%s", PQresultErrorMessage(r));
        PQclear(r);
        return e;
    }
    if (out)
        *out = r;
    else
        PQclear(r);
    return FC_OK;
}

/* The table's stored (not generated) columns, quoted, comma-separated; and
 * its primary key columns for ORDER BY ("1" when it has none). */
FC_MUST_CHECK
static enum fc_err columns(PGconn *c, const char *table, char **cols, char **key,
                           struct fc_diag *diag)
{
    const char *p[] = {table};
    PGresult *r = NULL;
    enum fc_err err = run(c,
        "SELECT (SELECT string_agg(quote_ident(column_name), ',' ORDER BY ordinal_position) "
        " FROM information_schema.columns WHERE table_schema = current_schema() AND "
        " table_name = $1 AND is_generated = 'NEVER'), "
        "coalesce((SELECT string_agg(quote_ident(a.attname), ',' ORDER BY "
        " array_position(i.indkey::int2[], a.attnum)) FROM pg_index i JOIN pg_attribute a ON "
        " a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey) WHERE i.indrelid = $1::regclass "
        " AND i.indisprimary), '1')", 1, p, &r, diag);
    if (err)
        return err;
    if (PQgetisnull(r, 0, 0)) {
        PQclear(r);
        return fc_diag_set(diag, FC_ERR_DB, "table %s is missing (run fcindex migrate)", table);
    }
    *cols = fc_xstrdup(PQgetvalue(r, 0, 0));
    *key = fc_xstrdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err export_table(PGconn *c, const char *table, FILE *out, fc_dump_progress_fn fn,
                                void *ud, struct fc_diag *diag)
{
    char *cols, *key;
    enum fc_err err = columns(c, table, &cols, &key, diag);
    if (err)
        return err;
    /* CSV with a quote and a delimiter JSON text never holds (it escapes
     * control characters): each row comes out as its JSON, unquoted */
    struct fc_buf sql = FC_BUF_INIT;
    fc_buf_printf(&sql, "COPY (SELECT '{\"table\":\"%s\",\"row\":' || row_to_json(r)::text || '}' "
                        "FROM (SELECT %s FROM %s ORDER BY %s) r) TO STDOUT "
                        "(FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')", table, cols, table, key);
    free(cols);
    free(key);
    PGresult *r = PQexec(c, sql.data);
    fc_buf_cleanup(&sql);
    if (PQresultStatus(r) != PGRES_COPY_OUT) {
        err = fc_diag_set(diag, FC_ERR_DB, "exporting %s: %s", table, PQresultErrorMessage(r));
        PQclear(r);
        return err;
    }
    PQclear(r);
    size_t rows = 0;
    char *line;
    int n;
    while ((n = PQgetCopyData(c, &line, 0)) > 0) {
        if (fwrite(line, 1, (size_t)n, out) != (size_t)n && !err)
            err = fc_diag_set(diag, FC_ERR_IO, "writing the export failed");
        PQfreemem(line);
        if (++rows % 50000 == 0 && fn)
            fn(ud, table, rows);
    }
    r = PQgetResult(c);
    if (!err && PQresultStatus(r) != PGRES_COMMAND_OK)
        err = fc_diag_set(diag, FC_ERR_DB, "exporting %s: %s", table, PQresultErrorMessage(r));
    PQclear(r);
    while ((r = PQgetResult(c)))
        PQclear(r);
    if (!err && fn)
        fn(ud, table, rows);
    return err;
}

enum fc_err fc_dump_export(struct fc_db *db, unsigned parts, FILE *out, fc_dump_progress_fn fn,
                           void *ud, struct fc_diag *diag)
{
    PGconn *c = fc_db_pgconn(db);
    enum fc_err err = run(c, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0, NULL, NULL,
                          diag);
    const char *const *tables = fc_dump_tables(parts);
    for (size_t i = 0; !err && tables[i]; i++)
        err = export_table(c, tables[i], out, fn, ud, diag);
    struct fc_diag ignored;
    /* ends a read-only snapshot: nothing written can be lost by its failure */
    fc_err_ignore(run(c, "COMMIT", 0, NULL, NULL, &ignored));
    if (!err && fflush(out) != 0)
        err = fc_diag_set(diag, FC_ERR_IO, "writing the export failed");
    return err;
}

/* ---- import ---- */

#define BATCH_ROWS 500
#define BATCH_BYTES (4u << 20)

struct importer {
    PGconn *c;
    bool replace;
    struct fc_import_stats *st;
    int table;            /* of the batch; -1 none */
    bool seen[32];
    struct fc_buf batch;  /* JSON array text of the batch's rows */
    size_t n, first_line;
    fc_dump_progress_fn fn;
    void *ud;
};

FC_MUST_CHECK
static enum fc_err flush(struct importer *im, struct fc_diag *diag)
{
    if (!im->n)
        return FC_OK;
    const char *table = all_tables[im->table];
    char *cols, *key;
    enum fc_err err = columns(im->c, table, &cols, &key, diag);
    if (err)
        return err;
    fc_buf_puts(&im->batch, "]");
    struct fc_buf sql = FC_BUF_INIT;
    fc_buf_printf(&sql, "INSERT INTO %s (%s) SELECT %s FROM json_populate_recordset(NULL::%s, "
                        "$1::json) ON CONFLICT DO NOTHING", table, cols, cols, table);
    free(cols);
    free(key);
    const char *p[] = {im->batch.data};
    PGresult *r = NULL;
    err = run(im->c, sql.data, 1, p, &r, diag);
    fc_buf_cleanup(&sql);
    if (err) {
        struct fc_diag d = *diag;
        return fc_diag_set(diag, FC_ERR_INVALID, "lines %zu-%zu (%s): %s", im->first_line,
                           im->st->lines, table, d.msg);
    }
    size_t inserted = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    im->st->rows[im->table] += inserted;
    im->st->skipped += im->n - inserted;
    if (im->fn)
        im->fn(im->ud, table, im->st->rows[im->table]);
    fc_buf_reset(&im->batch);
    im->n = 0;
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err import_line(struct importer *im, char *line, size_t len, struct fc_diag *diag)
{
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        line[--len] = '\0';
    if (!len)
        return FC_OK;
    static const char head[] = "{\"table\":\"";
    static const char mid[] = "\",\"row\":";
    char *name = line + sizeof(head) - 1;
    char *end = strncmp(line, head, sizeof(head) - 1) == 0 ? strstr(name, mid) : NULL;
    if (!end || line[len - 1] != '}' || end + sizeof(mid) - 1 >= line + len - 1 ||
        end[sizeof(mid) - 1] != '{')
        return fc_diag_set(diag, FC_ERR_INVALID, "line %zu: expected {\"table\":\"NAME\","
                           "\"row\":{...}}", im->st->lines);
    int t = table_index(name, (size_t)(end - name));
    if (t < 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "line %zu: \"%.*s\" is not a table fcindex "
                           "imports", im->st->lines, (int)(end - name > 64 ? 64 : end - name),
                           name);
    enum fc_err err = FC_OK;
    if (t != im->table || im->n >= BATCH_ROWS || im->batch.len >= BATCH_BYTES) {
        if ((err = flush(im, diag)))
            return err;
        im->table = t;
    }
    if (!im->seen[t]) {
        im->seen[t] = true;
        if (im->replace) {
            char sql[96];
            snprintf(sql, sizeof(sql), "TRUNCATE %s", all_tables[t]);
            if ((err = run(im->c, sql, 0, NULL, NULL, diag)))
                return err;
        }
    }
    if (!im->n) {
        fc_buf_puts(&im->batch, "[");
        im->first_line = im->st->lines;
    } else {
        fc_buf_puts(&im->batch, ",");
    }
    char *row = end + sizeof(mid) - 1;
    fc_buf_append(&im->batch, row, (size_t)(line + len - 1 - row));
    im->n++;
    return FC_OK;
}

/* Serial columns continue after the imported ids. */
FC_MUST_CHECK
static enum fc_err follow_sequences(struct importer *im, struct fc_diag *diag)
{
    for (int t = 0; all_tables[t]; t++) {
        if (!im->seen[t])
            continue;
        const char *p[] = {all_tables[t]};
        PGresult *r = NULL;
        enum fc_err err = run(im->c,
            "SELECT quote_ident(column_name), pg_get_serial_sequence($1, column_name) FROM "
            "information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 "
            "AND pg_get_serial_sequence($1, column_name) IS NOT NULL", 1, p, &r, diag);
        if (err)
            return err;
        for (int i = 0; !err && i < PQntuples(r); i++) {
            char sql[512];
            snprintf(sql, sizeof(sql), "SELECT setval('%s', max(%s)) FROM %s HAVING max(%s) IS "
                     "NOT NULL", PQgetvalue(r, i, 1), PQgetvalue(r, i, 0), all_tables[t],
                     PQgetvalue(r, i, 0));
            err = run(im->c, sql, 0, NULL, NULL, diag);
        }
        PQclear(r);
        if (err)
            return err;
    }
    return FC_OK;
}

enum fc_err fc_dump_import(struct fc_db *db, FILE *in, bool replace, bool dry_run,
                           struct fc_import_stats *st, fc_dump_progress_fn fn, void *ud,
                           struct fc_diag *diag)
{
    memset(st, 0, sizeof(*st));
    struct importer im = {.c = fc_db_pgconn(db), .replace = replace, .st = st, .table = -1,
                          .fn = fn, .ud = ud};
    enum fc_err err = run(im.c, "BEGIN", 0, NULL, NULL, diag);
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    while (!err && (len = getline(&line, &cap, in)) >= 0) {
        st->lines++;
        err = import_line(&im, line, (size_t)len, diag);
    }
    free(line);
    if (!err && ferror(in))
        err = fc_diag_set(diag, FC_ERR_IO, "reading the import failed");
    if (!err)
        err = flush(&im, diag);
    if (!err)
        err = follow_sequences(&im, diag);
    fc_buf_cleanup(&im.batch);
    struct fc_diag ignored;
    if (err || dry_run) /* the first error, or none for a dry run, is the answer */
        fc_err_ignore(run(im.c, "ROLLBACK", 0, NULL, NULL, &ignored));
    else
        err = run(im.c, "COMMIT", 0, NULL, NULL, diag);
    return err;
}
