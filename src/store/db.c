#include "store/db.h"

#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/fctime.h"
#include "core/log.h"

#define MAX_PREPARED 8

struct fc_db {
    PGconn *conn;
    int64_t opened_ms; /* monotonic, for the pool's connection lifetime */
    char prepared[MAX_PREPARED][32]; /* statements prepared on this connection */
    size_t n_prepared;
};

static enum fc_err pg_error(struct fc_diag *diag, PGconn *conn, PGresult *res)
{
    const char *msg = res ? PQresultErrorMessage(res) : PQerrorMessage(conn);
    char safe[FC_DIAG_MAX];
    fc_redact(msg ? msg : "unknown error", safe, sizeof(safe));
    size_t n = strlen(safe);
    while (n && (safe[n - 1] == '\n' || safe[n - 1] == ' '))
        safe[--n] = '\0';
    for (char *c = safe; *c; c++) /* one line: libpq adds hints on new lines */
        if (*c == '\n' || *c == '\t')
            *c = ' ';
    return fc_diag_set(diag, FC_ERR_DB, "%s", safe);
}

static void ignore_notice(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs (e.g. "already exists, skipping") are not errors */
}

struct fc_db_options fc_db_options_from(const struct fc_config *cfg)
{
    struct fc_db_options o = {.url = cfg->database_url,
                              .statement_timeout_ms = cfg->db_statement_timeout_ms,
                              .keepalive_s = cfg->db_keepalive_s,
                              .lifetime_s = cfg->db_conn_lifetime_s};
    return o;
}

enum fc_err fc_db_open(const struct fc_db_options *opts, struct fc_db **out, struct fc_diag *diag)
{
    if (!opts->url || !*opts->url)
        return fc_diag_set(diag, FC_ERR_INVALID,
                           "no database configured (set database.url or DATABASE_URL)");
    char timeout[16], keep[16], opt[64];
    snprintf(timeout, sizeof(timeout), "%d", opts->connect_timeout_s ? opts->connect_timeout_s : 10);
    snprintf(keep, sizeof(keep), "%d", opts->keepalive_s);
    snprintf(opt, sizeof(opt), "-c TimeZone=UTC -c statement_timeout=%d",
             opts->statement_timeout_ms);
    const char *keys[] = {"dbname", "connect_timeout", "application_name", "options",
                          opts->keepalive_s ? "keepalives_idle" : NULL, NULL};
    const char *vals[] = {opts->url, timeout, "fcindex", opt, keep, NULL};
    /* expand_dbname=1 lets the URL fill in everything it names. */
    PGconn *conn = PQconnectdbParams(keys, vals, 1);
    if (!conn)
        return fc_diag_set(diag, FC_ERR_NOMEM, "cannot allocate a database connection");
    if (PQstatus(conn) != CONNECTION_OK) {
        pg_error(diag, conn, NULL);
        PQfinish(conn);
        return FC_ERR_UNAVAILABLE;
    }
    PQsetNoticeProcessor(conn, ignore_notice, NULL);
    struct fc_db *db = fc_xcalloc(1, sizeof(*db));
    db->conn = conn;
    db->opened_ms = fc_now_mono_ms();
    *out = db;
    return FC_OK;
}

void fc_db_close(struct fc_db *db)
{
    if (!db)
        return;
    PQfinish(db->conn);
    free(db);
}

enum fc_err fc_db_run(struct fc_db *db, const char *sql, int nparams, const char *const *params,
                      bool binary, PGresult **out, struct fc_diag *diag)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, binary ? 1 : 0);
    ExecStatusType st = PQresultStatus(res);
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        enum fc_err err = pg_error(diag, db->conn, res);
        PQclear(res);
        return err;
    }
    if (out)
        *out = res;
    else
        PQclear(res);
    return FC_OK;
}

enum fc_err fc_db_run_changed(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, size_t *changed, struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db, sql, nparams, params, false, &r, diag);
    if (err)
        return err;
    if (changed)
        *changed = (size_t)strtoull(PQcmdTuples(r), NULL, 10);
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_db_run_id(struct fc_db *db, const char *sql, uint64_t id, bool *any,
                         struct fc_diag *diag)
{
    char i[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(i, id)};
    size_t rows;
    enum fc_err err = fc_db_run_changed(db, sql, 1, p, &rows, diag);
    if (!err && any)
        *any = rows > 0;
    return err;
}

const char *fc_db_u64(char buf[FC_DB_U64_CHARS], uint64_t v)
{
    snprintf(buf, FC_DB_U64_CHARS, "%llu", (unsigned long long)v);
    return buf;
}

const char *fc_db_u64_array(struct fc_buf *out, const uint64_t *v, size_t n)
{
    fc_buf_reset(out);
    fc_buf_putc(out, '{');
    for (size_t i = 0; i < n; i++)
        fc_buf_printf(out, "%s%llu", i ? "," : "", (unsigned long long)v[i]);
    fc_buf_putc(out, '}');
    return out->data;
}

enum fc_err fc_db_exec(struct fc_db *db, const char *sql, struct fc_diag *diag)
{
    PGresult *res = PQexec(db->conn, sql);
    ExecStatusType st = PQresultStatus(res);
    enum fc_err err = FC_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
        err = pg_error(diag, db->conn, res);
    PQclear(res);
    return err;
}

