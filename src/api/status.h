/* What the API says about the indexer and the other processes of the
 * instance, read from the process registry (state/procs.h) only, so every
 * API process, in the indexer's process or beside it, says the same. */
#ifndef FC_API_STATUS_H
#define FC_API_STATUS_H

#include <stddef.h>

#include "core/buf.h"
#include "state/procs.h"

/* Appends `"indexer":{...}|null,"hubs":[...],"processes":[...]` (no braces
 * around them) for /admin/status. hub_names lists the configured hubs, so a
 * hub no live indexer reports on still appears, with "healthy":null. */
void fc_api_status_json(const struct fc_proc_status *procs, size_t n, const char *const *hub_names,
                        size_t n_hubs, struct fc_buf *out);

/* Appends `{"indexer_processes":N,"events_per_s":X,"messages_per_s":Y}`:
 * the live indexers' rates now, as their last reports give them. */
void fc_api_status_rates_now_json(const struct fc_proc_status *procs, size_t n,
                                  struct fc_buf *out);

/* Appends the indexer and process families of /metrics. */
void fc_api_status_metrics(const struct fc_proc_status *procs, size_t n, struct fc_buf *out);

#endif
