#include "store/secrets.h"

#include <stdio.h>
#include <string.h>

#include "store/db_value.h"

enum fc_err fc_secrets_get_or_create(struct fc_db *db, const char *name, const char *proposed,
                                     char *out, size_t out_size, bool *created,
                                     struct fc_diag *diag)
{
    char inserted[8] = "";
    const char *p[] = {name, proposed};
    enum fc_err err = fc_db_query_value(db,
                                        "INSERT INTO instance_secrets (name, value) VALUES ($1, $2) "
                                        "ON CONFLICT (name) DO NOTHING RETURNING 'new'",
                                        2, p, inserted, sizeof(inserted), diag);
    if (err)
        return err;
    char value[1024] = "";
    err = fc_db_query_value(db, "SELECT value FROM instance_secrets WHERE name = $1", 1, p, value,
                            sizeof(value), diag);
    if (err)
        return err;
    if (!*value || strlen(value) >= out_size)
        return fc_diag_set(diag, FC_ERR_LIMIT, "instance secret %s: stored value unusable", name);
    memcpy(out, value, strlen(value) + 1);
    *created = strcmp(inserted, "new") == 0;
    return FC_OK;
}

enum fc_err fc_sessions_end(struct fc_db *db, const char *jti, int64_t exp_unix_s,
                            struct fc_diag *diag)
{
    char exp[24];
    snprintf(exp, sizeof(exp), "%lld", (long long)exp_unix_s);
    const char *p[] = {jti, exp};
    enum fc_err err = fc_db_query_value(db, "DELETE FROM ended_sessions WHERE expires_at < now()",
                                        0, NULL, NULL, 0, diag);
    if (!err)
        err = fc_db_query_value(db,
                                "INSERT INTO ended_sessions (jti, expires_at) "
                                "VALUES ($1, to_timestamp($2::bigint)) ON CONFLICT (jti) DO NOTHING",
                                2, p, NULL, 0, diag);
    return err;
}

enum fc_err fc_sessions_ended(struct fc_db *db, const char *jti, bool *ended,
                              struct fc_diag *diag)
{
    const char *p[] = {jti};
    return fc_db_query_bool(db, "SELECT true FROM ended_sessions WHERE jti = $1", 1, p, ended,
                            diag);
}
