/* fcindex sync --until-head: follow the event streams up to the hubs'
 * current head once, then stop. */
#include <stdio.h>
#include <string.h>

#include "cmd/ingest_search.h"
#include "cmd/with_db.h"
#include "indexer/indexer.h"
#include "indexer/search_job.h"
#include "store/db.h"

static int sync_until_head(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    (void)arg;
    struct fc_indexer *ix = NULL;
    struct fc_diag diag = {{0}};
    struct fc_sync_stats st;
    int rc = FC_EXIT_OK;
    struct fc_search_job *search = fc_cmd_search_job_start("sync", cfg);
    enum fc_err err = fc_indexer_new(cfg, &ix, &diag);
    if (!err)
        err = fc_indexer_sync_until_head(ix, &st, &diag);
    fc_search_job_stop(search);
    if (err)
        rc = fc_cmd_fail("sync", &diag);
    else
        printf("sync: %zu pages, %zu events, %zu applied, %zu new targets, %zu dropped, "
               "%zu blocks re-read, %zu retention re-syncs\n", st.pages, st.events, st.kept,
               st.new_targets, st.dropped_targets, st.block_rereads, st.retention_resyncs);
    fc_indexer_free(ix);
    /* what the job left, and what was applied before a failure, is searchable too */
    int search_rc = fc_cmd_index_search("sync", db);
    return rc ? rc : search_rc;
}

int fc_cmd_sync(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc != 1 || strcmp(ctx->argv[0], "--until-head") != 0)
        return fc_cmd_usage("usage: fcindex sync --until-head\n");
    return fc_cmd_with_db(ctx, sync_until_head, NULL);
}
