/* Fuzz target: everything the API parses from a request before a handler
 * queries the database. Input lines: METHOD, PATH, HOST, ORIGIN,
 * X-FORWARDED-FOR, session TOKEN, CSRF token, then the BODY (the rest).
 * Runs the router, the Host and Origin parsers, the X-Forwarded-For parser
 * and the client bucket, JWT verification and the CSRF check, and every
 * JSON body shape a route takes; whatever is accepted must satisfy the
 * documented shapes (abort otherwise). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/auth.h"
#include "api/body.h"
#include "api/internal.h"
#include "api/parse.h"
#include "core/jsondepth.h"
#include "fuzz_lines.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(bool ok)
{
    if (!ok)
        abort();
}

static bool no_ctl(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f)
            return false;
    return true;
}

static bool is_proxy(void *arg, const char *s, size_t len)
{
    (void)arg;
    return len == 9 && memcmp(s, "127.0.0.1", 9) == 0;
}

static struct fc_auth *auth_once(void)
{
    static struct fc_auth *a;
    if (!a) {
        struct fc_diag d;
        if (fc_auth_new("fuzz-secret-0123456789abcdef0123456789", "fuzz password 1", "", 3600,
                        &a, &d))
            abort();
    }
    return a;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 65536)
        return 0;
    char *field[8];
    char *buf = fuzz_lines(data, size, field, 8);
    /* router */
    bool known = false;
    struct fc_buf allow = FC_BUF_INIT;
    int r = fc_api_route_find(field[0], field[1], &known, &allow);
    check(r < (int)fc_api_n_routes);
    if (r >= 0)
        check(known && strcmp(fc_api_routes[r].method, field[0]) == 0);
    check(known == (allow.len > 0));
    fc_buf_cleanup(&allow);
    /* Host and Origin */
    char name[256];
    if (fc_api_host_name(field[2], name))
        check(*name && strlen(name) < 256 && no_ctl(name) && !strchr(name, '/'));
    if (fc_api_origin_host(field[3], name))
        check(*name && no_ctl(name) && !strchr(name, '/'));
    /* X-Forwarded-For and the rate-limit bucket */
    char ip[64] = "127.0.0.1", bucket[80];
    if (fc_api_forwarded_client(field[4], is_proxy, NULL, ip, sizeof(ip)))
        check(strspn(ip, "0123456789abcdefABCDEF.:") == strlen(ip) && strcmp(ip, "127.0.0.1"));
    fc_api_client_bucket(ip, bucket, sizeof(bucket));
    check(strlen(bucket) < sizeof(bucket));
    /* session token and CSRF token */
    struct fc_auth_claims claims;
    struct fc_diag d;
    if (fc_auth_verify(auth_once(), field[5], 1700000000, &claims, &d) == FC_OK)
        check(claims.exp > 1700000000 && strlen(claims.jti) < sizeof(claims.jti));
    fc_auth_csrf_ok(auth_once(), field[5], field[6]);
    /* every body shape */
    const char *const *shapes[] = {fc_api_login_fields, fc_api_target_add_fields,
                                   fc_api_target_put_fields, fc_api_client_add_fields};
    size_t blen = strlen(field[7]);
    bool shallow = fc_json_shape_ok(field[7], blen, FC_API_BODY_MAX_DEPTH, FC_API_BODY_MAX_ITEMS);
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        const char *code = NULL;
        char msg[400];
        yajl_val v = fc_api_body_object(field[7], blen, shapes[i], &code, msg, sizeof(msg));
        if (!v) {
            check(code && *msg);
            continue;
        }
        check(shallow && YAJL_IS_OBJECT(v));
        char fid[32];
        if (fc_api_body_fid_text(v, fid))
            check(strlen(fid) < 32);
        bool b;
        fc_api_body_bool(v, "root", true, &b);
        const char *pw = fc_api_body_string(v, "password", 1024);
        check(!pw || strlen(pw) <= 1024);
        yajl_tree_free(v);
    }
    free(buf);
    return 0;
}
