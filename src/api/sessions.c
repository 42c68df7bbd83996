/* Ended admin sessions, kept in PostgreSQL (store/secrets.h): every API
 * process sees them, they survive restarts of fcindex and of Redis, and a
 * database that cannot answer makes the caller refuse (fail closed). */
#include "api/internal.h"

#include "store/secrets.h"

enum fc_err fc_api_end_session(struct fc_api *api, const char *jti, int64_t exp_unix_s,
                               struct fc_diag *diag)
{
    struct fc_db *db = NULL;
    enum fc_err err = fc_pool_get(api->pool, 2000, &db, diag);
    if (!err)
        err = fc_sessions_end(db, jti, exp_unix_s, diag);
    fc_pool_put(api->pool, db);
    return err;
}

enum fc_err fc_api_session_ended(struct fc_api *api, const char *jti, bool *ended,
                                 struct fc_diag *diag)
{
    *ended = false;
    struct fc_db *db = NULL;
    enum fc_err err = fc_pool_get(api->pool, 2000, &db, diag);
    if (!err)
        err = fc_sessions_ended(db, jti, ended, diag);
    fc_pool_put(api->pool, db);
    return err;
}
