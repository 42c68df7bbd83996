/* The HTTP server: libmicrohttpd in epoll mode with a thread pool, request
 * framing (body cap, URL cap), routing, rate limits, admin authentication
 * and CSRF checks, security and CORS headers, request ids, metrics and the
 * access log. Handlers live in public.c, admin.c and ops.c. */
#include "api/internal.h"
#include "api/instance.h"
#include "api/parse.h"
#include "api/ui.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <pthread.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/fctime.h"
#include "core/log.h"
#include "state/redis_conn.h"
#include "store/targets.h"

#define MAX_URL 2048

const struct route fc_api_routes[] = {
    {"GET", "/v1/feed/:fid", CLASS_PUBLIC, fc_api_feed},
    {"GET", "/v1/casts/:hash", CLASS_PUBLIC, fc_api_cast},
    {"GET", "/v1/casts/:hash/replies", CLASS_PUBLIC, fc_api_cast_replies},
    {"GET", "/v1/casts/:hash/thread", CLASS_PUBLIC, fc_api_cast_thread},
    {"GET", "/v1/channels/feed", CLASS_PUBLIC, fc_api_channel_feed},
    {"GET", "/v1/users/by-username/:name", CLASS_PUBLIC, fc_api_user_by_name},
    {"GET", "/v1/users/:fid", CLASS_PUBLIC, fc_api_user},
    {"GET", "/v1/users/:fid/casts", CLASS_PUBLIC, fc_api_user_casts},
    {"GET", "/v1/users/:fid/replies", CLASS_PUBLIC, fc_api_user_replies},
    {"GET", "/v1/users/:fid/likes", CLASS_PUBLIC, fc_api_user_likes},
    {"GET", "/v1/users/:fid/followers", CLASS_PUBLIC, fc_api_user_followers},
    {"GET", "/v1/users/:fid/following", CLASS_PUBLIC, fc_api_user_following},
    {"GET", "/v1/search/casts", CLASS_SEARCH, fc_api_search},
    {"GET", "/v1/search/users", CLASS_SEARCH, fc_api_search_users},
    {"GET", "/v1/search", CLASS_SEARCH, fc_api_search_all},
    {"GET", "/v1/trending", CLASS_PUBLIC, fc_api_trending},
    {"POST", "/auth/login", CLASS_LOGIN, fc_api_login},
    {"POST", "/auth/logout", CLASS_ADMIN, fc_api_logout},
    {"GET", "/auth/session", CLASS_SESSION, fc_api_session},
    {"GET", "/admin/targets", CLASS_ADMIN, fc_api_admin_targets},
    {"POST", "/admin/targets", CLASS_ADMIN, fc_api_admin_target_add},
    {"PUT", "/admin/targets/:fid", CLASS_ADMIN, fc_api_admin_target_put},
    {"DELETE", "/admin/targets/:fid", CLASS_ADMIN, fc_api_admin_target_delete},
    {"POST", "/admin/targets/:fid/backfill", CLASS_ADMIN, fc_api_admin_target_backfill},
    {"GET", "/admin/targets/:fid/stats", CLASS_ADMIN, fc_api_admin_target_stats},
    {"GET", "/admin/client-targets", CLASS_ADMIN, fc_api_admin_clients},
    {"POST", "/admin/client-targets", CLASS_ADMIN, fc_api_admin_client_add},
    {"DELETE", "/admin/client-targets/:fid", CLASS_ADMIN, fc_api_admin_client_delete},
    {"GET", "/admin/jobs", CLASS_ADMIN, fc_api_admin_jobs},
    {"POST", "/admin/jobs/backfill", CLASS_ADMIN, fc_api_admin_jobs_backfill},
    {"POST", "/admin/jobs/:id/retry", CLASS_ADMIN, fc_api_admin_job_retry},
    {"GET", "/admin/jobs/stats", CLASS_ADMIN, fc_api_admin_jobs_stats},
    {"POST", "/admin/jobs/pause", CLASS_ADMIN, fc_api_admin_jobs_pause},
    {"POST", "/admin/jobs/resume", CLASS_ADMIN, fc_api_admin_jobs_resume},
    {"POST", "/admin/jobs/clear", CLASS_ADMIN, fc_api_admin_jobs_clear},
    {"POST", "/admin/jobs/retry-all", CLASS_ADMIN, fc_api_admin_jobs_retry_all},
    {"GET", "/admin/dead-letters", CLASS_ADMIN, fc_api_admin_dead_letters},
    {"GET", "/admin/dead-letters/:id/payload", CLASS_ADMIN, fc_api_admin_dead_letter_payload},
    {"POST", "/admin/dead-letters/:id/retry", CLASS_ADMIN, fc_api_admin_dead_letter_retry},
    {"DELETE", "/admin/dead-letters/:id", CLASS_ADMIN, fc_api_admin_dead_letter_delete},
    {"GET", "/admin/status", CLASS_ADMIN, fc_api_admin_status},
    {"GET", "/admin/analytics", CLASS_ADMIN, fc_api_admin_analytics},
    {"GET", "/healthz", CLASS_OPS, fc_api_healthz},
    {"GET", "/readyz", CLASS_OPS, fc_api_readyz},
    {"GET", "/metrics", CLASS_OPS, fc_api_metrics},
};
const size_t fc_api_n_routes = sizeof(fc_api_routes) / sizeof(fc_api_routes[0]);

