/* The two backends of the rate limiter (state/ratelimit.h), behind one
 * table of operations. Private to src/state/ratelimit*.c. */
#ifndef FC_STATE_RATELIMIT_BACKEND_H
#define FC_STATE_RATELIMIT_BACKEND_H

#include "state/facade.h"
#include "state/ratelimit.h"

struct fc_ratelimit_ops {
    void (*free)(void *impl);
    /* One request against key's bucket of limit per minute (limit > 0). */
    enum fc_err (*take)(void *impl, const char *key, int limit, struct fc_rate_result *out,
                        struct fc_diag *diag);
    /* Unix ms until which key is locked (0 when not). */
    enum fc_err (*penalty_until)(void *impl, const char *key, int64_t now_unix_ms,
                                 int64_t *until_unix_ms, struct fc_diag *diag);
    enum fc_err (*penalty_note)(void *impl, const char *key, bool failed, int64_t now_unix_ms,
                                struct fc_diag *diag);
};

/* A backend's table from its functions P_free, P_take, ... */
#define FC_RATELIMIT_OPS(P)                                                                     \
    {                                                                                           \
        .free = P##_free, .take = P##_take, .penalty_until = P##_penalty_until,                 \
        .penalty_note = P##_penalty_note,                                                       \
    }

FC_STATE_BACKENDS(ratelimit);

void *fc_ratelimit_embedded_new(void);
FC_MUST_CHECK
enum fc_err fc_ratelimit_redis_open(const char *url, const char *prefix, void **out,
                                    struct fc_diag *diag);

/* The result of a take that leaves tokens in a bucket of limit. */
void fc_ratelimit_fill_result(struct fc_rate_result *out, int limit, double tokens, bool allowed);

#endif
