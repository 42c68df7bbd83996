/* Search upkeep around the commands that write casts (backfill --wait,
 * sync --until-head, import): the search job runs while they write, and
 * what it has not reached is indexed before they exit, so the database they
 * filled answers searches completely without a running `fcindex serve`. */
#ifndef FC_CMD_INGEST_SEARCH_H
#define FC_CMD_INGEST_SEARCH_H

#include "core/config.h"

struct fc_db;
struct fc_search_job;

/* Starts the search job (indexer/search_job.h) beside the command NAME's
 * writing, so indexing overlaps it; NULL when it could not start (a
 * warning is logged; fc_cmd_index_search then does all the work). Stop it
 * with fc_search_job_stop before fc_cmd_index_search. */
struct fc_search_job *fc_cmd_search_job_start(const char *name, const struct fc_config *cfg);

/* Indexes every cast still queued for search (store/cast_search.h).
 * FC_EXIT_OK, or FC_EXIT_FAIL with the reason printed as "fcindex NAME: ..."
 * (the casts stay queued for the next serve or command). */
int fc_cmd_index_search(const char *name, struct fc_db *db);

#endif