static const char *class_name(enum route_class c)
{
    /* the session check spends the admin budget */
    static const char *const names[] = {"public", "search", "admin", "login", "ops", "admin"};
    return names[c];
}

/* ---- request accessors ---- */

const char *fc_http_arg(const struct fc_http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *fc_http_header(const struct fc_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool fc_http_cookie(const struct fc_http_req *r, const char *name, char *out, size_t out_size)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    if (!v || strlen(v) >= out_size)
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

void fc_http_add_header(struct fc_http_resp *resp, const char *name, const char *value)
{
    fc_buf_printf(&resp->headers, "%s: %s\n", name, value);
}

void fc_http_error(struct fc_http_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    resp->status = status;
    fc_buf_reset(&resp->body);
    fc_buf_puts(&resp->body, "{\"error\":{\"code\":");
    fc_buf_json_str(&resp->body, code, strlen(code));
    fc_buf_puts(&resp->body, ",\"message\":");
    fc_buf_json_str(&resp->body, msg, strlen(msg));
    fc_buf_puts(&resp->body, "}}");
}

void fc_http_json(struct fc_http_resp *resp, int status, const char *json, size_t len)
{
    resp->status = status;
    fc_buf_reset(&resp->body);
    fc_buf_append(&resp->body, json, len);
}

/* ---- routing ---- */

/* Matches path against pattern, pointing req's params at the :segments. */
static bool match(const char *pattern, const char *path, struct fc_http_req *req)
{
    size_t off[FC_API_MAX_PARAMS], len[FC_API_MAX_PARAMS], n;
    if (!fc_api_match(pattern, path, off, len, &n))
        return false;
    for (size_t i = 0; i < n; i++)
        req->param[i] = path + off[i]; /* terminated in the copy by route() */
    req->n_param = n;
    return true;
}

int fc_api_route_find(const char *method, const char *path, bool *path_known,
                      struct fc_buf *allow)
{
    *path_known = false;
    int found = -1;
    for (size_t i = 0; i < fc_api_n_routes; i++) {
        size_t off[FC_API_MAX_PARAMS], len[FC_API_MAX_PARAMS], n;
        if (!fc_api_match(fc_api_routes[i].pattern, path, off, len, &n))
            continue;
        /* a literal route wins over a :param one at the same place
         * (/v1/users/by-username/x is not user "by-username"): the table
         * lists literal ones first */
        *path_known = true;
        if (allow)
            fc_buf_printf(allow, "%s%s", allow->len ? ", " : "", fc_api_routes[i].method);
        if (found < 0 && strcmp(fc_api_routes[i].method, method) == 0)
            found = (int)i;
    }
    return found;
}

/* Finds the route for (method, path); *path_known tells whether another
 * method would have matched (405 rather than 404). */
static int route(struct fc_http_req *req, char *path_copy, bool *path_known, struct fc_buf *allow)
{
    int found = fc_api_route_find(req->method, path_copy, path_known, allow);
    if (found >= 0) {
        match(fc_api_routes[found].pattern, path_copy, req);
        /* cut the captured segments at their '/' */
        for (size_t i = 0; i < req->n_param; i++) {
            char *slash = strchr((char *)req->param[i], '/');
            if (slash)
                *slash = '\0';
        }
    }
    return found;
}

/* ---- security, CORS and limits ---- */

static bool origin_allowed(const struct fc_api *api, const char *origin)
{
    for (size_t i = 0; i < api->n_cors; i++)
        if (strcmp(api->cors[i], "*") == 0 || strcmp(api->cors[i], origin) == 0)
            return true;
    return false;
}

static void add_common_headers(const struct fc_api *api, const struct fc_http_req *req,
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

static int rate_limit_for(const struct fc_config *cfg, enum route_class c)
{
    switch (c) {
    case CLASS_PUBLIC: return cfg->api_rate_public_per_min;
    case CLASS_SEARCH: return cfg->api_rate_search_per_min;
    case CLASS_ADMIN:
    case CLASS_SESSION: return cfg->api_rate_admin_per_min;
    case CLASS_LOGIN: return cfg->api_rate_login_per_min;
    default: return 0;
    }
}

static bool host_allowed(const struct fc_api *api, const char *name)
{
    for (size_t i = 0; i < api->n_hosts; i++)
        if (strcmp(api->hosts[i], name) == 0)
            return true;
    return false;
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

/* Splits a comma-separated option into a new array of strings. */
static void split_list(const char *s, char ***out, size_t *n_out)
{
    while (s && *s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ", ");
        if (n) {
            *out = fc_xrealloc(*out, (*n_out + 1) * sizeof(char *));
            (*out)[*n_out] = fc_xmalloc(n + 1);
            memcpy((*out)[*n_out], s, n);
            (*out)[(*n_out)++][n] = '\0';
        }
        s += n;
    }
}

static void free_list(char **list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

static bool in_list(char *const *list, size_t n, const char *s, size_t len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(list[i]) == len && memcmp(list[i], s, len) == 0)
            return true;
    return false;
}

static bool is_proxy(void *arg, const char *s, size_t len)
{
    const struct fc_api *api = arg;
    return in_list(api->proxies, api->n_proxies, s, len);
}

/* Behind a trusted proxy the client is named by X-Forwarded-For. */
static void forwarded_client(const struct fc_api *api, const struct fc_http_req *req, char *ip,
                             size_t ip_size)
{
    if (!api->n_proxies || !in_list(api->proxies, api->n_proxies, ip, strlen(ip)))
        return;
    const char *xff = fc_http_header(req, "X-Forwarded-For");
    if (xff)
        fc_api_forwarded_client(xff, is_proxy, (void *)api, ip, ip_size);
}

/* ---- libmicrohttpd glue ---- */

/* One request: its body as it arrives, then the request and response while
 * a query worker handles it (the connection suspended meanwhile). */
struct conn_state {
    struct fc_buf body;
    bool too_big;
    struct MHD_Connection *conn;
    const char *method, *url;
    struct fc_http_resp resp;
    bool done;                 /* resp is ready to send */
    struct conn_state *next;   /* in the work queue */
};

/* One TCP connection, for the request deadline: a request must arrive
 * whole within api.request_timeout_s of the connection opening (or of the
 * previous response), however slowly its bytes trickle in. */
struct conn_track {
    int fd;
    int64_t since_ms;  /* when the current request could start arriving */
    bool received;     /* the current request is in; its handling has no deadline here */
    struct conn_track *prev, *next;
};

static void client_ip(struct MHD_Connection *conn, char *out, size_t out_size)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    snprintf(out, out_size, "unknown");
    if (!ci || !ci->client_addr)
        return;
    const struct sockaddr *sa = ci->client_addr;
    if (sa->sa_family == AF_INET)
        inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
                  (socklen_t)out_size);
    else if (sa->sa_family == AF_INET6)
        inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
                  (socklen_t)out_size);
}

