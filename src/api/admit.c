/* The checks every request passes before its handler, in order: the URL's
 * length, a Host this API answers to, the route (404, 405, CORS preflight),
 * the client's rate limit (logins: the failure delay and the limit for all
 * clients too), and for admin routes the session cookie with the Origin and
 * CSRF rules; then the security and CORS headers every response carries. */
#include "api/internal.h"
#include "api/parse.h"
#include "api/server_parts.h"
#include "api/ui.h"

#include <stdio.h>
#include <string.h>

#include "core/fctime.h"
#include "core/log.h"

static bool origin_allowed(const struct fc_api *api, const char *origin)
{
    for (size_t i = 0; i < api->cors.n; i++)
        if (strcmp(api->cors.p[i], "*") == 0 || strcmp(api->cors.p[i], origin) == 0)
            return true;
    return false;
}

void fc_api_common_headers(const struct fc_api *api, const struct fc_http_req *req,
                           struct fc_http_resp *resp, int cls, const char *path)
{
    fc_http_add_header(resp, "X-Request-Id", req->request_id);
    fc_http_add_header(resp, "X-Content-Type-Options", "nosniff");
    fc_http_add_header(resp, "Referrer-Policy", "no-referrer");
    fc_http_add_header(resp, "X-Frame-Options", "DENY");
    if (fc_api_ui_path(path)) { /* the UI sets its own caching */
        fc_http_add_header(resp, "Content-Security-Policy", fc_api_ui_csp);
    } else if (strncmp(path, "/admin", 6) == 0 || strncmp(path, "/auth", 5) == 0) {
        fc_http_add_header(resp, "Content-Security-Policy", fc_api_ui_csp);
        fc_http_add_header(resp, "Cache-Control", "no-store");
    } else {
        fc_http_add_header(resp, "Content-Security-Policy",
                           "default-src 'none'; frame-ancestors 'none'");
    }
    if (cls == CLASS_PUBLIC || cls == CLASS_SEARCH) {
        const char *origin = fc_http_header(req, "Origin");
        if (origin && origin_allowed(api, origin)) {
            fc_http_add_header(resp, "Access-Control-Allow-Origin", origin);
            fc_http_add_header(resp, "Vary", "Origin");
        }
    }
}

/* Whether s[0..len) is one of list's strings. */
static bool in_list(const fc_api_strings *list, const char *s, size_t len)
{
    for (size_t i = 0; i < list->n; i++)
        if (strlen(list->p[i]) == len && memcmp(list->p[i], s, len) == 0)
            return true;
    return false;
}

static bool host_allowed(const struct fc_api *api, const char *name)
{
    return in_list(&api->hosts, name, strlen(name));
}

/* The Origin (or Referer) of a browser request names a host this API
 * answers to and the very host:port the request was sent to. */
static bool same_origin(const struct fc_api *api, const struct fc_http_req *req)
{
    const char *host = fc_http_header(req, "Host");
    if (!host)
        return false;
    const char *origin = fc_http_header(req, "Origin");
    const char *referer = fc_http_header(req, "Referer");
    const char *src = origin ? origin : referer;
    if (!src)
        return false;
    const char *scheme_end = strstr(src, "://");
    if (!scheme_end)
        return false;
    const char *h = scheme_end + 3;
    size_t hl = strlen(host);
    char name[256];
    return strncmp(h, host, hl) == 0 && (h[hl] == '\0' || h[hl] == '/') &&
           fc_api_host_name(host, name) && host_allowed(api, name);
}

/* A browser's Origin on login and admin changes must be one of ours: a page
 * elsewhere (or a rebound DNS name) cannot act with the user's cookie. */
static bool origin_ok(const struct fc_api *api, const struct fc_http_req *req,
                      struct fc_http_resp *resp)
{
    const char *origin = fc_http_header(req, "Origin");
    char name[256];
    if (!origin || (fc_api_origin_host(origin, name) && host_allowed(api, name)))
        return true;
    fc_http_error(resp, 403, "origin_not_allowed",
                  "requests from origin \"%.80s\" are refused (see api.allowed_hosts)", origin);
    return false;
}

