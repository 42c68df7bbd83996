/* Full-text search upkeep behind the writer: inserting a cast queues its
 * hash (a trigger, in the writer's transaction; sql/migrations/
 * 0017_cast_search.sql), and these move queued casts into cast_search, the
 * table search reads. */
#ifndef FC_STORE_CAST_SEARCH_H
#define FC_STORE_CAST_SEARCH_H

#include <stddef.h>

#include "core/err.h"
#include "store/db.h"

/* The most queued casts one batch takes (one transaction). */
#define FC_CAST_SEARCH_BATCH 5000

/* One transaction on db: takes up to limit queued casts that no other
 * connection is taking (SKIP LOCKED), removes them from the queue and adds
 * the tsvector of each that is still live to cast_search. *taken is how many
 * left the queue (0: nothing to do), *indexed (may be NULL) how many were
 * added. On error nothing changed. */
FC_MUST_CHECK
enum fc_err fc_cast_search_index_batch(struct fc_db *db, size_t limit, size_t *taken,
                                       size_t *indexed, struct fc_diag *diag);

/* Batches until the queue holds nothing this connection can take (casts
 * other connections are indexing meanwhile are theirs); *indexed (may be
 * NULL) is how many were added in all. */
FC_MUST_CHECK
enum fc_err fc_cast_search_drain(struct fc_db *db, size_t *indexed, struct fc_diag *diag);

#endif