void fc_db_rollback(struct fc_db *db)
{
    PQclear(PQexec(db->conn, "ROLLBACK"));
}

enum fc_err fc_db_query_value(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, char *out_value, unsigned out_size,
                              struct fc_diag *diag)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    enum fc_err err = FC_OK;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        err = pg_error(diag, db->conn, res);
    } else if (out_value && out_size) {
        out_value[0] = '\0';
        if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0))
            snprintf(out_value, out_size, "%s", PQgetvalue(res, 0, 0));
    }
    PQclear(res);
    return err;
}

enum fc_err fc_db_query_text(struct fc_db *db, const char *sql, int nparams,
                             const char *const *params, struct fc_buf *out, bool *found,
                             struct fc_diag *diag)
{
    return fc_db_query_text2(db, sql, nparams, params, out, NULL, found, diag);
}

/* The first row's two columns of res, as fc_db_query_text2 returns them;
 * clears res. */
FC_MUST_CHECK
static enum fc_err take_text2(struct fc_db *db, PGresult *res, struct fc_buf *out,
                              struct fc_buf *out2, bool *found, struct fc_diag *diag)
{
    ExecStatusType st = PQresultStatus(res);
    enum fc_err err = FC_OK;
    *found = false;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        err = pg_error(diag, db->conn, res);
    } else if (PQntuples(res) > 0 && PQnfields(res) > 0 && !PQgetisnull(res, 0, 0)) {
        *found = true;
        fc_buf_append(out, PQgetvalue(res, 0, 0), (size_t)PQgetlength(res, 0, 0));
        if (out2 && PQnfields(res) > 1 && !PQgetisnull(res, 0, 1))
            fc_buf_append(out2, PQgetvalue(res, 0, 1), (size_t)PQgetlength(res, 0, 1));
    }
    PQclear(res);
    return err;
}

enum fc_err fc_db_query_text2(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, struct fc_buf *out, struct fc_buf *out2,
                              bool *found, struct fc_diag *diag)
{
    PGresult *res = PQexecParams(db->conn, sql, nparams, NULL, params, NULL, NULL, 0);
    return take_text2(db, res, out, out2, found, diag);
}

static bool is_prepared(const struct fc_db *db, const char *name)
{
    for (size_t i = 0; i < db->n_prepared; i++)
        if (strcmp(db->prepared[i], name) == 0)
            return true;
    return false;
}

/* Prepares sql as name on this connection, once. */
FC_MUST_CHECK
static enum fc_err prepare_once(struct fc_db *db, const char *name, const char *sql, int nparams,
                                struct fc_diag *diag)
{
    if (is_prepared(db, name))
        return FC_OK;
    if (db->n_prepared == MAX_PREPARED || strlen(name) >= sizeof(db->prepared[0]))
        return fc_diag_set(diag, FC_ERR_INVALID, "statement %s: too many prepared statements",
                           name);
    PGresult *res = PQprepare(db->conn, name, sql, nparams, NULL);
    enum fc_err err = FC_OK;
    if (PQresultStatus(res) != PGRES_COMMAND_OK)
        err = pg_error(diag, db->conn, res);
    else
        snprintf(db->prepared[db->n_prepared++], sizeof(db->prepared[0]), "%s", name);
    PQclear(res);
    return err;
}

enum fc_err fc_db_query_text2_prepared(struct fc_db *db, const char *name, const char *sql,
                                       int nparams, const char *const *params, struct fc_buf *out,
                                       struct fc_buf *out2, bool *found, struct fc_diag *diag)
{
    *found = false;
    enum fc_err err = prepare_once(db, name, sql, nparams, diag);
    if (err)
        return err;
    PGresult *res = PQexecPrepared(db->conn, name, nparams, params, NULL, NULL, 0);
    return take_text2(db, res, out, out2, found, diag);
}

bool fc_db_idle_ok(struct fc_db *db, int64_t max_age_ms)
{
    if (PQstatus(db->conn) != CONNECTION_OK)
        return false;
    if (max_age_ms > 0 && fc_now_mono_ms() - db->opened_ms > max_age_ms)
        return false;
    /* an idle connection has nothing to read; data or EOF here is the
     * server's goodbye (restart, terminated backend, idle timeout) */
    struct pollfd p = {.fd = PQsocket(db->conn), .events = POLLIN};
    return p.fd >= 0 && poll(&p, 1, 0) == 0;
}

enum fc_err fc_db_reset(struct fc_db *db, struct fc_diag *diag)
{
    PQreset(db->conn);
    db->n_prepared = 0; /* a new session: nothing is prepared */
    if (PQstatus(db->conn) != CONNECTION_OK) {
        pg_error(diag, db->conn, NULL);
        return FC_ERR_UNAVAILABLE;
    }
    return FC_OK;
}

bool fc_db_broken(struct fc_db *db)
{
    return PQstatus(db->conn) != CONNECTION_OK;
}

void *fc_db_pgconn(struct fc_db *db)
{
    return db->conn;
}
