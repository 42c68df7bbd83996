#include "cmd/with_db.h"

#include <stdio.h>

#include "core/log.h"
#include "store/cast_search.h"

int fc_cmd_with_db(struct fc_cmd_ctx *ctx, fc_cmd_db_work *work, void *arg)
{
    struct fc_config cfg;
    struct fc_db *db = NULL;
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (!rc)
        rc = work(&cfg, db, arg);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}

int fc_cmd_index_search(const char *name, struct fc_db *db)
{
    struct fc_diag diag = {{0}};
    size_t indexed = 0;
    if (fc_cast_search_drain(db, &indexed, &diag)) {
        fprintf(stderr, "fcindex %s: indexing casts for search: %s (they stay queued: the next "
                        "`fcindex serve` indexes them)\n", name, diag.msg);
        return FC_EXIT_FAIL;
    }
    if (indexed)
        log_info("search", "%zu casts indexed for search", indexed);
    return FC_EXIT_OK;
}
