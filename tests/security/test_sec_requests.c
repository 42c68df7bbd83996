/* Hostile requests: DNS rebinding (a Host or Origin naming another site, on
 * every kind of route and with a valid session), and nested or huge JSON on
 * every route that takes a body, with the body cap raised to its maximum;
 * each is refused and the server keeps answering. */
#include "security/secsupport.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#define PASSWORD "a correct horse battery staple"

static int setup(void **state)
{
    (void)state;
    return sec_db_setup("sec_req");
}

static void start(struct sec_server *s, const char *const *more)
{
    sec_api_start(s,
                  (const char *[]){"REDIS_URL=", "FCINDEX_API_LISTEN=127.0.0.1:0",
                                   "FCINDEX_AUTH_ADMIN_PASSWORD=" PASSWORD,
                                   "FCINDEX_AUTH_COOKIE_SECURE=false", "FCINDEX_LOG_LEVEL=error",
                                   "FCINDEX_API_RATE_LOGIN_PER_MIN=1000",
                                   "FCINDEX_API_RATE_LOGIN_GLOBAL_PER_MIN=1000", NULL},
                  more);
}

struct session {
    char cookie[2300], csrf[128], origin[96];
};

static void log_in(const struct sec_server *s, struct session *out)
{
    long st;
    char *token = sec_login(s, PASSWORD, NULL, &st);
    assert_non_null(token);
    snprintf(out->cookie, sizeof(out->cookie), "Cookie: token=%s", token);
    free(token);
    struct fct_http h;
    sec_call(s, "GET", "/auth/session", (const char *[]){out->cookie, NULL}, NULL, &h);
    assert_int_equal(h.status, 200);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    const char *p[] = {"csrf_token", NULL};
    yajl_val c = yajl_tree_get(v, p, yajl_t_string);
    assert_non_null(c);
    snprintf(out->csrf, sizeof(out->csrf), "X-CSRF-Token: %s", c->u.string);
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    snprintf(out->origin, sizeof(out->origin), "Origin: %s", s->base);
}

static void expect(const struct sec_server *s, const char *method, const char *path,
                   const char *const *headers, const char *body, long status, const char *code)
{
    struct fct_http h;
    sec_call(s, method, path, headers, body, &h);
    char got[64];
    sec_error_code(&h, got, sizeof(got));
    if (h.status != status || (code && strcmp(got, code) != 0))
        fail_msg("%s %s: want %ld %s, got %ld %s", method, path, status, code ? code : "",
                 h.status, h.body.data);
    fct_http_cleanup(&h);
}

static void rebinding_host_and_origin(void **state)
{
    (void)state;
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    start(&s, NULL);
    struct session se;
    log_in(&s, &se);
    const char *json = "Content-Type: application/json";
    const char *evil_host = "Host: attacker.example:8080";
    const char *evil_origin = "Origin: http://attacker.example:8080";
    /* a rebound name: refused on every kind of route, session or not */
    expect(&s, "GET", "/healthz", (const char *[]){evil_host, NULL}, NULL, 421, "unknown_host");
    expect(&s, "GET", "/v1/users/1", (const char *[]){evil_host, NULL}, NULL, 421,
           "unknown_host");
    expect(&s, "GET", "/admin/status", (const char *[]){evil_host, se.cookie, NULL}, NULL, 421,
           "unknown_host");
    expect(&s, "POST", "/auth/login", (const char *[]){evil_host, evil_origin, json, NULL},
           "{\"password\":\"" PASSWORD "\"}", 421, "unknown_host");
    expect(&s, "POST", "/admin/client-targets",
           (const char *[]){evil_host, evil_origin, se.cookie, json, NULL}, "{\"fid\":9152}", 421,
           "unknown_host");
    expect(&s, "POST", "/admin/client-targets",
           (const char *[]){evil_host, evil_origin, se.cookie, se.csrf, json, NULL},
           "{\"fid\":9152}", 421, "unknown_host");
    expect(&s, "GET", "/v1/users/1", (const char *[]){"Host:", NULL}, NULL, 421, "unknown_host");
    /* our Host but a page elsewhere: login and admin changes refused even
     * with a valid session and CSRF token */
    expect(&s, "POST", "/auth/login", (const char *[]){evil_origin, json, NULL},
           "{\"password\":\"" PASSWORD "\"}", 403, "origin_not_allowed");
    expect(&s, "POST", "/admin/client-targets",
           (const char *[]){evil_origin, se.cookie, se.csrf, json, NULL}, "{\"fid\":9152}", 403,
           "origin_not_allowed");
    expect(&s, "POST", "/admin/client-targets",
           (const char *[]){"Origin: null", se.cookie, se.csrf, json, NULL}, "{\"fid\":9152}",
           403, "origin_not_allowed");
    /* nothing was changed by the attempts above; our own origin may */
    fct_assert_sql(sec_db_url, "SELECT count(*) FROM target_clients", "0");
    expect(&s, "POST", "/admin/client-targets",
           (const char *[]){se.origin, se.cookie, json, NULL}, "{\"fid\":9152}", 201, NULL);
    /* localhost forms of a loopback listener are ours */
    expect(&s, "GET", "/healthz", (const char *[]){"Host: localhost:1234", NULL}, NULL, 200,
           NULL);
    sec_server_free(&s);

    /* an explicit list replaces the defaults */
    start(&s, (const char *[]){"FCINDEX_API_ALLOWED_HOSTS=api.example.com", NULL});
    expect(&s, "GET", "/healthz", (const char *[]){"Host: API.example.com", NULL}, NULL, 200,
           NULL);
    expect(&s, "GET", "/healthz", NULL, NULL, 421, "unknown_host"); /* 127.0.0.1 */
    sec_server_free(&s);
}

