/* The writer's lifecycle and transactions: statements prepared once per
 * connection, BEGIN/COMMIT (pipelined or not, with the set-wise rows and
 * the derived-row refresh at commit), and the small bookkeeping writes
 * (dead letters, stream cursors, synced fids, fid locks). */
#include "store/writer.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/decode.h"
#include "store/writer_internal.h"

/* SQLSTATEs after which the same transaction may simply be run again. */
static void note_failure(struct fc_writer *w, const PGresult *r)
{
    const char *state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : NULL;
    if (state && (strcmp(state, "40P01") == 0 || strcmp(state, "40001") == 0))
        w->conflicted = true;
}

enum fc_err fc_writer_run(struct fc_writer *w, enum stmt s, struct params *p,
                          struct fc_diag *diag)
{
    if (w->in_pipeline) {
        w->statements++;
        if (!PQsendQueryPrepared(w->conn, fc_writer_stmts[s].name, p->n, p->v, p->len, p->fmt, 0))
            return fc_diag_set(diag, FC_ERR_DB, "%s: %s", fc_writer_stmts[s].name, PQerrorMessage(w->conn));
        w->sent++;
        return FC_OK;
    }
    PGresult *r = PQexecPrepared(w->conn, fc_writer_stmts[s].name, p->n, p->v, p->len, p->fmt, 0);
    ExecStatusType st = PQresultStatus(r);
    enum fc_err err = FC_OK;
    w->statements++;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        note_failure(w, r);
        err = fc_diag_set(diag, FC_ERR_DB, "%s: %s", fc_writer_stmts[s].name, PQresultErrorMessage(r));
    }
    PQclear(r);
    return err;
}

enum fc_err fc_writer_new(struct fc_db *db, struct fc_writer **out, struct fc_diag *diag)
{
    PGconn *conn = fc_db_pgconn(db);
    for (int i = 0; i < S_COUNT; i++) {
        PGresult *r = PQprepare(conn, fc_writer_stmts[i].name, fc_writer_stmts[i].sql, 0, NULL);
        if (PQresultStatus(r) != PGRES_COMMAND_OK) {
            enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "prepare %s: %s", fc_writer_stmts[i].name,
                                        PQresultErrorMessage(r));
            PQclear(r);
            return e;
        }
        PQclear(r);
    }
    struct fc_writer *w = fc_xcalloc(1, sizeof(*w));
    w->db = db;
    w->conn = conn;
    *out = w;
    return FC_OK;
}

void fc_writer_free(struct fc_writer *w)
{
    if (!w)
        return;
    if (w->in_tx)
        fc_writer_rollback(w);
    fc_buf_cleanup(&w->touched);
    for (int k = 0; k < BC_KINDS; k++)
        for (int c = 0; c < MAX_COLS; c++)
            fc_buf_cleanup(&w->cols[k][c].b);
    free(w);
}

uint64_t fc_writer_statements(const struct fc_writer *w)
{
    return w->statements;
}

void fc_writer_touch(struct fc_writer *w, uint64_t fid)
{
    fc_buf_printf(&w->touched, "%s%llu", w->n_touched ? "," : "", (unsigned long long)fid);
    w->n_touched++;
}

void fc_writer_set_pipelined(struct fc_writer *w, bool on)
{
    w->pipelined = on;
}


void fc_writer_set_batched(struct fc_writer *w, bool on)
{
    w->batched = on;
}

enum fc_err fc_writer_begin(struct fc_writer *w, struct fc_diag *diag)
{
    w->conflicted = false;
    fc_writer_batch_reset(w);
    fc_buf_reset(&w->touched);
    w->n_touched = 0;
    if (w->pipelined) {
        if (!PQenterPipelineMode(w->conn))
            return fc_diag_set(diag, FC_ERR_DB, "cannot enter pipeline mode: %s",
                               PQerrorMessage(w->conn));
        w->in_pipeline = true;
        w->sent = 0;
        if (!PQsendQueryParams(w->conn, "BEGIN", 0, NULL, NULL, NULL, NULL, 0)) {
            PQexitPipelineMode(w->conn);
            w->in_pipeline = false;
            return fc_diag_set(diag, FC_ERR_DB, "BEGIN: %s", PQerrorMessage(w->conn));
        }
        w->sent++;
        w->in_tx = true;
        return FC_OK;
    }
    enum fc_err err = fc_db_exec(w->db, "BEGIN", diag);
    if (!err)
        w->in_tx = true;
    return err;
}

/* Ends a pipelined transaction: sync, then read every result; the first
 * failure names the error (everything after it was aborted by the server). */