/* Admin routes: the session cookie, and for state changes the same origin
 * or the session's CSRF token. */
static bool check_admin(struct fc_api *api, struct fc_http_req *req, struct fc_http_resp *resp)
{
    char token[2100];
    if (!fc_http_cookie(req, "token", token, sizeof(token))) {
        fc_http_error(resp, 401, "unauthorized", "log in first (POST /auth/login)");
        return false;
    }
    struct fc_diag diag;
    struct fc_auth_claims claims;
    if (fc_auth_verify(api->auth, token, fc_now_unix_ms() / 1000, &claims, &diag)) {
        fc_http_error(resp, 403, "forbidden", "invalid session: %s", diag.msg);
        return false;
    }
    bool ended = false;
    if (fc_api_session_ended(api, claims.jti, &ended, &diag)) {
        /* fail closed: a logout must not be undone by a Redis outage */
        log_warn("auth", "cannot check ended sessions: %s", diag.msg);
        fc_http_add_header(resp, "Retry-After", "1");
        fc_http_error(resp, 503, "unavailable", "sessions cannot be checked right now; retry");
        return false;
    }
    if (ended) {
        fc_http_error(resp, 403, "forbidden", "invalid session: logged out");
        return false;
    }
    snprintf(req->subject, sizeof(req->subject), "%s", claims.sub);
    snprintf(req->session_id, sizeof(req->session_id), "%s", claims.jti);
    req->session_exp = claims.exp;
    if (strcmp(req->method, "GET") != 0 && strcmp(req->method, "HEAD") != 0) {
        if (!origin_ok(api, req, resp))
            return false;
        const char *given = fc_http_header(req, "X-CSRF-Token");
        bool token_ok = fc_auth_csrf_ok(api->auth, token, given);
        if (!token_ok && !same_origin(api, req)) {
            fc_http_error(resp, 403, "csrf",
                          "state-changing requests must come from the same origin or carry "
                          "the X-CSRF-Token header from /auth/login");
            return false;
        }
    }
    return true;
}

static bool is_proxy(void *arg, const char *s, size_t len)
{
    const struct fc_api *api = arg;
    return in_list(&api->proxies, s, len);
}

/* Behind a trusted proxy the client is named by X-Forwarded-For. */
void fc_api_forwarded_ip(const struct fc_api *api, const struct fc_http_req *req, char *ip,
                         size_t ip_size)
{
    if (!api->proxies.n || !in_list(&api->proxies, ip, strlen(ip)))
        return;
    const char *xff = fc_http_header(req, "X-Forwarded-For");
    if (xff)
        fc_api_forwarded_client(xff, is_proxy, (void *)api, ip, ip_size);
}

static void refuse_unavailable(struct fc_http_resp *resp, const char *what,
                               const struct fc_diag *diag)
{
    log_warn("api", "%s: %s (request refused)", what, diag->msg);
    fc_http_add_header(resp, "Retry-After", "1");
    fc_http_error(resp, 503, "unavailable", "%s cannot be checked right now; retry", what);
}

/* Takes one request of class cls from who's bucket; false after setting a
 * 429 (or a 503 when the limiter fails and the class fails closed). */
