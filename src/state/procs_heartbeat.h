/* A thread that publishes this process's entry in the process registry
 * about once a second, refreshing it through a callback each time, and
 * removes the entry when stopped. Publishing never blocks the caller's
 * work: it runs on its own thread with its own Redis connection. */
#ifndef FC_STATE_PROCS_HEARTBEAT_H
#define FC_STATE_PROCS_HEARTBEAT_H

#include "state/procs.h"

/* Refreshes the fields of s it owns (identity is kept between calls). */
typedef void (*fc_proc_fill_fn)(void *arg, struct fc_proc_status *s);

struct fc_proc_heartbeat;

/* Starts publishing identity (copied) every interval_ms into p (borrowed;
 * must outlive the heartbeat), calling fill (may be NULL) before each.
 * Returns NULL only if the thread cannot start. */
struct fc_proc_heartbeat *fc_proc_heartbeat_start(struct fc_procs *p,
                                                  const struct fc_proc_status *identity,
                                                  fc_proc_fill_fn fill, void *arg, int interval_ms);
/* Stops the thread and removes the entry. NULL is a no-op. */
void fc_proc_heartbeat_stop(struct fc_proc_heartbeat *hb);

#endif
