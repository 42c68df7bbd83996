#include "store/leader.h"

#include "store/db_value.h"

/* Any fixed key: every indexer sharing the database uses the same one. */
#define FOLLOWER_LOCK_KEY "7305021102"

enum fc_err fc_leader_try_lock(struct fc_db *db, bool *held, struct fc_diag *diag)
{
    const char *p[] = {FOLLOWER_LOCK_KEY};
    return fc_db_query_bool(db, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, held, diag);
}