static bool within_limit(struct fc_api *api, enum route_class cls, const char *who, int limit,
                         bool headers, struct fc_http_resp *resp)
{
    struct fc_rate_result rr;
    struct fc_diag diag;
    if (fc_ratelimit_take(api->rl, fc_api_class_name(cls), who, limit, &rr, &diag)) {
        if (cls == CLASS_LOGIN) { /* guessing must not get easier when Redis fails */
            refuse_unavailable(resp, "login limits", &diag);
            return false;
        }
        log_warn("api", "rate limiter: %s (request allowed)", diag.msg);
    }
    char v[32];
    if (headers) {
        snprintf(v, sizeof(v), "%d", rr.limit);
        fc_http_add_header(resp, "RateLimit-Limit", v);
        snprintf(v, sizeof(v), "%d", rr.remaining);
        fc_http_add_header(resp, "RateLimit-Remaining", v);
        snprintf(v, sizeof(v), "%d", rr.reset_s);
        fc_http_add_header(resp, "RateLimit-Reset", v);
    }
    if (rr.allowed)
        return true;
    snprintf(v, sizeof(v), "%d", rr.retry_after_s);
    fc_http_add_header(resp, "Retry-After", v);
    fc_metrics_rate_limited(api->metrics, fc_api_class_name(cls));
    fc_http_error(resp, 429, "rate_limited", "too many %s requests from %s; retry in %d s",
                  fc_api_class_name(cls), who, rr.retry_after_s);
    return false;
}

/* Logins: a client locked by its growing delay after failures is refused
 * first (without using its allowance), then the per-client limit, then one
 * limit for all clients together (many addresses guessing at once). */
static bool login_gate(struct fc_api *api, const char *who, int limit, struct fc_http_resp *resp)
{
    int wait_s = 0;
    struct fc_diag diag;
    if (fc_ratelimit_penalty_check(api->rl, who, &wait_s, &diag)) {
        refuse_unavailable(resp, "login limits", &diag);
        return false;
    }
    if (wait_s) {
        char v[32];
        snprintf(v, sizeof(v), "%d", wait_s);
        fc_http_add_header(resp, "Retry-After", v);
        fc_metrics_rate_limited(api->metrics, fc_api_class_name(CLASS_LOGIN));
        fc_http_error(resp, 429, "rate_limited",
                      "too many failed logins from %s; retry in %d s (each failure doubles the "
                      "wait)", who, wait_s);
        return false;
    }
    return within_limit(api, CLASS_LOGIN, who, limit, true, resp) &&
           within_limit(api, CLASS_LOGIN, "all-clients", api->cfg->api_rate_login_global_per_min,
                        false, resp);
}

/* Copies path into copy (MAX_URL + 2 bytes) without its trailing '/'
 * ("/v1/users/3/" is "/v1/users/3"). */
static void path_copy(const char *path, char *copy)
{
    snprintf(copy, FC_API_MAX_URL + 2, "%s", path);
    size_t cl = strlen(copy);
    if (cl > 1 && copy[cl - 1] == '/')
        copy[cl - 1] = '\0';
}

/* OPTIONS: the CORS preflight of the public routes, or a 404. */
static void preflight(struct fc_api *api, struct fc_http_req *req, struct fc_http_resp *resp,
                      char *copy, int *cls_out)
{
    struct fc_http_req probe = *req;
    probe.method = "GET";
    bool known;
    struct fc_buf allow = FC_BUF_INIT;
    fc_buf_puts(&allow, "");
    int r = fc_api_route_resolve(&probe, copy, &known, &allow);
    if (!known) {
        fc_buf_cleanup(&allow);
        fc_http_error(resp, 404, "not_found", "no route %s", req->path);
        return;
    }
    *cls_out = r >= 0 ? (int)fc_api_routes[r].cls : CLASS_PUBLIC;
    resp->status = 204;
    const char *origin = fc_http_header(req, "Origin");
    if (r >= 0 && (fc_api_routes[r].cls == CLASS_PUBLIC || fc_api_routes[r].cls == CLASS_SEARCH) &&
        origin && origin_allowed(api, origin)) {
        fc_http_add_header(resp, "Access-Control-Allow-Methods", "GET, OPTIONS");
        fc_http_add_header(resp, "Access-Control-Allow-Headers", "Content-Type");
        fc_http_add_header(resp, "Access-Control-Max-Age", "600");
    }
    fc_http_add_header(resp, "Allow", allow.data);
    fc_buf_cleanup(&allow);
}

