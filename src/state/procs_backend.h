/* The two storage backends of the process registry (state/procs.h), behind
 * one table of operations. Private to src/state/procs*.c. */
#ifndef FC_STATE_PROCS_BACKEND_H
#define FC_STATE_PROCS_BACKEND_H

#include <stddef.h>
#include <stdint.h>

#include "state/facade.h"
#include "state/procs.h"

struct fc_procs_ops {
    void (*free)(void *impl);
    enum fc_err (*publish)(void *impl, const struct fc_proc_status *s, struct fc_diag *diag);
    enum fc_err (*remove)(void *impl, const char *id, struct fc_diag *diag);
    /* Entries whose heartbeat is at or after since_unix_ms, in any order, as a
     * new array (free()); older ones may be dropped on the way. */
    enum fc_err (*list)(void *impl, int64_t since_unix_ms, struct fc_proc_status **out, size_t *n,
                        struct fc_diag *diag);
};

/* A backend's table from its functions P_free, P_publish, ... */
#define FC_PROCS_OPS(P)                                                                         \
    {                                                                                           \
        .free = P##_free, .publish = P##_publish, .remove = P##_remove, .list = P##_list,       \
    }

FC_STATE_BACKENDS(procs);

void *fc_procs_embedded_new(void);
FC_MUST_CHECK
enum fc_err fc_procs_redis_open(const char *url, const char *prefix, void **out,
                                struct fc_diag *diag);

#endif
