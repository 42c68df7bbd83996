/* Instance secrets kept in PostgreSQL (table instance_secrets) and ended
 * admin sessions (table ended_sessions). The first writer of a secret wins,
 * so several processes starting at once agree on one value. */
#ifndef FC_STORE_SECRETS_H
#define FC_STORE_SECRETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/* Stores proposed under name unless a value is already there, then copies
 * the stored value into out[out_size]; *created tells whether proposed was
 * the one stored. FC_ERR_LIMIT when the stored value does not fit. */
FC_MUST_CHECK
enum fc_err fc_secrets_get_or_create(struct fc_db *db, const char *name, const char *proposed,
                                     char *out, size_t out_size, bool *created,
                                     struct fc_diag *diag);

/* Records session jti as ended until exp_unix_s (expired rows are pruned). */
FC_MUST_CHECK
enum fc_err fc_sessions_end(struct fc_db *db, const char *jti, int64_t exp_unix_s,
                            struct fc_diag *diag);
/* Whether session jti was ended. */
FC_MUST_CHECK
enum fc_err fc_sessions_ended(struct fc_db *db, const char *jti, bool *ended,
                              struct fc_diag *diag);

#endif
