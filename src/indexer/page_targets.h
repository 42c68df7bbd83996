/* Target membership of the fids one events page mentions, read in one round
 * trip (one SMISMEMBER on Redis rather than a SISMEMBER per event). A read
 * error fails the page, which is then retried: an event is never dropped
 * because the set could not be asked. Changes made while applying the page
 * are written through. Used by one thread at a time. */
#ifndef FC_INDEXER_PAGE_TARGETS_H
#define FC_INDEXER_PAGE_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/vec.h"

struct fc_fidset;

/* Starts zeroed; fc_page_targets_cleanup frees both arrays. Emptied for the
 * next page by setting fids.n to 0. */
struct fc_page_targets {
    FC_VEC(uint64_t) fids; /* sorted, unique after fc_page_targets_sort or _load */
    bool *has;             /* has[i]: fids.p[i] is in the set, after _load */
};

/* Notes a fid the page mentions (0 is ignored). */
void fc_page_targets_note(struct fc_page_targets *pt, uint64_t fid);
/* Sorts and deduplicates the noted fids. */
void fc_page_targets_sort(struct fc_page_targets *pt);
/* fc_page_targets_sort, then asks set about all of them. */
FC_MUST_CHECK
enum fc_err fc_page_targets_load(struct fc_page_targets *pt, struct fc_fidset *set,
                                 struct fc_diag *diag);
/* The cached answer for fid (writable, to record changes), or NULL when the
 * page did not note it. */
bool *fc_page_targets_slot(const struct fc_page_targets *pt, uint64_t fid);
void fc_page_targets_cleanup(struct fc_page_targets *pt);

#endif
