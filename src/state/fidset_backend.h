/* The two backends of a fid set (state/fidset.h), behind one table of
 * operations. Private to src/state/fidset*.c. */
#ifndef FC_STATE_FIDSET_BACKEND_H
#define FC_STATE_FIDSET_BACKEND_H

#include "state/facade.h"
#include "state/fidset.h"

struct fc_fidset_ops {
    void (*free)(void *impl);
    bool (*has)(void *impl, uint64_t fid);
    enum fc_err (*has_many)(void *impl, const uint64_t *fids, size_t n, bool *out,
                            struct fc_diag *diag);
    enum fc_err (*add)(void *impl, uint64_t fid, struct fc_diag *diag);
    enum fc_err (*remove)(void *impl, uint64_t fid, struct fc_diag *diag);
    enum fc_err (*count)(void *impl, size_t *n, struct fc_diag *diag);
    enum fc_err (*replace)(void *impl, const uint64_t *fids, size_t n, struct fc_diag *diag);
    uint64_t (*connects)(void *impl);
};

/* A backend's table from its functions P_free, P_has, ... */
#define FC_FIDSET_OPS(P)                                                                        \
    {                                                                                           \
        .free = P##_free, .has = P##_has, .has_many = P##_has_many, .add = P##_add,             \
        .remove = P##_remove, .count = P##_count, .replace = P##_replace,                       \
        .connects = P##_connects,                                                               \
    }

FC_STATE_BACKENDS(fidset);

void *fc_fidset_embedded_new(void);
FC_MUST_CHECK
enum fc_err fc_fidset_redis_open(const char *url, const char *prefix, const char *name,
                                 void **out, struct fc_diag *diag);

#endif
