#include "api/instance.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "store/secrets.h"

/* 32 random bytes as hex (the JWT key) or 18 as base64url (a password a
 * person can type: 24 characters, 144 bits). */
static void random_hex(char *out, size_t n_bytes)
{
    unsigned char b[32];
    randombytes_buf(b, n_bytes);
    sodium_bin2hex(out, n_bytes * 2 + 1, b, n_bytes);
    sodium_memzero(b, sizeof(b));
}

static void random_password(char out[FC_ONE_TIME_PASSWORD_MAX])
{
    unsigned char b[18];
    randombytes_buf(b, sizeof(b));
    sodium_bin2base64(out, FC_ONE_TIME_PASSWORD_MAX, b, sizeof(b),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(b, sizeof(b));
}

enum fc_err fc_api_instance_auth(const struct fc_config *cfg, struct fc_pool *pool,
                                 struct fc_auth **out,
                                 char one_time_password[FC_ONE_TIME_PASSWORD_MAX],
                                 struct fc_diag *diag)
{
    one_time_password[0] = '\0';
    if (sodium_init() < 0)
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "libsodium failed to initialise");
    bool need_secret = !*cfg->jwt_secret;
    bool need_password = !*cfg->admin_password && !*cfg->admin_password_hash;
    if (!need_secret && !need_password)
        return fc_auth_new(cfg->jwt_secret, cfg->admin_password, cfg->admin_password_hash,
                           cfg->token_ttl_s, out, diag);
    struct fc_db *db = NULL;
    struct fc_diag d;
    if (fc_pool_get(pool, 10000, &db, &d))
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE,
                           "cannot read the instance's generated secrets (auth.jwt_secret and "
                           "auth.admin_password are not set): %s", d.msg);
    char secret[128] = "", hash[256] = "", password[FC_ONE_TIME_PASSWORD_MAX] = "";
    enum fc_err err = FC_OK;
    bool created = false;
    if (need_secret) {
        char proposed[65];
        random_hex(proposed, 32);
        err = fc_secrets_get_or_create(db, "jwt_secret", proposed, secret, sizeof(secret),
                                       &created, &d);
        sodium_memzero(proposed, sizeof(proposed));
    }
    if (!err && need_password) {
        char proposed[256];
        random_password(password);
        err = fc_auth_hash_password(password, proposed, sizeof(proposed), &d);
        if (!err)
            err = fc_secrets_get_or_create(db, "admin_password_hash", proposed, hash,
                                           sizeof(hash), &created, &d);
        if (!err && created) /* ours was stored: show it, once */
            memcpy(one_time_password, password, sizeof(password));
        sodium_memzero(password, sizeof(password));
    }
    fc_pool_put(pool, db);
    if (err) {
        sodium_memzero(secret, sizeof(secret));
        return fc_diag_set(diag, err, "instance secrets: %s", d.msg);
    }
    err = fc_auth_new(need_secret ? secret : cfg->jwt_secret,
                      need_password ? "" : cfg->admin_password,
                      need_password ? hash : cfg->admin_password_hash, cfg->token_ttl_s, out,
                      diag);
    sodium_memzero(secret, sizeof(secret));
    if (err)
        one_time_password[0] = '\0';
    return err;
}
