/* The admin password policy, shared by the configuration check, the API's
 * start and `fcindex hash-password`. Pure; thread-safe. */
#ifndef FC_CORE_PASSWORD_H
#define FC_CORE_PASSWORD_H

#include <stdbool.h>

#define FC_PASSWORD_MIN 12        /* every profile */
#define FC_PASSWORD_MIN_STRICT 16 /* production */
#define FC_PASSWORD_MAX 1024

/* NULL when password is acceptable, otherwise why not (a phrase that
 * completes "the password is ..."). strict: the production rules (longer,
 * more varied), which favour long passphrases over symbol rules. */
const char *fc_password_problem(const char *password, bool strict);

#endif