enum fc_api_admission fc_api_admit(struct fc_api *api, struct fc_http_req *req,
                                   struct fc_http_resp *resp, char *copy, int *route_out,
                                   int *cls_out, bool conn_thread)
{
    const char *path = req->path;
    *route_out = -1;
    *cls_out = -1;
    if (strlen(path) > FC_API_MAX_URL) {
        fc_http_error(resp, 414, "uri_too_long", "the URL is longer than %d bytes",
                      FC_API_MAX_URL);
        return FC_API_ANSWERED;
    }
    /* every route: a Host we do not answer to is a rebound DNS name or a
     * misdirected request */
    const char *host = fc_http_header(req, "Host");
    char host_name[256];
    if (!host || !fc_api_host_name(host, host_name) || !host_allowed(api, host_name)) {
        fc_http_error(resp, 421, "unknown_host",
                      "this server does not answer to host \"%.80s\" (see api.allowed_hosts)",
                      host ? host : "");
        return FC_API_ANSWERED;
    }
    path_copy(path, copy);
    if (strcmp(req->method, "OPTIONS") == 0) {
        preflight(api, req, resp, copy, cls_out);
        return FC_API_ANSWERED;
    }
    bool head = strcmp(req->method, "HEAD") == 0;
    if (head)
        req->method = "GET";
    if (fc_api_ui_path(path)) { /* the embedded web UI: files, no database */
        fc_api_ui_serve(req, resp);
        return FC_API_ANSWERED;
    }
    bool known;
    struct fc_buf allow = FC_BUF_INIT;
    fc_buf_puts(&allow, "");
    int r = fc_api_route_resolve(req, copy, &known, &allow);
    if (r < 0) {
        if (known) {
            fc_http_error(resp, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
                          head ? "HEAD" : req->method, path, allow.data);
            fc_http_add_header(resp, "Allow", allow.data);
        } else {
            fc_http_error(resp, 404, "not_found", "no route %s", path);
        }
        fc_buf_cleanup(&allow);
        return FC_API_ANSWERED;
    }
    fc_buf_cleanup(&allow);
    const struct route *rt = &fc_api_routes[r];
    /* the session, login and admin checks read PostgreSQL or Redis: not here */
    if (conn_thread && rt->cls != CLASS_PUBLIC && rt->cls != CLASS_SEARCH)
        return FC_API_HOP;
    *route_out = r;
    *cls_out = (int)rt->cls;
    char bucket[64];
    fc_api_client_bucket(req->ip, bucket, sizeof(bucket));
    int limit = fc_api_rate_limit_for(api->cfg, rt->cls);
    if (rt->cls == CLASS_LOGIN ? !login_gate(api, bucket, limit, resp)
                               : limit && !within_limit(api, rt->cls, bucket, limit, true, resp))
        return FC_API_ANSWERED;
    if (rt->cls == CLASS_LOGIN && !origin_ok(api, req, resp))
        return FC_API_ANSWERED;
    if (rt->cls == CLASS_ADMIN && !check_admin(api, req, resp))
        return FC_API_ANSWERED;
    if (rt->cls == CLASS_SESSION && !check_admin(api, req, resp)) {
        /* a UI asks whether it is logged in: no (or no longer) is an answer,
         * not an error; a session store that cannot be asked stays a 503 */
        if (resp->status == 401 || resp->status == 403)
            fc_http_json(resp, 200, "{\"authenticated\":false}", 23);
        return FC_API_ANSWERED;
    }
    return FC_API_RUN;
}

void fc_api_run_route(struct fc_api *api, struct fc_http_req *req, struct fc_http_resp *resp,
                      int r)
{
    const struct route *rt = &fc_api_routes[r];
    req->public_read = rt->cls == CLASS_PUBLIC || rt->cls == CLASS_SEARCH;
    rt->fn(req, resp);
    if (rt->cls == CLASS_LOGIN && (resp->status == 200 || resp->status == 401)) {
        char bucket[64];
        fc_api_client_bucket(req->ip, bucket, sizeof(bucket));
        struct fc_diag diag;
        if (fc_ratelimit_penalty_note(api->rl, bucket, resp->status == 401, &diag))
            log_warn("auth", "login failures not counted: %s", diag.msg);
    }
}