static char *repeat(const char *head, const char *unit, size_t times, const char *tail)
{
    size_t hl = strlen(head), ul = strlen(unit), tl = strlen(tail);
    char *b = fc_xmalloc(hl + ul * times + tl + 1);
    memcpy(b, head, hl);
    for (size_t i = 0; i < times; i++)
        memcpy(b + hl + i * ul, unit, ul);
    memcpy(b + hl + ul * times, tail, tl + 1);
    return b;
}

static void nested_and_huge_json(void **state)
{
    (void)state;
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    start(&s, (const char *[]){"FCINDEX_API_MAX_BODY_BYTES=16777216", NULL});
    struct session se;
    log_in(&s, &se);
    const char *json = "Content-Type: application/json";
    struct {
        const char *method, *path;
    } routes[] = {
        {"POST", "/auth/login"},           {"POST", "/admin/targets"},
        {"PUT", "/admin/targets/3"},       {"POST", "/admin/client-targets"},
        {"POST", "/auth/logout"},          {"POST", "/admin/targets/3/backfill"},
        {"POST", "/admin/jobs/backfill"},  {"POST", "/admin/jobs/3/retry"},
    };
    char *deep_array = repeat("", "[", 400000, "");
    char *deep_object = repeat("{\"password\":", "{\"a\":", 200000, "1}");
    char *wide = repeat("[", "1,", 2000000, "1]");                  /* 4 MB of numbers */
    char *long_string = repeat("{\"password\":\"", "x", 15000000, "\"}"); /* near the cap */
    char *many_keys = repeat("{", "\"fid\":1,", 500000, "\"fid\":2}");
    const char *bodies[] = {deep_array, deep_object, wide, long_string, many_keys};
    for (size_t r = 0; r < sizeof(routes) / sizeof(routes[0]); r++) {
        bool takes_body = r < 4;
        /* routes that take no body get the nested ones only (they never parse) */
        for (size_t b = 0; b < (takes_body ? sizeof(bodies) / sizeof(bodies[0]) : 2); b++) {
            struct fct_http h;
            const char *hs[] = {se.cookie, se.origin, json, NULL};
            /* login takes no cookie; the logout route is tried last */
            sec_call(&s, routes[r].method, routes[r].path, r == 0 ? hs + 1 : hs, bodies[b], &h);
            if (takes_body && h.status != 400 && h.status != 413)
                fail_msg("%s %s body %zu: %ld %.200s", routes[r].method, routes[r].path, b,
                         h.status, h.body.data);
            if (!takes_body && (h.status == 0 || h.status >= 500))
                fail_msg("%s %s body %zu: %ld", routes[r].method, routes[r].path, b, h.status);
            fct_http_cleanup(&h);
            sec_call(&s, "GET", "/healthz", NULL, NULL, &h);
            assert_int_equal(h.status, 200);
            fct_http_cleanup(&h);
        }
    }
    /* still the same process */
    assert_int_equal(waitpid(s.pid, NULL, WNOHANG), 0);
    free(deep_array);
    free(deep_object);
    free(wide);
    free(long_string);
    free(many_keys);
    sec_server_free(&s);
}

FCT_MAIN(setup, sec_db_teardown, rebinding_host_and_origin, nested_and_huge_json)
