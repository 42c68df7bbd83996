/* fcindex backfill: queue one fid (or every unsynced target) for a
 * backfill, or run it here with --wait. */
#include <stdio.h>
#include <string.h>

#include "cmd/ingest_search.h"
#include "cmd/with_db.h"
#include "indexer/indexer.h"
#include "indexer/search_job.h"
#include "store/db.h"
#include "store/targets.h"

struct backfill_args {
    uint64_t fid; /* 0: every unsynced target */
    bool wait;
};

static int backfill(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    const struct backfill_args *a = arg;
    uint64_t fid = a->fid;
    struct fc_diag diag = {{0}};
    if (fid) {
        /* Pending work lives in PostgreSQL: a new target, or one already synced
         * marked pending again, is backfilled by a running indexer or below. */
        bool added = false;
        enum fc_err err = fc_targets_add(db, fid, false, "admin", &added, &diag);
        if (!err && !added)
            err = fc_targets_request_backfill(db, fid, &diag);
        if (err)
            return fc_cmd_fail("backfill", &diag);
    }
    if (!a->wait) {
        if (fid)
            printf("fid %llu queued for a backfill; a running `fcindex serve` takes it (or add "
                   "--wait)\n", (unsigned long long)fid);
        else
            printf("queued; a running `fcindex serve` backfills pending targets (or add --wait)\n");
        return FC_EXIT_OK;
    }
    struct fc_indexer *ix = NULL;
    if (fc_indexer_new(cfg, &ix, &diag))
        return fc_cmd_fail("backfill", &diag);
    struct fc_search_job *search = fc_cmd_search_job_start("backfill", cfg);
    struct fc_backfill_stats st;
    enum fc_err err = fc_indexer_backfill(ix, fid ? &fid : NULL, fid ? 1 : 0, &st, &diag);
    fc_search_job_stop(search);
    printf("backfill: %zu fids done, %zu failed, %zu messages, %zu pages, %zu dead letters\n",
           st.jobs_ok, st.jobs_failed, st.messages, st.pages, st.dead_letters);
    int rc = err ? fc_cmd_fail("backfill", &diag) : FC_EXIT_OK;
    fc_indexer_free(ix);
    /* what the job left, and what was written before a failure, is searchable too */
    int search_rc = fc_cmd_index_search("backfill", db);
    return rc ? rc : search_rc;
}

int fc_cmd_backfill(struct fc_cmd_ctx *ctx)
{
    static const char usage[] = "usage: fcindex backfill [--fid N | --all-unsynced] [--wait]\n";
    struct backfill_args a = {0};
    bool all = false;
    for (int i = 0; i < ctx->argc; i++) {
        if (strcmp(ctx->argv[i], "--fid") == 0 && i + 1 < ctx->argc) {
            if (!fc_cmd_parse_fid(ctx->argv[++i], &a.fid))
                return FC_EXIT_USAGE;
        } else if (strcmp(ctx->argv[i], "--all-unsynced") == 0) {
            all = true;
        } else if (strcmp(ctx->argv[i], "--wait") == 0) {
            a.wait = true;
        } else {
            return fc_cmd_usage(usage);
        }
    }
    if ((a.fid != 0) == all)
        return fc_cmd_usage(usage);
    return fc_cmd_with_db(ctx, backfill, &a);
}
