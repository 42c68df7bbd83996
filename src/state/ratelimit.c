/* The rate limiter's contract (state/ratelimit.h) over either backend:
 * ratelimit_embedded.c (this process) or ratelimit_redis.c (shared). */
#include "state/ratelimit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "state/facade.h"
#include "state/ratelimit_backend.h"

FC_STATE_FACADE(ratelimit)
FC_STATE_FACADE_OPENERS(ratelimit)

bool fc_ratelimit_local(const struct fc_ratelimit *rl)
{
    return rl->ops == &fc_ratelimit_embedded_ops;
}

void fc_ratelimit_fill_result(struct fc_rate_result *out, int limit, double tokens, bool allowed)
{
    double per_s = limit / 60.0;
    out->allowed = allowed;
    out->limit = limit;
    out->remaining = (int)floor(tokens);
    out->reset_s = (int)ceil((limit - tokens) / per_s);
    out->retry_after_s = allowed ? 0 : (int)ceil((1.0 - tokens) / per_s);
    if (!allowed && out->retry_after_s < 1)
        out->retry_after_s = 1;
}

enum fc_err fc_ratelimit_take(struct fc_ratelimit *rl, const char *cls, const char *client,
                              int limit_per_min, struct fc_rate_result *out, struct fc_diag *diag)
{
    if (limit_per_min <= 0) {
        memset(out, 0, sizeof(*out));
        out->allowed = true;
        return FC_OK;
    }
    char key[256];
    snprintf(key, sizeof(key), "%s:%s", cls, client);
    return rl->ops->take(rl->impl, key, limit_per_min, out, diag);
}

enum fc_err fc_ratelimit_penalty_check(struct fc_ratelimit *rl, const char *key,
                                       int *retry_after_s, struct fc_diag *diag)
{
    int64_t now = fc_now_unix_ms(), until = 0;
    enum fc_err err = rl->ops->penalty_until(rl->impl, key, now, &until, diag);
    *retry_after_s = until > now ? (int)((until - now + 999) / 1000) : 0;
    return err;
}

enum fc_err fc_ratelimit_penalty_note(struct fc_ratelimit *rl, const char *key, bool failed,
                                      struct fc_diag *diag)
{
    return rl->ops->penalty_note(rl->impl, key, failed, fc_now_unix_ms(), diag);
}
