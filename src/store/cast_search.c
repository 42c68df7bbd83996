#include "store/cast_search.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

/* One statement, so one transaction: the queue rows go only when their
 * tsvectors are in. ctid names the rows taken (the queue has no key); a cast
 * deleted meanwhile (hard: no row; soft: deleted_at) is dropped from the
 * queue and never indexed. */
static const char batch_sql[] =
    "WITH taken AS (DELETE FROM cast_search_queue WHERE ctid = ANY (ARRAY("
    "  SELECT ctid FROM cast_search_queue LIMIT $1::int FOR UPDATE SKIP LOCKED)) "
    "  RETURNING hash), "
    "added AS (INSERT INTO cast_search (hash, tsv) "
    "  SELECT c.hash, to_tsvector('simple', c.text) FROM casts c "
    "  WHERE c.hash IN (SELECT hash FROM taken) AND c.deleted_at IS NULL AND c.text IS NOT NULL "
    "  ON CONFLICT (hash) DO NOTHING RETURNING 1) "
    "SELECT (SELECT count(*) FROM taken), (SELECT count(*) FROM added)";

enum fc_err fc_cast_search_index_batch(struct fc_db *db, size_t limit, size_t *taken,
                                       size_t *indexed, struct fc_diag *diag)
{
    char l[FC_DB_U64_CHARS];
    const char *params[] = {fc_db_u64(l, limit)};
    PGresult *res = NULL;
    enum fc_err err = fc_db_run(db, batch_sql, 1, params, false, &res, diag);
    if (err)
        return err;
    *taken = (size_t)strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    if (indexed)
        *indexed = (size_t)strtoull(PQgetvalue(res, 0, 1), NULL, 10);
    PQclear(res);
    return FC_OK;
}

enum fc_err fc_cast_search_drain(struct fc_db *db, size_t *indexed, struct fc_diag *diag)
{
    size_t total = 0, taken, added;
    enum fc_err err;
    do {
        err = fc_cast_search_index_batch(db, FC_CAST_SEARCH_BATCH, &taken, &added, diag);
        total += err ? 0 : added;
    } while (!err && taken == FC_CAST_SEARCH_BATCH); /* a short batch emptied the queue */
    if (indexed)
        *indexed = total;
    return err;
}
