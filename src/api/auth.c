#include "api/auth.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/hex.h"
#include "core/jsondepth.h"

/* {"alg":"HS256","typ":"JWT"} base64url-encoded: the only header accepted. */
static const char jwt_header[] = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9";

struct fc_auth {
    char *secret;
    size_t secret_len;
    char hash[crypto_pwhash_STRBYTES];
    int ttl_s;
};

enum fc_err fc_auth_hash_password(const char *password, char *out, size_t out_size,
                                  struct fc_diag *diag)
{
    if (sodium_init() < 0)
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "libsodium failed to initialise");
    if (out_size < crypto_pwhash_STRBYTES)
        return fc_diag_set(diag, FC_ERR_LIMIT, "password hash buffer too small");
    if (crypto_pwhash_str_alg(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
        return fc_diag_set(diag, FC_ERR_NOMEM, "argon2id hashing ran out of memory");
    return FC_OK;
}

enum fc_err fc_auth_new(const char *jwt_secret, const char *password, const char *password_hash,
                        int token_ttl_s, struct fc_auth **out, struct fc_diag *diag)
{
    if (sodium_init() < 0)
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "libsodium failed to initialise");
    if (!jwt_secret || !*jwt_secret)
        return fc_diag_set(diag, FC_ERR_INVALID, "auth.jwt_secret is empty");
    struct fc_auth *a = fc_xcalloc(1, sizeof(*a));
    a->secret = fc_xstrdup(jwt_secret);
    a->secret_len = strlen(jwt_secret);
    a->ttl_s = token_ttl_s;
    enum fc_err err = FC_OK;
    if (password_hash && *password_hash) {
        if (strncmp(password_hash, "$argon2id$", 10) != 0 ||
            strlen(password_hash) >= sizeof(a->hash))
            err = fc_diag_set(diag, FC_ERR_INVALID,
                              "auth.admin_password_hash: expected an argon2id string "
                              "(\"$argon2id$...\"; make one with `fcindex hash-password`)");
        else
            snprintf(a->hash, sizeof(a->hash), "%s", password_hash);
    } else if (password && *password) {
        err = fc_auth_hash_password(password, a->hash, sizeof(a->hash), diag);
    } else {
        /* never a hash of "": an empty password must not log in */
        err = fc_diag_set(diag, FC_ERR_INVALID, "no admin password or hash");
    }
    if (err) {
        fc_auth_free(a);
        return err;
    }
    *out = a;
    return FC_OK;
}

void fc_auth_free(struct fc_auth *a)
{
    if (!a)
        return;
    sodium_memzero(a->secret, a->secret_len);
    free(a->secret);
    free(a);
}

bool fc_auth_check_password(const struct fc_auth *a, const char *password)
{
    if (!*password)
        return false;
    return crypto_pwhash_str_verify(a->hash, password, strlen(password)) == 0;
}

int fc_auth_ttl(const struct fc_auth *a)
{
    return a->ttl_s;
}

static void hmac(const struct fc_auth *a, const char *data, size_t len,
                 unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, (const unsigned char *)a->secret, a->secret_len);
    crypto_auth_hmacsha256_update(&st, (const unsigned char *)data, len);
    crypto_auth_hmacsha256_final(&st, mac);
}

