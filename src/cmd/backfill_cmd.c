/* fcindex backfill: queue one fid (or every unsynced target) for a
 * backfill, or run it here with --wait. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "indexer/indexer.h"
#include "store/db.h"
#include "store/targets.h"

int fc_cmd_backfill(struct fc_cmd_ctx *ctx)
{
    static const char usage[] = "usage: fcindex backfill [--fid N | --all-unsynced] [--wait]\n";
    uint64_t fid = 0;
    bool all = false, wait = false;
    for (int i = 0; i < ctx->argc; i++) {
        if (strcmp(ctx->argv[i], "--fid") == 0 && i + 1 < ctx->argc) {
            if (!fc_cmd_parse_fid(ctx->argv[++i], &fid))
                return FC_EXIT_USAGE;
        } else if (strcmp(ctx->argv[i], "--all-unsynced") == 0) {
            all = true;
        } else if (strcmp(ctx->argv[i], "--wait") == 0) {
            wait = true;
        } else {
            return fc_cmd_usage(usage);
        }
    }
    if ((fid != 0) == all)
        return fc_cmd_usage(usage);
    struct fc_config cfg;
    struct fc_db *db = NULL;
    struct fc_indexer *ix = NULL;
    struct fc_diag diag = {{0}};
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (rc)
        goto out;
    if (fid) {
        /* Pending work lives in PostgreSQL: a new target, or one already synced
         * marked pending again, is backfilled by a running indexer or below. */
        bool added = false;
        enum fc_err err = fc_targets_add(db, fid, false, "admin", &added, &diag);
        if (!err && !added)
            err = fc_targets_request_backfill(db, fid, &diag);
        if (err) {
            rc = fc_cmd_fail("backfill", &diag);
            goto out;
        }
    }
    if (!wait) {
        if (fid)
            printf("fid %llu queued for a backfill; a running `fcindex serve` takes it (or add "
                   "--wait)\n", (unsigned long long)fid);
        else
            printf("queued; a running `fcindex serve` backfills pending targets (or add --wait)\n");
        goto out;
    }
    if (fc_indexer_new(&cfg, &ix, &diag)) {
        rc = fc_cmd_fail("backfill", &diag);
        goto out;
    }
    struct fc_backfill_stats st;
    enum fc_err err = fc_indexer_backfill(ix, fid ? &fid : NULL, fid ? 1 : 0, &st, &diag);
    printf("backfill: %zu fids done, %zu failed, %zu messages, %zu pages, %zu dead letters\n",
           st.jobs_ok, st.jobs_failed, st.messages, st.pages, st.dead_letters);
    if (err)
        rc = fc_cmd_fail("backfill", &diag);
out:
    fc_indexer_free(ix);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
