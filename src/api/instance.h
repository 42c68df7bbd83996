/* The instance's admin credentials at start: the configured JWT secret and
 * password (hash), or, when none is configured, ones generated on the first
 * start and kept in PostgreSQL (store/secrets.h) so that every API process
 * of the instance uses the same. Nothing secret ships in the code. */
#ifndef FC_API_INSTANCE_H
#define FC_API_INSTANCE_H

#include "api/auth.h"
#include "core/config.h"
#include "core/err.h"
#include "store/pool.h"

#define FC_ONE_TIME_PASSWORD_MAX 64

/* Builds the auth state from cfg, reading or creating the stored secrets
 * through pool when cfg leaves them empty. When this call generated the
 * admin password, one_time_password gets it (shown once, never stored in
 * clear); otherwise it is set to "". *out is the caller's, freed with
 * fc_auth_free. */
FC_MUST_CHECK
enum fc_err fc_api_instance_auth(const struct fc_config *cfg, struct fc_pool *pool,
                                 struct fc_auth **out,
                                 char one_time_password[FC_ONE_TIME_PASSWORD_MAX],
                                 struct fc_diag *diag);

#endif
