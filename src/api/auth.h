/* Admin authentication: the password checked against an argon2id hash, and
 * session tokens as HS256 JWTs (sub, iat, exp). Verification is pinned: the
 * header must be exactly the one fcindex issues, so "alg":"none" or any
 * other algorithm is refused before the signature is even looked at; the
 * signature is compared in constant time and expiry is enforced. */
#ifndef FC_API_AUTH_H
#define FC_API_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

struct fc_auth;

/* password_hash: an argon2id string ("$argon2id$..."), or "" to hash
 * password now. *out is the caller's, freed with fc_auth_free. */
FC_MUST_CHECK
enum fc_err fc_auth_new(const char *jwt_secret, const char *password, const char *password_hash,
                        int token_ttl_s, struct fc_auth **out, struct fc_diag *diag);
void fc_auth_free(struct fc_auth *a);

/* Constant-time check of a login password. */
bool fc_auth_check_password(const struct fc_auth *a, const char *password);

/* Issues a token for sub valid from now_s for the configured TTL, with a
 * random id. */
void fc_auth_issue(const struct fc_auth *a, const char *sub, int64_t now_s, struct fc_buf *out);
int fc_auth_ttl(const struct fc_auth *a);

struct fc_auth_claims {
    char sub[64];
    char jti[40]; /* the token's id (logout ends it before exp) */
    int64_t exp;
};

/* Checks token at now_s; on success fills claims. FC_ERR_INVALID with the
 * reason (malformed, wrong header, bad signature, expired). */
FC_MUST_CHECK
enum fc_err fc_auth_verify(const struct fc_auth *a, const char *token, int64_t now_s,
                           struct fc_auth_claims *claims, struct fc_diag *diag);

/* The CSRF token bound to a session token (hex of an HMAC of it). */
void fc_auth_csrf(const struct fc_auth *a, const char *token, char out[65]);

/* Whether given is the CSRF token of token (compared in constant time). */
bool fc_auth_csrf_ok(const struct fc_auth *a, const char *token, const char *given);

/* Hashes a password to an argon2id string (for `fcindex hash-password`). */
FC_MUST_CHECK
enum fc_err fc_auth_hash_password(const char *password, char *out, size_t out_size,
                                  struct fc_diag *diag);

#endif
