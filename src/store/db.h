/* PostgreSQL connection helpers for the store/ modules (the only part of
 * fcindex that sees libpq). Connections are opened with the session settings every
 * fcindex connection needs (UTC, statement timeout, application name). */
#ifndef FC_STORE_DB_H
#define FC_STORE_DB_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct fc_db; /* one connection */

struct fc_db_options {
    const char *url;          /* postgresql:// URL or conninfo */
    int statement_timeout_ms; /* 0 = none */
    int keepalive_s;          /* TCP keepalive idle; 0 = libpq default */
    int connect_timeout_s;    /* 0 = 10 */
    int lifetime_s;           /* pools replace older connections; 0 = keep */
};

/* The options every long-running fcindex connection uses, from the
 * configuration (database.url, statement timeout, keepalive). */
struct fc_config;
struct fc_db_options fc_db_options_from(const struct fc_config *cfg);

/* Opens a connection. On failure returns FC_ERR_UNAVAILABLE with libpq's
 * message (passwords redacted) in diag. Caller closes with fc_db_close. */
FC_MUST_CHECK
enum fc_err fc_db_open(const struct fc_db_options *opts, struct fc_db **out,
                       struct fc_diag *diag);
void fc_db_close(struct fc_db *db);

struct pg_result; /* libpq's PGresult, for the modules of src/store */

/* Runs a parameterised statement (text parameters, NULL entries are SQL
 * NULL; results as text, or binary when binary is set). On success *out,
 * when out is non-NULL, is the result, which the caller PQclears; a failure
 * carries PostgreSQL's message. */
FC_MUST_CHECK
enum fc_err fc_db_run(struct fc_db *db, const char *sql, int nparams, const char *const *params,
                      bool binary, struct pg_result **out, struct fc_diag *diag);

/* fc_db_run for a statement that returns no rows (INSERT, UPDATE, DELETE);
 * *changed, when changed is non-NULL, is how many rows it changed. */
FC_MUST_CHECK
enum fc_err fc_db_run_changed(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, size_t *changed, struct fc_diag *diag);
/* fc_db_run_changed for a statement whose one parameter $1 is an id (a fid,
 * a dead letter's id); *any, when non-NULL, is whether it changed a row. */
FC_MUST_CHECK
enum fc_err fc_db_run_id(struct fc_db *db, const char *sql, uint64_t id, bool *any,
                         struct fc_diag *diag);
/* Writes v as a decimal text parameter into buf and returns buf. */
#define FC_DB_U64_CHARS 24
const char *fc_db_u64(char buf[FC_DB_U64_CHARS], uint64_t v);
struct fc_buf;
/* Writes the n ids as a bigint[] text parameter ("{1,2,3}") into out (reset
 * first) and returns its text; out stays the caller's to free. */
const char *fc_db_u64_array(struct fc_buf *out, const uint64_t *v, size_t n);

/* Runs SQL with no parameters and no rows expected (DDL, BEGIN, ...). */
FC_MUST_CHECK
enum fc_err fc_db_exec(struct fc_db *db, const char *sql, struct fc_diag *diag);
/* ROLLBACK after a failure. Nothing to report: the first error is the one
 * the caller returns, and a connection that cannot roll back is broken
 * (fc_db_broken) and is replaced before its next use. */
void fc_db_rollback(struct fc_db *db);

/* Runs a parameterised statement (text parameters, NULL entries are SQL
 * NULL) and, when out_value is non-NULL, copies the first column of the first
 * row (or "" when there is no row / NULL) into out_value[out_size]. */
FC_MUST_CHECK
enum fc_err fc_db_query_value(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, char *out_value, unsigned out_size,
                              struct fc_diag *diag);

/* Like fc_db_query_value for a value of any length: appends the first
 * column of the first row to out; *found is false when there is no row or
 * the value is NULL. */
FC_MUST_CHECK
enum fc_err fc_db_query_text(struct fc_db *db, const char *sql, int nparams,
                             const char *const *params, struct fc_buf *out, bool *found,
                             struct fc_diag *diag);

/* The same, also appending the second column (when out2 is non-NULL). */
FC_MUST_CHECK
enum fc_err fc_db_query_text2(struct fc_db *db, const char *sql, int nparams,
                              const char *const *params, struct fc_buf *out, struct fc_buf *out2,
                              bool *found, struct fc_diag *diag);

/* fc_db_query_text2 through a statement prepared once per connection as
 * name (at most 8 per connection): for a query run often whose planning
 * costs as much as running it. After a few runs PostgreSQL may keep one
 * generic plan, so its parameters must not change the best plan. */
FC_MUST_CHECK
enum fc_err fc_db_query_text2_prepared(struct fc_db *db, const char *name, const char *sql,
                                       int nparams, const char *const *params, struct fc_buf *out,
                                       struct fc_buf *out2, bool *found, struct fc_diag *diag);

/* Whether an idle connection can be handed out: still open on our side,
 * younger than max_age_ms (0: no limit), and nothing waiting on its
 * socket (a server that restarted or ended the session has said so). */
bool fc_db_idle_ok(struct fc_db *db, int64_t max_age_ms);

/* Connects again with the same settings (the connection object stays the
 * same; prepared statements and session state are gone). FC_ERR_UNAVAILABLE
 * with the reason while the server cannot be reached. */
FC_MUST_CHECK
enum fc_err fc_db_reset(struct fc_db *db, struct fc_diag *diag);

/* True when the connection is lost (the pool then replaces it). */
bool fc_db_broken(struct fc_db *db);

/* Access to the raw libpq connection for store/ modules (PGconn *). */
void *fc_db_pgconn(struct fc_db *db);

#endif