static enum MHD_Result send_resp(struct MHD_Connection *conn, struct fc_http_resp *resp)
{
    size_t len = resp->body.len;
    struct MHD_Response *mr =
        MHD_create_response_from_buffer(len, len ? fc_buf_take(&resp->body) : (void *)"",
                                        len ? MHD_RESPMEM_MUST_FREE : MHD_RESPMEM_PERSISTENT);
    if (!mr)
        return MHD_NO;
    if (len || resp->status != 204)
        MHD_add_response_header(mr, "Content-Type",
                                resp->content_type ? resp->content_type : "application/json");
    char *line = resp->headers.data;
    while (line && *line) {
        char *nl = strchr(line, '\n');
        if (nl)
            *nl = '\0';
        char *colon = strchr(line, ':');
        if (colon) {
            *colon = '\0';
            MHD_add_response_header(mr, line, colon + 2);
        }
        line = nl ? nl + 1 : NULL;
    }
    enum MHD_Result r = MHD_queue_response(conn, (unsigned)resp->status, mr);
    MHD_destroy_response(mr);
    return r;
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
    if (fc_ratelimit_take(api->rl, class_name(cls), who, limit, &rr, &diag)) {
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
    fc_metrics_rate_limited(api->metrics, class_name(cls));
    fc_http_error(resp, 429, "rate_limited", "too many %s requests from %s; retry in %d s",
                  class_name(cls), who, rr.retry_after_s);
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
        fc_metrics_rate_limited(api->metrics, class_name(CLASS_LOGIN));
        fc_http_error(resp, 429, "rate_limited",
                      "too many failed logins from %s; retry in %d s (each failure doubles the "
                      "wait)", who, wait_s);
        return false;
    }
    return within_limit(api, CLASS_LOGIN, who, limit, true, resp) &&
           within_limit(api, CLASS_LOGIN, "all-clients", api->cfg->api_rate_login_global_per_min,
                        false, resp);
}

