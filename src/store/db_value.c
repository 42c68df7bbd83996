#include "store/db_value.h"

#include <stdlib.h>
#include <string.h>

enum fc_err fc_db_query_bool(struct fc_db *db, const char *sql, int nparams,
                             const char *const *params, bool *yes, struct fc_diag *diag)
{
    char v[8];
    enum fc_err err = fc_db_query_value(db, sql, nparams, params, v, sizeof(v), diag);
    if (!err && yes)
        *yes = strcmp(v, "t") == 0;
    return err;
}

enum fc_err fc_db_query_u64(struct fc_db *db, const char *sql, int nparams,
                            const char *const *params, uint64_t *v, bool *found,
                            struct fc_diag *diag)
{
    char s[FC_DB_U64_CHARS];
    enum fc_err err = fc_db_query_value(db, sql, nparams, params, s, sizeof(s), diag);
    if (err)
        return err;
    /* fc_db_query_value gives "" for no row or NULL; a number is never empty */
    *v = strtoull(s, NULL, 10);
    if (found)
        *found = s[0] != '\0';
    return FC_OK;
}
