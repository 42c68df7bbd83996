/* A fixed-size pool of database connections shared by the API's threads.
 * Connections open lazily and are replaced when found broken. */
#ifndef FC_STORE_POOL_H
#define FC_STORE_POOL_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

struct fc_pool;

struct fc_pool_stats {
    size_t size, open, in_use;
    uint64_t waits;      /* acquisitions that had to wait for a free connection */
    uint64_t timeouts;   /* acquisitions that gave up */
    uint64_t replaced;   /* idle connections found dead or too old and replaced */
};

/* A pool of at most size connections (opened when first needed); the
 * caller frees it with fc_pool_free once every connection taken is back. */
struct fc_pool *fc_pool_new(const struct fc_db_options *opts, size_t size);
void fc_pool_free(struct fc_pool *p);

/* Takes a connection, waiting up to wait_ms for one to be free. An idle
 * connection the server has closed (a PostgreSQL restart) or older than
 * opts->lifetime_s is replaced by a new one first, so no request fails on
 * it. Returns
 * FC_ERR_TIMEOUT when none came free, FC_ERR_UNAVAILABLE when the database
 * cannot be reached. */
FC_MUST_CHECK
enum fc_err fc_pool_get(struct fc_pool *p, int wait_ms, struct fc_db **out, struct fc_diag *diag);
/* Gives a connection back; a broken one is closed and reopened on demand. */
void fc_pool_put(struct fc_pool *p, struct fc_db *db);

void fc_pool_stats(struct fc_pool *p, struct fc_pool_stats *out);

#endif
