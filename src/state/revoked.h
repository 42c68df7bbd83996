/* Session tokens ended by logout before they expire: their ids (jti) are
 * kept until the token's own expiry. Embedded (per process) or Redis (seen
 * by every API process). */
#ifndef FC_STATE_REVOKED_H
#define FC_STATE_REVOKED_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

struct fc_revoked;

struct fc_revoked *fc_revoked_new_embedded(void);
enum fc_err fc_revoked_open_redis(const char *url, const char *prefix, struct fc_revoked **out,
                                  struct fc_diag *diag);
void fc_revoked_free(struct fc_revoked *r);

/* Records jti as ended until exp_unix_s. */
enum fc_err fc_revoked_add(struct fc_revoked *r, const char *jti, int64_t exp_unix_s,
                           struct fc_diag *diag);
/* Whether jti was ended; FC_ERR_UNAVAILABLE when Redis cannot be asked
 * (callers refuse the session then: failing closed). */
enum fc_err fc_revoked_has(struct fc_revoked *r, const char *jti, bool *out,
                           struct fc_diag *diag);

#endif