static void handle(struct fc_api *api, struct fc_http_req *req, struct fc_http_resp *resp,
                   int *route_idx, int *cls_out)
{
    const char *path = req->path;
    *route_idx = -1;
    *cls_out = -1;
    if (strlen(path) > MAX_URL) {
        fc_http_error(resp, 414, "uri_too_long", "the URL is longer than %d bytes", MAX_URL);
        return;
    }
    /* every route: a Host we do not answer to is a rebound DNS name or a
     * misdirected request */
    const char *host = fc_http_header(req, "Host");
    char host_name[256];
    if (!host || !fc_api_host_name(host, host_name) || !host_allowed(api, host_name)) {
        fc_http_error(resp, 421, "unknown_host",
                      "this server does not answer to host \"%.80s\" (see api.allowed_hosts)",
                      host ? host : "");
        return;
    }
    char copy[MAX_URL + 2];
    snprintf(copy, sizeof(copy), "%s", path);
    size_t cl = strlen(copy);
    if (cl > 1 && copy[cl - 1] == '/')
        copy[cl - 1] = '\0'; /* "/v1/users/3/" is "/v1/users/3" */
    bool known;
    struct fc_buf allow = FC_BUF_INIT;
    fc_buf_puts(&allow, "");
    /* CORS preflight for the public routes */
    if (strcmp(req->method, "OPTIONS") == 0) {
        struct fc_http_req probe = *req;
        probe.method = "GET";
        int r = route(&probe, copy, &known, &allow);
        if (known) {
            *cls_out = r >= 0 ? (int)fc_api_routes[r].cls : CLASS_PUBLIC;
            resp->status = 204;
            const char *origin = fc_http_header(req, "Origin");
            if (r >= 0 && (fc_api_routes[r].cls == CLASS_PUBLIC ||
                           fc_api_routes[r].cls == CLASS_SEARCH) &&
                origin && origin_allowed(api, origin)) {
                fc_http_add_header(resp, "Access-Control-Allow-Methods", "GET, OPTIONS");
                fc_http_add_header(resp, "Access-Control-Allow-Headers", "Content-Type");
                fc_http_add_header(resp, "Access-Control-Max-Age", "600");
            }
            fc_http_add_header(resp, "Allow", allow.data);
            fc_buf_cleanup(&allow);
            return;
        }
        fc_buf_cleanup(&allow);
        fc_http_error(resp, 404, "not_found", "no route %s", path);
        return;
    }
    bool head = strcmp(req->method, "HEAD") == 0;
    if (head)
        req->method = "GET";
    if (fc_api_ui_path(path)) { /* the embedded web UI: files, no database */
        fc_buf_cleanup(&allow);
        fc_api_ui_serve(req, resp);
        return;
    }
    int r = route(req, copy, &known, &allow);
    if (r < 0) {
        if (known) {
            fc_http_error(resp, 405, "method_not_allowed", "%s is not allowed on %s (allowed: %s)",
                          head ? "HEAD" : req->method, path, allow.data);
            fc_http_add_header(resp, "Allow", allow.data);
        } else {
            fc_http_error(resp, 404, "not_found", "no route %s", path);
        }
        fc_buf_cleanup(&allow);
        return;
    }
    fc_buf_cleanup(&allow);
    *route_idx = r;
    const struct route *rt = &fc_api_routes[r];
    *cls_out = (int)rt->cls;
    char bucket[64];
    fc_api_client_bucket(req->ip, bucket, sizeof(bucket));
    int limit = rate_limit_for(api->cfg, rt->cls);
    if (rt->cls == CLASS_LOGIN ? !login_gate(api, bucket, limit, resp)
                               : limit && !within_limit(api, rt->cls, bucket, limit, true, resp))
        return;
    if (rt->cls == CLASS_LOGIN && !origin_ok(api, req, resp))
        return;
    if (rt->cls == CLASS_ADMIN && !check_admin(api, req, resp))
        return;
    if (rt->cls == CLASS_SESSION && !check_admin(api, req, resp)) {
        /* a UI asks whether it is logged in: no (or no longer) is an answer,
         * not an error; a session store that cannot be asked stays a 503 */
        if (resp->status == 401 || resp->status == 403)
            fc_http_json(resp, 200, "{\"authenticated\":false}", 23);
        return;
    }
    rt->fn(req, resp);
    if (rt->cls == CLASS_LOGIN && (resp->status == 200 || resp->status == 401)) {
        struct fc_diag diag;
        if (fc_ratelimit_penalty_note(api->rl, bucket, resp->status == 401, &diag))
            log_warn("auth", "login failures not counted: %s", diag.msg);
    }
}

/* Handles cs's request into cs->resp: framing errors, routing, headers,
 * metrics and the access log. */
static void process(struct fc_api *api, struct conn_state *cs)
{
    struct timespec ts0;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    struct fc_http_req req;
    memset(&req, 0, sizeof(req));
    req.method = cs->method;
    req.path = cs->url;
    req.conn = cs->conn;
    req.api = api;
    fc_buf_putc(&cs->body, '\0');
    req.body = cs->body.data;
    req.body_len = cs->body.len - 1;
    client_ip(cs->conn, req.ip, sizeof(req.ip));
    forwarded_client(api, &req, req.ip, sizeof(req.ip));
    unsigned long seq = ++api->request_seq;
    snprintf(req.request_id, sizeof(req.request_id), "%08llx%08lx",
             (unsigned long long)(api->id_salt & 0xffffffffu), seq);
    struct fc_http_resp *resp = &cs->resp;
    resp->status = 200;
    fc_buf_puts(&resp->headers, "");
    int ri = -1, rcls = -1;
    if (cs->too_big)
        fc_http_error(resp, 413, "body_too_large", "the request body is larger than %d bytes",
                      api->cfg->api_max_body_bytes);
    else
        handle(api, &req, resp, &ri, &rcls);
    add_common_headers(api, &req, resp, rcls, cs->url);
    if (resp->cache[0])
        fc_http_add_header(resp, "X-Cache", resp->cache);
    struct timespec ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    double secs = (double)(ts1.tv_sec - ts0.tv_sec) + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
    fc_metrics_request(api->metrics, ri >= 0 ? (size_t)ri : fc_api_n_routes, resp->status, secs);
    if (api->cfg->api_access_log)
        log_info("access", "%s %s %d %.2fms ip=%s id=%s%s%s", cs->method, cs->url, resp->status,
                 secs * 1000.0, req.ip, req.request_id, resp->cache[0] ? " cache=" : "",
                 resp->cache);
}

