/* fcindex sync --until-head: follow the event streams up to the hubs'
 * current head once, then stop. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "indexer/indexer.h"
#include "store/db.h"

int fc_cmd_sync(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc != 1 || strcmp(ctx->argv[0], "--until-head") != 0)
        return fc_cmd_usage("usage: fcindex sync --until-head\n");
    struct fc_config cfg;
    struct fc_db *db = NULL;
    struct fc_indexer *ix = NULL;
    struct fc_diag diag = {{0}};
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (rc)
        goto out;
    if (fc_indexer_new(&cfg, &ix, &diag)) {
        rc = fc_cmd_fail("sync", &diag);
        goto out;
    }
    struct fc_sync_stats st;
    if (fc_indexer_sync_until_head(ix, &st, &diag)) {
        rc = fc_cmd_fail("sync", &diag);
    } else {
        printf("sync: %zu pages, %zu events, %zu applied, %zu new targets, %zu dropped, "
               "%zu blocks re-read, %zu retention re-syncs\n", st.pages, st.events, st.kept,
               st.new_targets, st.dropped_targets, st.block_rereads, st.retention_resyncs);
    }
out:
    fc_indexer_free(ix);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
