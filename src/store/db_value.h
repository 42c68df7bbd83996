/* One value read from a parameterised statement's first row, for the store/
 * modules whose statement answers a single question (is fid a client, what
 * is a cursor, did the lock come). Statements as fc_db_run runs them (text
 * parameters, NULL entries are SQL NULL); out-params are written only on
 * success. */
#ifndef FC_STORE_DB_VALUE_H
#define FC_STORE_DB_VALUE_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/* *yes (when non-NULL): a row came back and its first column is true. */
FC_MUST_CHECK
enum fc_err fc_db_query_bool(struct fc_db *db, const char *sql, int nparams,
                             const char *const *params, bool *yes, struct fc_diag *diag);

/* *found (when non-NULL): a row came back and its first column is not
 * NULL; *v is that column as an unsigned integer, or 0 when not found. */
FC_MUST_CHECK
enum fc_err fc_db_query_u64(struct fc_db *db, const char *sql, int nparams,
                            const char *const *params, uint64_t *v, bool *found,
                            struct fc_diag *diag);

#endif