static enum MHD_Result send_and_clean(struct MHD_Connection *conn, struct conn_state *cs)
{
    /* HEAD: libmicrohttpd sends the headers (Content-Length of the GET) without the body */
    enum MHD_Result r = send_resp(conn, &cs->resp);
    fc_buf_cleanup(&cs->resp.body);
    fc_buf_cleanup(&cs->resp.headers);
    return r;
}

/* Operations routes are answered on the connection's own thread (they use
 * no shared pool connection), so they answer while every query worker
 * waits on a slow query. */
static bool answered_inline(const char *method, const char *url)
{
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return false;
    return strcmp(url, "/healthz") == 0 || strcmp(url, "/readyz") == 0 ||
           strcmp(url, "/metrics") == 0 || fc_api_ui_path(url);
}

static void *query_worker(void *arg)
{
    struct fc_api *api = arg;
    for (;;) {
        pthread_mutex_lock(&api->work_lock);
        while (!api->work_head && !api->work_stop)
            pthread_cond_wait(&api->work_cond, &api->work_lock);
        struct conn_state *cs = api->work_head;
        if (!cs) { /* stopping and drained */
            pthread_mutex_unlock(&api->work_lock);
            return NULL;
        }
        api->work_head = cs->next;
        if (!api->work_head)
            api->work_tail = NULL;
        api->work_len--;
        pthread_mutex_unlock(&api->work_lock);
        process(api, cs);
        cs->done = true;
        MHD_resume_connection(cs->conn);
    }
}

static struct conn_track *track_of(struct MHD_Connection *conn)
{
    const union MHD_ConnectionInfo *ci =
        MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
    return ci ? ci->socket_context : NULL;
}

static void track_received(struct fc_api *api, struct MHD_Connection *conn, bool received)
{
    struct conn_track *t = track_of(conn);
    if (!t)
        return;
    pthread_mutex_lock(&api->track_lock);
    t->received = received;
    if (!received)
        t->since_ms = fc_now_mono_ms();
    pthread_mutex_unlock(&api->track_lock);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
    (void)version;
    struct fc_api *api = cls;
    struct conn_state *cs = *con_cls;
    if (!cs) {
        /* first call: headers only; answering now would close the connection */
        cs = fc_xcalloc(1, sizeof(*cs));
        *con_cls = cs;
        const char *clen = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Content-Length");
        if (clen && strtoull(clen, NULL, 10) > (unsigned long long)api->cfg->api_max_body_bytes)
            cs->too_big = true;
        return MHD_YES;
    }
    if (*upload_data_size) {
        if (cs->body.len + *upload_data_size > (size_t)api->cfg->api_max_body_bytes)
            cs->too_big = true;
        else
            fc_buf_append(&cs->body, upload_data, *upload_data_size);
        *upload_data_size = 0;
        return MHD_YES;
    }
    if (cs->done) /* back from a query worker */
        return send_and_clean(conn, cs);
    track_received(api, conn, true);
    cs->conn = conn;
    cs->method = method;
    cs->url = url;
    if (answered_inline(method, url)) {
        process(api, cs);
        return send_and_clean(conn, cs);
    }
    pthread_mutex_lock(&api->work_lock);
    bool full = api->work_stop || api->work_len >= (size_t)api->cfg->api_max_connections;
    if (!full) {
        MHD_suspend_connection(conn);
        cs->next = NULL;
        if (api->work_tail)
            api->work_tail->next = cs;
        else
            api->work_head = cs;
        api->work_tail = cs;
        api->work_len++;
        pthread_cond_signal(&api->work_cond);
    }
    pthread_mutex_unlock(&api->work_lock);
    if (!full)
        return MHD_YES;
    cs->resp.status = 503;
    fc_buf_puts(&cs->resp.headers, "Retry-After: 1\n");
    fc_http_error(&cs->resp, 503, "unavailable", "the server is busy; retry");
    return send_and_clean(conn, cs);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)toe;
    struct conn_state *cs = *con_cls;
    if (cs) {
        fc_buf_cleanup(&cs->body);
        fc_buf_cleanup(&cs->resp.body);
        fc_buf_cleanup(&cs->resp.headers);
        free(cs);
        *con_cls = NULL;
    }
    track_received(cls, conn, false); /* a kept-alive connection's next request */
}

