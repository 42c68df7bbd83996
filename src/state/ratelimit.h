/* Request rate limits per (client, class): a token bucket that holds `limit`
 * requests and refills at limit per minute. Embedded (per process) or Redis
 * (shared by every API process; one Lua script per check). */
#ifndef FC_STATE_RATELIMIT_H
#define FC_STATE_RATELIMIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct fc_ratelimit;

struct fc_rate_result {
    bool allowed;
    int limit;       /* bucket size (requests per minute) */
    int remaining;   /* whole requests left after this one */
    int reset_s;     /* seconds until the bucket is full again */
    int retry_after_s; /* when refused: seconds until one request is allowed */
};

/* A limiter in this process; the caller frees it with fc_ratelimit_free. */
struct fc_ratelimit *fc_ratelimit_new_embedded(void);
/* A limiter shared in Redis; *out is the caller's, freed with
 * fc_ratelimit_free. */
FC_MUST_CHECK
enum fc_err fc_ratelimit_open_redis(const char *url, const char *prefix, struct fc_ratelimit **out,
                                    struct fc_diag *diag);
/* Whether the limiter counts in this process's memory (no network wait). */
bool fc_ratelimit_local(const struct fc_ratelimit *rl);
void fc_ratelimit_free(struct fc_ratelimit *rl);

/* Takes one request from the bucket of (cls, client). A limit of 0 means no
 * limit. When Redis cannot be asked, *out says allowed and
 * FC_ERR_UNAVAILABLE is returned: the caller decides (public reads go on;
 * logins are refused). */
FC_MUST_CHECK
enum fc_err fc_ratelimit_take(struct fc_ratelimit *rl, const char *cls, const char *client,
                              int limit_per_min, struct fc_rate_result *out, struct fc_diag *diag);

/* Growing delays after failures (login): after FC_PENALTY_FREE failures
 * in an hour, key is locked for 1 s, then 2, 4, ... up to 15 min after each
 * further failure. check: *retry_after_s > 0 while locked. note: failed
 * adds a failure, !failed (a success) forgets them. Redis errors are
 * returned (the caller refuses the login: failing closed). */
#define FC_PENALTY_FREE 3
#define FC_PENALTY_MAX_S 900
FC_MUST_CHECK
enum fc_err fc_ratelimit_penalty_check(struct fc_ratelimit *rl, const char *key,
                                       int *retry_after_s, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_ratelimit_penalty_note(struct fc_ratelimit *rl, const char *key, bool failed,
                                      struct fc_diag *diag);

#endif
