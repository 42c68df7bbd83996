/* The indexer's part of this process's status report (state/procs.h):
 * counters, rates, stream cursors and lag, and each hub's health. */
#ifndef FC_INDEXER_REPORT_H
#define FC_INDEXER_REPORT_H

#include "indexer/indexer.h"
#include "state/procs.h"

/* Fills s's indexer fields from ix. Rates are measured against the values
 * s held from the previous call (its counters and heartbeat), so the same
 * s is passed each time. Safe from any thread. */
void fc_indexer_report(struct fc_indexer *ix, struct fc_proc_status *s);

#endif
