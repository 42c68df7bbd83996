/* libmicrohttpd's side of the server: a request's body as it arrives
 * (capped), the request prepared once it is whole, answered on the
 * connection's own thread when no database is needed (operations routes,
 * the web UI, errors found before a handler, and public responses the cache
 * holds) or else handed to a query worker with the connection suspended;
 * the response sent with the common headers, metrics and the access log.
 * Connections are tracked so a request that does not arrive whole within
 * api.request_timeout_s is cut. */
#include "api/server_parts.h"
#include "api/ui.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "core/cond.h"
#include "core/fctime.h"
#include "core/log.h"

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

/* The request as handlers see it, once it arrived whole. */
static void prepare(struct fc_api *api, struct conn_state *cs)
{
    clock_gettime(CLOCK_MONOTONIC, &cs->started);
    struct fc_http_req *req = &cs->req;
    memset(req, 0, sizeof(*req));
    req->method = cs->method;
    req->path = cs->url;
    req->conn = cs->conn;
    req->api = api;
    fc_buf_putc(&cs->body, '\0');
    req->body = cs->body.data;
    req->body_len = cs->body.len - 1;
    client_ip(cs->conn, req->ip, sizeof(req->ip));
    fc_api_forwarded_ip(api, req, req->ip, sizeof(req->ip));
    unsigned long seq = ++api->request_seq;
    snprintf(req->request_id, sizeof(req->request_id), "%08llx%08lx",
             (unsigned long long)(api->id_salt & 0xffffffffu), seq);
    cs->resp.status = 200;
    fc_buf_puts(&cs->resp.headers, "");
    cs->route = cs->cls = -1;
}

/* The common headers, metrics and the access log of an answered request. */
static void finish(struct fc_api *api, struct conn_state *cs)
{
    struct fc_http_resp *resp = &cs->resp;
    fc_api_common_headers(api, &cs->req, resp, cs->cls, cs->url);
    if (resp->cache[0])
        fc_http_add_header(resp, "X-Cache", resp->cache);
    struct timespec ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    double secs = (double)(ts1.tv_sec - cs->started.tv_sec) +
                  (double)(ts1.tv_nsec - cs->started.tv_nsec) / 1e9;
    fc_metrics_request(api->metrics, cs->route >= 0 ? (size_t)cs->route : fc_api_n_routes,
                       resp->status, secs);
    if (api->cfg->api_access_log)
        log_info("access", "%s %s %d %.2fms ip=%s id=%s%s%s", cs->method, cs->url, resp->status,
                 secs * 1000.0, cs->req.ip, cs->req.request_id, resp->cache[0] ? " cache=" : "",
                 resp->cache);
}

void fc_api_conn_serve(struct fc_api *api, struct conn_state *cs)
{
    clock_gettime(CLOCK_MONOTONIC, &cs->started); /* the handling, not the wait */
    if (cs->admitted ||
        fc_api_admit(api, &cs->req, &cs->resp, cs->path, &cs->route, &cs->cls, false) ==
            FC_API_RUN)
        fc_api_run_route(api, &cs->req, &cs->resp, cs->route);
    finish(api, cs);
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

/* Answers cs on the connection's thread when that needs no query worker:
 * true with cs->resp finished. A public GET whose checks pass (the rate
 * limit taken, when the limiter needs no network) runs its handler in probe
 * mode: a fresh cached response, or a parameter error, is the answer; a
 * handler that would query the database hands over to a worker, which then
 * runs the handler alone (cs->admitted) with the rate limit's headers kept. */
static bool answered_here(struct fc_api *api, struct conn_state *cs)
{
    if (cs->too_big) {
        fc_http_error(&cs->resp, 413, "body_too_large", "the request body is larger than %d bytes",
                      api->cfg->api_max_body_bytes);
        finish(api, cs);
        return true;
    }
    if (answered_inline(cs->method, cs->url)) {
        fc_api_conn_serve(api, cs);
        return true;
    }
    bool get = strcmp(cs->method, "GET") == 0 || strcmp(cs->method, "HEAD") == 0;
    if (!get || !fc_ratelimit_local(api->rl)) /* a Redis limiter waits on the network */
        return false;
    enum fc_api_admission a =
        fc_api_admit(api, &cs->req, &cs->resp, cs->path, &cs->route, &cs->cls, true);
    if (a == FC_API_HOP)
        return false;
    if (a == FC_API_RUN) {
        size_t kept = cs->resp.headers.len;
        cs->req.probe = true;
        fc_api_run_route(api, &cs->req, &cs->resp, cs->route);
        cs->req.probe = false;
        if (cs->req.need_worker) {
            cs->req.need_worker = false;
            cs->admitted = true;
            cs->resp.headers.len = kept;
            cs->resp.headers.data[kept] = '\0';
            fc_buf_reset(&cs->resp.body);
            cs->resp.status = 200;
            cs->resp.content_type = NULL;
            cs->resp.cache[0] = '\0';
            return false;
        }
    }
    finish(api, cs);
    return true;
}

static enum MHD_Result send_and_clean(struct MHD_Connection *conn, struct conn_state *cs)
{
    /* HEAD: libmicrohttpd sends the headers (Content-Length of the GET) without the body */
    enum MHD_Result r = send_resp(conn, &cs->resp);
    fc_buf_cleanup(&cs->resp.body);
    fc_buf_cleanup(&cs->resp.headers);
    return r;
}

void fc_api_conn_suspend(struct conn_state *cs)
{
    MHD_suspend_connection(cs->conn);
}

void fc_api_conn_resume(struct conn_state *cs)
{
    MHD_resume_connection(cs->conn);
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
    prepare(api, cs);
    if (answered_here(api, cs) )
        return send_and_clean(conn, cs);
    if (fc_api_workers_push(api, cs))
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
        struct timespec until = fc_cond_deadline(250);
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

void fc_api_reaper_start(struct fc_api *api)
{
    pthread_mutex_init(&api->track_lock, NULL);
    fc_cond_init_monotonic(&api->reaper_cond);
    pthread_create(&api->reaper, NULL, deadline_reaper, api);
    api->reaper_running = true;
}

void fc_api_reaper_stop(struct fc_api *api)
{
    if (!api->reaper_running)
        return;
    pthread_mutex_lock(&api->track_lock);
    api->reaper_stop = true;
    pthread_cond_signal(&api->reaper_cond);
    pthread_mutex_unlock(&api->track_lock);
    pthread_join(api->reaper, NULL);
    pthread_mutex_destroy(&api->track_lock);
    pthread_cond_destroy(&api->reaper_cond);
    api->reaper_running = false;
}

void *fc_api_daemon_start(struct fc_api *api, const void *sockaddr_in)
{
    const struct fc_config *cfg = api->cfg;
    return MHD_start_daemon(
        MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_EPOLL | MHD_USE_TURBO | MHD_USE_ITC |
            MHD_ALLOW_SUSPEND_RESUME,
        0, NULL, NULL, on_request, api, MHD_OPTION_SOCK_ADDR, sockaddr_in,
        MHD_OPTION_THREAD_POOL_SIZE, (unsigned)cfg->api_threads, MHD_OPTION_NOTIFY_COMPLETED,
        on_completed, api, MHD_OPTION_NOTIFY_CONNECTION, on_connection, api,
        MHD_OPTION_CONNECTION_LIMIT, (unsigned)cfg->api_max_connections,
        MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)cfg->api_connection_timeout_s,
        MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)64 * 1024,
        MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)cfg->api_max_connections_per_client,
        MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_END);
}