void fc_auth_issue(const struct fc_auth *a, const char *sub, int64_t now_s, struct fc_buf *out)
{
    struct fc_buf payload = FC_BUF_INIT;
    fc_buf_puts(&payload, "{\"sub\":");
    fc_buf_json_str(&payload, sub, strlen(sub));
    unsigned char id[16];
    char jti[33];
    randombytes_buf(id, sizeof(id));
    sodium_bin2hex(jti, sizeof(jti), id, sizeof(id));
    fc_buf_printf(&payload, ",\"jti\":\"%s\",\"iat\":%lld,\"exp\":%lld}", jti, (long long)now_s,
                  (long long)(now_s + a->ttl_s));
    size_t start = out->len;
    fc_buf_puts(out, jwt_header);
    fc_buf_putc(out, '.');
    char enc[1024];
    sodium_bin2base64(enc, sizeof(enc), (const unsigned char *)payload.data, payload.len,
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    fc_buf_puts(out, enc);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac(a, out->data + start, out->len - start, mac);
    sodium_bin2base64(enc, sizeof(enc), mac, sizeof(mac), sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    fc_buf_putc(out, '.');
    fc_buf_puts(out, enc);
    fc_buf_cleanup(&payload);
}

enum fc_err fc_auth_verify(const struct fc_auth *a, const char *token, int64_t now_s,
                           struct fc_auth_claims *claims, struct fc_diag *diag)
{
    size_t len = strlen(token);
    if (len > 2048)
        return fc_diag_set(diag, FC_ERR_INVALID, "token too long");
    const char *dot1 = strchr(token, '.');
    const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
    if (!dot1 || !dot2 || strchr(dot2 + 1, '.'))
        return fc_diag_set(diag, FC_ERR_INVALID, "malformed token");
    /* pinned header: HS256 only, no algorithm taken from the token */
    if ((size_t)(dot1 - token) != strlen(jwt_header) ||
        memcmp(token, jwt_header, strlen(jwt_header)) != 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "unsupported token header (only HS256 JWTs)");
    unsigned char given[64];
    size_t given_len = 0;
    if (sodium_base642bin(given, sizeof(given), dot2 + 1, strlen(dot2 + 1), NULL, &given_len, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0 ||
        given_len != crypto_auth_hmacsha256_BYTES)
        return fc_diag_set(diag, FC_ERR_INVALID, "malformed token signature");
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac(a, token, (size_t)(dot2 - token), mac);
    if (sodium_memcmp(mac, given, sizeof(mac)) != 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "bad token signature");
    char payload[1024];
    size_t plen = 0;
    if (sodium_base642bin((unsigned char *)payload, sizeof(payload) - 1, dot1 + 1,
                          (size_t)(dot2 - dot1 - 1), NULL, &plen, NULL,
                          sodium_base64_VARIANT_URLSAFE_NO_PADDING) != 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "malformed token payload");
    payload[plen] = '\0';
    /* a payload fcindex issued is one flat object */
    yajl_val v = fc_json_shape_ok(payload, plen, 2, 16) ? yajl_tree_parse(payload, NULL, 0) : NULL;
    const char *psub[] = {"sub", NULL}, *pexp[] = {"exp", NULL}, *piat[] = {"iat", NULL};
    const char *pjti[] = {"jti", NULL};
    yajl_val vj = v ? yajl_tree_get(v, pjti, yajl_t_string) : NULL;
    yajl_val vs = v ? yajl_tree_get(v, psub, yajl_t_string) : NULL;
    yajl_val ve = v ? yajl_tree_get(v, pexp, yajl_t_number) : NULL;
    yajl_val vi = v ? yajl_tree_get(v, piat, yajl_t_number) : NULL;
    enum fc_err err = FC_OK;
    if (!vs || !ve || !vi || !vj || !YAJL_IS_INTEGER(ve) || !YAJL_IS_INTEGER(vi) ||
        strlen(vj->u.string) >= sizeof(claims->jti) || strlen(vs->u.string) >= sizeof(claims->sub))
        err = fc_diag_set(diag, FC_ERR_INVALID, "token payload lacks sub, jti, iat or exp");
    else if (YAJL_GET_INTEGER(ve) <= now_s)
        err = fc_diag_set(diag, FC_ERR_INVALID, "token expired");
    else if (YAJL_GET_INTEGER(vi) > now_s + 60)
        err = fc_diag_set(diag, FC_ERR_INVALID, "token issued in the future");
    else {
        snprintf(claims->sub, sizeof(claims->sub), "%s", vs->u.string);
        snprintf(claims->jti, sizeof(claims->jti), "%s", vj->u.string);
        claims->exp = YAJL_GET_INTEGER(ve);
    }
    yajl_tree_free(v);
    return err;
}

void fc_auth_csrf(const struct fc_auth *a, const char *token, char out[65])
{
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "csrf:");
    fc_buf_puts(&b, token);
    unsigned char mac[crypto_auth_hmacsha256_BYTES];
    hmac(a, b.data, b.len, mac);
    fc_buf_cleanup(&b);
    sodium_bin2hex(out, 65, mac, sizeof(mac));
}

bool fc_auth_csrf_ok(const struct fc_auth *a, const char *token, const char *given)
{
    char want[65];
    fc_auth_csrf(a, token, want);
    bool ok = given && strlen(given) == 64 && sodium_memcmp(given, want, 64) == 0;
    sodium_memzero(want, sizeof(want));
    return ok;
}