static void on_connection(void *cls, struct MHD_Connection *conn, void **socket_context,
                          enum MHD_ConnectionNotificationCode code)
{
    struct fc_api *api = cls;
    if (code == MHD_CONNECTION_NOTIFY_STARTED) {
        const union MHD_ConnectionInfo *ci =
            MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
        struct conn_track *t = fc_xcalloc(1, sizeof(*t));
        t->fd = ci ? ci->connect_fd : -1;
        t->since_ms = fc_now_mono_ms();
        pthread_mutex_lock(&api->track_lock);
        t->next = api->tracks;
        if (t->next)
            t->next->prev = t;
        api->tracks = t;
        pthread_mutex_unlock(&api->track_lock);
        *socket_context = t;
    } else if (*socket_context) {
        /* called before libmicrohttpd closes the socket, so the reaper
         * never shuts down a descriptor that was reused */
        struct conn_track *t = *socket_context;
        pthread_mutex_lock(&api->track_lock);
        if (t->prev)
            t->prev->next = t->next;
        else
            api->tracks = t->next;
        if (t->next)
            t->next->prev = t->prev;
        pthread_mutex_unlock(&api->track_lock);
        free(t);
        *socket_context = NULL;
    }
}

/* Cuts connections whose request has not arrived whole in time: shutting
 * the socket down makes libmicrohttpd see the end and close it. */
static void *deadline_reaper(void *arg)
{
    struct fc_api *api = arg;
    int64_t limit_ms = (int64_t)api->cfg->api_request_timeout_s * 1000;
    pthread_mutex_lock(&api->track_lock);
    while (!api->reaper_stop) {
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += 250 * 1000000L;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&api->reaper_cond, &api->track_lock, &until);
        int64_t now = fc_now_mono_ms();
        for (struct conn_track *t = api->tracks; t; t = t->next)
            if (!t->received && t->fd >= 0 && now - t->since_ms > limit_ms) {
                shutdown(t->fd, SHUT_RDWR);
                t->fd = -1; /* once */
            }
    }
    pthread_mutex_unlock(&api->track_lock);
    return NULL;
}

/* ---- life cycle ---- */

static void on_change(void *arg, const uint64_t *fids, size_t n)
{
    fc_cache_invalidate(((struct fc_api *)arg)->cache, fids, n);
}

static void on_reset(void *arg)
{
    fc_cache_clear(((struct fc_api *)arg)->cache);
}

void fc_api_invalidate(struct fc_api *api, const uint64_t *fids, size_t n)
{
    fc_cache_invalidate(api->cache, fids, n);
}

/* A target set: the one the process shares, or the API's own. Alone
 * without Redis, target changes go to PostgreSQL, which the indexer process
 * re-reads; an embedded set then only serves this process. */
static enum fc_err own_fidset(const struct fc_config *cfg, struct fc_fidset *given,
                              const char *name, struct fc_fidset **use, struct fc_fidset **owned,
                              struct fc_diag *diag)
{
    if (given) {
        *use = given;
        return FC_OK;
    }
    if (!*cfg->redis_url)
        *owned = fc_fidset_new_embedded();
    else if (fc_fidset_open_redis(cfg->redis_url, cfg->redis_prefix, name, owned, diag))
        return FC_ERR_UNAVAILABLE;
    *use = *owned;
    return FC_OK;
}

static enum fc_err open_state(struct fc_api *api, const struct fc_api_shared *shared,
                              struct fc_diag *diag)
{
    const struct fc_config *cfg = api->cfg;
    struct fc_api_shared none = {0};
    if (!shared)
        shared = &none;
    struct fc_api_shared *own = &api->owned;
    enum fc_err err = own_fidset(cfg, shared->targets, "targets", &api->targets, &own->targets,
                                 diag);
    if (!err)
        err = own_fidset(cfg, shared->roots, "roots", &api->roots, &own->roots, diag);
    if (!err)
        err = own_fidset(cfg, shared->clients, "clients", &api->clients, &own->clients, diag);
    if (!err && shared->jobq) {
        api->jobq = shared->jobq;
    } else if (!err && !*cfg->redis_url) {
        struct fc_jobq_options jo = {0, 0, 0};
        api->jobq = own->jobq = fc_jobq_new_embedded(&jo);
    } else if (!err) {
        char consumer[96];
        snprintf(consumer, sizeof(consumer), "api:%d", (int)getpid());
        struct fc_jobq_options jo = {3, 500, cfg->job_lease_s * 1000};
        err = fc_jobq_open_redis(cfg->redis_url, cfg->redis_prefix, consumer, &jo, &own->jobq,
                                 diag);
        api->jobq = own->jobq;
    }
    if (!err && shared->procs)
        api->procs = shared->procs;
    else if (!err && !*cfg->redis_url)
        api->procs = own->procs = fc_procs_new_embedded();
    else if (!err) {
        err = fc_procs_open_redis(cfg->redis_url, cfg->redis_prefix, &own->procs, diag);
        api->procs = own->procs;
    }
    return err;
}

static bool parse_listen(const char *listen, struct sockaddr_in *addr)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof(host))
        return false;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535)
        return false;
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    if (!*host || strcmp(host, "0.0.0.0") == 0)
        addr->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &addr->sin_addr) != 1)
        return false;
    return true;
}