FC_MUST_CHECK
static enum fc_err drain_pipeline(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    if (!PQpipelineSync(w->conn))
        err = fc_diag_set(diag, FC_ERR_DB, "pipeline sync: %s", PQerrorMessage(w->conn));
    for (size_t i = 0; i < w->sent; i++) {
        PGresult *r;
        while ((r = PQgetResult(w->conn)) != NULL) {
            ExecStatusType st = PQresultStatus(r);
            if (st == PGRES_FATAL_ERROR)
                note_failure(w, r);
            if (!err && st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
                err = fc_diag_set(diag, FC_ERR_DB, "%s", st == PGRES_PIPELINE_ABORTED
                                      ? "statement aborted by an earlier failure"
                                      : PQresultErrorMessage(r));
            PQclear(r);
        }
    }
    /* the sync point itself */
    PGresult *r;
    while ((r = PQgetResult(w->conn)) != NULL) {
        PQclear(r);
    }
    PQexitPipelineMode(w->conn);
    w->in_pipeline = false;
    w->sent = 0;
    return err;
}

void fc_writer_rollback(struct fc_writer *w)
{
    if (w->in_pipeline) {
        struct fc_diag ignored;
        /* rolling back: the results only need reading off the connection */
        fc_err_ignore(drain_pipeline(w, &ignored));
    }
    fc_db_rollback(w->db);
    w->in_tx = false;
}

enum fc_err fc_writer_commit(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = fc_writer_batch_flush(w, diag);
    if (!err && w->n_touched) {
        struct fc_buf arr = FC_BUF_INIT;
        fc_buf_printf(&arr, "{%s}", w->touched.data);
        struct params p = {.n = 0};
        p_text(&p, arr.data);
        err = fc_writer_run(w, S_USERS_RECOMPUTE, &p, diag);
        if (!err)
            err = fc_writer_run(w, S_APP_RECOMPUTE, &p, diag);
        fc_buf_cleanup(&arr);
    }
    if (w->in_pipeline) {
        if (!err && !PQsendQueryParams(w->conn, "COMMIT", 0, NULL, NULL, NULL, NULL, 0))
            err = fc_diag_set(diag, FC_ERR_DB, "COMMIT: %s", PQerrorMessage(w->conn));
        else if (!err)
            w->sent++;
        enum fc_err derr = drain_pipeline(w, diag);
        if (!err)
            err = derr;
        if (err)
            fc_db_rollback(w->db); /* a failed COMMIT already rolled back */
        w->in_tx = false;
        return err;
    }
    if (!err)
        err = fc_db_exec(w->db, "COMMIT", diag);
    if (err)
        fc_writer_rollback(w);
    w->in_tx = false;
    return err;
}

enum fc_err fc_writer_dead_letter(struct fc_writer *w, const char *source, const char *raw,
                                  size_t raw_len, const char *reason, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_text(&p, source);
    p_bytes(&p, (const uint8_t *)raw, raw_len > (1u << 20) ? (1u << 20) : raw_len);
    p_text(&p, reason);
    return fc_writer_run(w, S_DEAD_LETTER, &p, diag);
}

enum fc_err fc_writer_dead_letter_item(struct fc_writer *w, const char *source,
                                       const struct fc_item *it, struct fc_diag *diag)
{
    char reason[700];
    snprintf(reason, sizeof(reason), "%s: %s%s", it->error_path ? it->error_path : "",
             it->error ? it->error : "invalid item",
             it->raw_truncated ? " (only the first 1 MiB of the item kept)" : "");
    return fc_writer_dead_letter(w, source, it->raw ? it->raw : "", it->raw_len, reason, diag);
}

enum fc_err fc_writer_set_cursor(struct fc_writer *w, const char *hub, unsigned shard,
                                 uint64_t next_event_id, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_text(&p, hub);
    p_u64(&p, shard);
    p_u64(&p, next_event_id);
    return fc_writer_run(w, S_CURSOR, &p, diag);
}

static int cmp_fid(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

enum fc_err fc_writer_lock_fids(struct fc_writer *w, const uint64_t *fids, size_t n,
                                struct fc_diag *diag)
{
    if (!n)
        return FC_OK;
    uint64_t *sorted = fc_xmalloc(n * sizeof(*sorted));
    memcpy(sorted, fids, n * sizeof(*sorted));
    qsort(sorted, n, sizeof(*sorted), cmp_fid);
    size_t u = 0;
    for (size_t i = 0; i < n; i++)
        if (!u || sorted[i] != sorted[u - 1])
            sorted[u++] = sorted[i];
    struct fc_buf arr = FC_BUF_INIT;
    fc_db_u64_array(&arr, sorted, u);
    free(sorted);
    struct params p = {.n = 0};
    p_text(&p, arr.data);
    enum fc_err err = fc_writer_run(w, S_LOCK_FIDS, &p, diag);
    fc_buf_cleanup(&arr);
    return err;
}

bool fc_writer_conflicted(const struct fc_writer *w)
{
    return w->conflicted;
}

struct fc_db *fc_writer_db(struct fc_writer *w)
{
    return w->db;
}
