#include "support/indexrun.h"

#include <stdio.h>

int fct_index_cmd(const char *const *env, const char *a, const char *b, const char *c,
                  const char *d, struct fc_buf *out)
{
    const char *argv[] = {fct_fcindex_bin(), a, b, c, d, NULL};
    struct fc_buf local = FC_BUF_INIT;
    if (!out)
        out = &local;
    int rc = fct_run(argv, env, out);
    if (rc != 0)
        fprintf(stderr, "fcindex %s %s: rc %d: %s\n", a, b ? b : "", rc, out->data);
    fc_buf_cleanup(&local);
    return rc;
}

void fct_index_fully(const char *const *env, const char *db)
{
    for (int round = 0; round < 6; round++) {
        assert_int_equal(fct_index_cmd(env, "backfill", "--all-unsynced", "--wait", NULL, NULL),
                         0);
        assert_int_equal(fct_index_cmd(env, "sync", "--until-head", NULL, NULL, NULL), 0);
        if (fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL") == 0)
            return;
    }
    fail_msg("targets still pending after 6 rounds");
}