static void start_threads(struct fc_api *api)
{
    pthread_mutex_init(&api->work_lock, NULL);
    pthread_cond_init(&api->work_cond, NULL);
    pthread_mutex_init(&api->track_lock, NULL);
    pthread_cond_init(&api->reaper_cond, NULL);
    api->locks_ready = true;
    /* one query worker per pooled connection: more would only wait for one */
    api->n_workers = (size_t)api->cfg->db_pool_size;
    api->workers = fc_xcalloc(api->n_workers, sizeof(pthread_t));
    for (size_t i = 0; i < api->n_workers; i++)
        pthread_create(&api->workers[i], NULL, query_worker, api);
    pthread_create(&api->reaper, NULL, deadline_reaper, api);
    api->reaper_running = true;
}

static void stop_workers(struct fc_api *api)
{
    if (!api->locks_ready)
        return;
    pthread_mutex_lock(&api->work_lock);
    api->work_stop = true;
    pthread_cond_broadcast(&api->work_cond);
    pthread_mutex_unlock(&api->work_lock);
    for (size_t i = 0; i < api->n_workers; i++)
        pthread_join(api->workers[i], NULL);
    free(api->workers);
    api->workers = NULL;
    api->n_workers = 0;
}

static void stop_reaper(struct fc_api *api)
{
    if (!api->locks_ready)
        return;
    if (api->reaper_running) {
        pthread_mutex_lock(&api->track_lock);
        api->reaper_stop = true;
        pthread_cond_signal(&api->reaper_cond);
        pthread_mutex_unlock(&api->track_lock);
        pthread_join(api->reaper, NULL);
    }
    pthread_mutex_destroy(&api->work_lock);
    pthread_cond_destroy(&api->work_cond);
    pthread_mutex_destroy(&api->track_lock);
    pthread_cond_destroy(&api->reaper_cond);
}

