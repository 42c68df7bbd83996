/* Target membership of the fids one events page mentions, read from
 * PostgreSQL in one round trip. PostgreSQL, not a shared set: every process
 * and the CLI write the targets table, while a set misses what was added
 * where it is not written (a target added by the CLI under a running serve
 * lost its stream events). A read error fails the page, which is then
 * retried: an event is never dropped because membership could not be asked.
 * Changes made while applying the page are written through. Used by one
 * thread at a time. */
#ifndef FC_INDEXER_PAGE_TARGETS_H
#define FC_INDEXER_PAGE_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/vec.h"

struct fc_db;

/* Starts zeroed; fc_page_targets_cleanup frees both arrays. Emptied for the
 * next page by setting fids.n to 0. */
struct fc_page_targets {
    FC_VEC(uint64_t) fids; /* sorted, unique after fc_page_targets_sort or _load */
    bool *has;             /* has[i]: fids.p[i] is a target (a root), after _load */
};

/* Notes a fid the page mentions (0 is ignored). */
void fc_page_targets_note(struct fc_page_targets *pt, uint64_t fid);
/* Sorts and deduplicates the noted fids. */
void fc_page_targets_sort(struct fc_page_targets *pt);
/* fc_page_targets_sort on both, then asks db which of targets' fids are
 * targets and which of roots' fids are roots. */
FC_MUST_CHECK
enum fc_err fc_page_targets_load(struct fc_page_targets *targets, struct fc_page_targets *roots,
                                 struct fc_db *db, struct fc_diag *diag);
/* The cached answer for fid (writable, to record changes), or NULL when the
 * page did not note it. */
bool *fc_page_targets_slot(const struct fc_page_targets *pt, uint64_t fid);
void fc_page_targets_cleanup(struct fc_page_targets *pt);

#endif
