#include "store/debug.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"

/* The hashes of fid's rows in table that are not deleted and meet live. */
#define LIVE_HASHES(table, live)                                                            \
    "SELECT encode(hash, 'hex') FROM " table " WHERE fid = $1 AND " live " AND "           \
    "deleted_at IS NULL ORDER BY 1"

static const struct {
    const char *name, *endpoint, *sql;
} kinds[FC_DK_COUNT] = {
    [FC_DK_CASTS] = {"casts", "castsByFid", LIVE_HASHES("casts", "text IS NOT NULL")},
    [FC_DK_REACTIONS] = {"reactions", "reactionsByFid", LIVE_HASHES("reactions", "NOT is_remove")},
    [FC_DK_LINKS] = {"links", "linksByFid", LIVE_HASHES("links", "NOT is_remove")},
    [FC_DK_VERIFICATIONS] = {"verifications", "verificationsByFid",
                             LIVE_HASHES("verifications", "NOT is_remove")},
    [FC_DK_USER_DATA] = {"user_data", "userDataByFid", LIVE_HASHES("user_data", "true")},
};

const char *fc_debug_kind_name(enum fc_debug_kind k)
{
    return kinds[k].name;
}

const char *fc_debug_kind_endpoint(enum fc_debug_kind k)
{
    return kinds[k].endpoint;
}

enum fc_err fc_debug_hashes(struct fc_db *db, uint64_t fid, enum fc_debug_kind k,
                            char (**hashes)[41], size_t *n, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid)};
    PGresult *r = PQexecParams(fc_db_pgconn(db), kinds[k].sql, 1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "%s", PQresultErrorMessage(r));
        PQclear(r);
        return e;
    }
    *n = (size_t)PQntuples(r);
    *hashes = fc_xcalloc(*n + 1, sizeof(**hashes));
    for (size_t i = 0; i < *n; i++)
        snprintf((*hashes)[i], 41, "%s", PQgetvalue(r, (int)i, 0));
    PQclear(r);
    return FC_OK;
}