/* api.allowed_hosts lowercased, or when empty the listen host's names. */
static enum fc_err default_hosts(struct fc_api *api, const struct sockaddr_in *addr,
                                 struct fc_diag *diag)
{
    for (size_t i = 0; i < api->n_hosts; i++) {
        char name[256];
        if (!fc_api_host_name(api->hosts[i], name) || strchr(api->hosts[i], ':') != NULL)
            return fc_diag_set(diag, FC_ERR_INVALID,
                               "api.allowed_hosts: \"%s\" is not a host name (no port)",
                               api->hosts[i]);
        snprintf(api->hosts[i], strlen(api->hosts[i]) + 1, "%s", name);
    }
    if (api->n_hosts)
        return FC_OK;
    char host[256];
    const char *listen = api->cfg->api_listen;
    snprintf(host, sizeof(host), "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    if (addr->sin_addr.s_addr == htonl(INADDR_ANY))
        return fc_diag_set(diag, FC_ERR_INVALID,
                           "api.allowed_hosts: set the host names clients use to reach the API "
                           "(api.listen %s accepts any address)", listen);
    split_list(host, &api->hosts, &api->n_hosts);
    if ((ntohl(addr->sin_addr.s_addr) >> 24) == 127)
        split_list("localhost,127.0.0.1,[::1]", &api->hosts, &api->n_hosts);
    return FC_OK;
}

enum fc_err fc_api_start(const struct fc_config *cfg, const struct fc_api_shared *shared,
                         struct fc_api **out, struct fc_diag *diag)
{
    struct fc_api *api = fc_xcalloc(1, sizeof(*api));
    api->cfg = cfg;
    api->started_ms = fc_now_mono_ms();
    api->id_salt = (uint64_t)getpid() * 2654435761u ^ (uint64_t)fc_now_unix_ms();
    api->labels = fc_xcalloc(fc_api_n_routes, sizeof(char *));
    for (size_t i = 0; i < fc_api_n_routes; i++) {
        struct fc_buf l = FC_BUF_INIT;
        fc_buf_printf(&l, "method=\"%s\",route=\"%s\"", fc_api_routes[i].method,
                      fc_api_routes[i].pattern);
        api->labels[i] = fc_buf_take(&l);
    }
    api->metrics = fc_metrics_new((const char *const *)api->labels, fc_api_n_routes);
    split_list(cfg->api_cors_origins, &api->cors, &api->n_cors);
    split_list(cfg->api_trusted_proxies, &api->proxies, &api->n_proxies);
    split_list(cfg->api_allowed_hosts, &api->hosts, &api->n_hosts);
    struct fc_db_options dbo = fc_db_options_from(cfg);
    dbo.statement_timeout_ms = cfg->api_query_timeout_ms;
    api->pool = fc_pool_new(&dbo, (size_t)cfg->db_pool_size);
    /* /readyz and /metrics: their own connection and a short timeout, so they
     * answer while the shared pool is busy with slow queries */
    dbo.statement_timeout_ms = 1000;
    dbo.connect_timeout_s = 2;
    api->ops_pool = fc_pool_new(&dbo, 1);
    pthread_mutex_init(&api->ops_redis_lock, NULL);
    api->cache = fc_cache_new(20000, 256u << 20);
    struct sockaddr_in addr;
    enum fc_err err = FC_OK;
    if (!parse_listen(cfg->api_listen, &addr))
        err = fc_diag_set(diag, FC_ERR_INVALID, "api.listen: cannot use \"%s\"", cfg->api_listen);
    else if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127 && cfg->profile != FC_PROFILE_PRODUCTION)
        /* development defaults (generated secrets, plain-HTTP cookies, loopback Host names)
         * are for one machine */
        err = fc_diag_set(diag, FC_ERR_INVALID,
                          "api.listen %s is reachable from other machines, but the profile is "
                          "%s: set general.profile=production (with auth.admin_password_hash "
                          "and api.allowed_hosts; see docs/security.md), or listen on "
                          "127.0.0.1", cfg->api_listen, fc_profile_name(cfg->profile));
    if (!err)
        err = default_hosts(api, &addr, diag);
    if (!err)
        err = fc_api_instance_auth(cfg, api->pool, &api->auth, api->one_time_password, diag);
    if (!err)
        err = open_state(api, shared, diag);
    if (!err && *cfg->redis_url)
        err = fc_ratelimit_open_redis(cfg->redis_url, cfg->redis_prefix, &api->rl, diag);
    else if (!err)
        api->rl = fc_ratelimit_new_embedded();
    /* another process's commits arrive through Redis; our own indexer's
     * commits invalidate directly (see cmd serve) */
    if (!err && *cfg->redis_url)
        err = fc_changes_sub_start(cfg->redis_url, cfg->redis_prefix, on_change, on_reset, api,
                                   &api->sub, diag);
    if (!err)
        start_threads(api);
    if (!err) {
        unsigned threads = (unsigned)cfg->api_threads;
        api->daemon = MHD_start_daemon(
            MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
                MHD_ALLOW_SUSPEND_RESUME,
            0, NULL, NULL, on_request, api, MHD_OPTION_SOCK_ADDR, &addr,
            MHD_OPTION_THREAD_POOL_SIZE, threads, MHD_OPTION_NOTIFY_COMPLETED, on_completed, api,
            MHD_OPTION_NOTIFY_CONNECTION, on_connection, api, MHD_OPTION_CONNECTION_LIMIT,
            (unsigned)cfg->api_max_connections, MHD_OPTION_CONNECTION_TIMEOUT,
            (unsigned)cfg->api_connection_timeout_s, MHD_OPTION_CONNECTION_MEMORY_LIMIT,
            (size_t)64 * 1024, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
            (unsigned)cfg->api_max_connections_per_client, MHD_OPTION_LISTENING_ADDRESS_REUSE, 1,
            MHD_OPTION_END);
        if (!api->daemon)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "cannot listen on %s", cfg->api_listen);
    }
    if (err) {
        fc_api_stop(api);
        return err;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_BIND_PORT);
    api->port = info ? info->port : 0;
    log_info("api", "listening on %s (port %u), %u threads", cfg->api_listen, api->port,
             (unsigned)cfg->api_threads);
    *out = api;
    return FC_OK;
}

void fc_api_stop(struct fc_api *api)
{
    if (!api)
        return;
    int listen_fd = -1;
    if (api->daemon) /* no new connections; kept-alive ones get 503 from now on */
        listen_fd = MHD_quiesce_daemon(api->daemon);
    stop_workers(api); /* every suspended request is answered first */
    if (api->daemon)
        MHD_stop_daemon(api->daemon);
    if (listen_fd >= 0)
        close(listen_fd);
    stop_reaper(api);
    fc_changes_sub_stop(api->sub);
    fc_fidset_free(api->owned.targets);
    fc_fidset_free(api->owned.roots);
    fc_fidset_free(api->owned.clients);
    fc_jobq_free(api->owned.jobq);
    fc_procs_free(api->owned.procs);
    fc_ratelimit_free(api->rl);
    fc_auth_free(api->auth);
    fc_cache_free(api->cache);
    fc_pool_free(api->pool);
    fc_pool_free(api->ops_pool);
    fc_redis_close(api->ops_redis);
    pthread_mutex_destroy(&api->ops_redis_lock);
    fc_metrics_free(api->metrics);
    for (size_t i = 0; api->labels && i < fc_api_n_routes; i++)
        free(api->labels[i]);
    free(api->labels);
    free_list(api->cors, api->n_cors);
    free_list(api->proxies, api->n_proxies);
    free_list(api->hosts, api->n_hosts);
    free(api);
}

unsigned fc_api_port(const struct fc_api *api)
{
    return api->port;
}

bool fc_api_take_one_time_password(struct fc_api *api, char *out, size_t out_size)
{
    size_t n = strlen(api->one_time_password);
    if (!n || n >= out_size)
        return false;
    memcpy(out, api->one_time_password, n + 1);
    memset(api->one_time_password, 0, sizeof(api->one_time_password));
    return true;
}
