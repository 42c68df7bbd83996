#include "cmd/with_db.h"

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
