/* Which fids' rows changed, told across processes: the indexer publishes
 * after each commit, API processes listen and invalidate their caches.
 * Redis pub/sub; a listener that loses its connection reports a reset (it
 * may have missed messages) and reconnects. */
#ifndef FC_STATE_CHANGES_H
#define FC_STATE_CHANGES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fc_changes_pub;
struct fc_changes_sub;

/* *out is the caller's, freed with fc_changes_pub_free. */
FC_MUST_CHECK
enum fc_err fc_changes_pub_open(const char *url, const char *prefix, struct fc_changes_pub **out,
                                struct fc_diag *diag);
void fc_changes_pub_free(struct fc_changes_pub *p);
/* Publishes fids (a failure is logged: caches then expire by TTL). */
void fc_changes_publish(struct fc_changes_pub *p, const uint64_t *fids, size_t n);

/* on_change gets each published batch; on_reset is called after every
 * (re)connection, when messages may have been missed. Both run on the
 * listener's own thread. *out is the caller's: fc_changes_sub_stop ends the
 * thread and frees it. */
typedef void (*fc_changes_fn)(void *arg, const uint64_t *fids, size_t n);
typedef void (*fc_changes_reset_fn)(void *arg);
FC_MUST_CHECK
enum fc_err fc_changes_sub_start(const char *url, const char *prefix, fc_changes_fn on_change,
                                 fc_changes_reset_fn on_reset, void *arg,
                                 struct fc_changes_sub **out, struct fc_diag *diag);
void fc_changes_sub_stop(struct fc_changes_sub *s);

#endif
