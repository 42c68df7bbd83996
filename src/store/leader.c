#include "store/leader.h"

#include <string.h>

/* Any fixed key: every indexer sharing the database uses the same one. */
#define FOLLOWER_LOCK_KEY "7305021102"

enum fc_err fc_leader_try_lock(struct fc_db *db, bool *held, struct fc_diag *diag)
{
    char v[8] = "";
    const char *p[] = {FOLLOWER_LOCK_KEY};
    enum fc_err err = fc_db_query_value(db, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, v,
                                        sizeof(v), diag);
    if (!err)
        *held = strcmp(v, "t") == 0;
    return err;
}
