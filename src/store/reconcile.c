/* Rows of an account that its full backfill no longer found on the hubs. */
#include "store/reconcile.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/hex.h"

enum fc_err fc_reconcile_clock(struct fc_db *db, char *out, size_t out_size,
                               struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db, "SELECT clock_timestamp()::text", 0, NULL, false, &r, diag);
    if (err)
        return err;
    snprintf(out, out_size, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    return FC_OK;
}

/* One statement: the hashes arrive as one bytea (20 bytes each) and are
 * split into a set; each table's live rows of the fid outside it go. */
static const char reconcile_sql[] =
    "WITH seen AS (SELECT substring($2::bytea FROM i * 20 + 1 FOR 20) AS hash "
    "  FROM generate_series(0, length($2::bytea) / 20 - 1) AS i), "
    "c AS (UPDATE casts SET deleted_at = now(), deleted_reason = 'pruned' "
    "  WHERE fid = $1 AND deleted_at IS NULL AND text IS NOT NULL AND ingested_at < $3 "
    "  AND \"timestamp\" < now() - interval '10 minutes' "
    "  AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.hash = casts.hash) RETURNING 1), "
    "r AS (UPDATE reactions SET deleted_at = now(), deleted_reason = 'pruned' "
    "  WHERE fid = $1 AND deleted_at IS NULL AND NOT is_remove AND ingested_at < $3 "
    "  AND \"timestamp\" < now() - interval '10 minutes' "
    "  AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.hash = reactions.hash) RETURNING 1), "
    "l AS (UPDATE links SET deleted_at = now(), deleted_reason = 'pruned' "
    "  WHERE fid = $1 AND deleted_at IS NULL AND NOT is_remove AND ingested_at < $3 "
    "  AND \"timestamp\" < now() - interval '10 minutes' "
    "  AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.hash = links.hash) RETURNING 1), "
    "v AS (UPDATE verifications SET deleted_at = now(), deleted_reason = 'pruned' "
    "  WHERE fid = $1 AND deleted_at IS NULL AND NOT is_remove AND ingested_at < $3 "
    "  AND \"timestamp\" < now() - interval '10 minutes' "
    "  AND NOT EXISTS (SELECT 1 FROM seen WHERE seen.hash = verifications.hash) RETURNING 1) "
    "SELECT (SELECT count(*) FROM c) + (SELECT count(*) FROM r) + (SELECT count(*) FROM l) + "
    " (SELECT count(*) FROM v)";

enum fc_err fc_reconcile_fid(struct fc_db *db, uint64_t fid, const uint8_t *hashes, size_t n,
                             const char *since, size_t *rows, struct fc_diag *diag)
{
    *rows = 0;
    char f[FC_DB_U64_CHARS];
    char *hex = fc_xmalloc(2 * n * 20 + 3);
    memcpy(hex, "\\x", 2);
    fc_hex_encode_bare(hashes, n * 20, hex + 2);
    const char *p[] = {fc_db_u64(f, fid), hex, since};
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db, reconcile_sql, 3, p, false, &r, diag);
    free(hex);
    if (err)
        return err;
    *rows = strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    PQclear(r);
    return FC_OK;
}
