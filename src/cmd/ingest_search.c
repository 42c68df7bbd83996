#include "cmd/ingest_search.h"

#include <stdio.h>

#include "cmd/cmd.h"
#include "core/log.h"
#include "indexer/search_job.h"
#include "store/cast_search.h"

struct fc_search_job *fc_cmd_search_job_start(const char *name, const struct fc_config *cfg)
{
    struct fc_search_job *job = NULL;
    struct fc_diag diag = {{0}};
    if (fc_search_job_start(cfg, &job, &diag)) {
        log_warn("search", "%s: the search job did not start (%s); casts are indexed when the "
                 "command ends", name, diag.msg);
        return NULL;
    }
    return job;
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
