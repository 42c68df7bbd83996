/* The pieces of the HTTP server and what they share (server.c: start and
 * stop; conn.c: libmicrohttpd's callbacks and the request deadline;
 * workers.c: the query workers; admit.c: the checks before a handler;
 * routes.c: the route table). Handlers need none of this. */
#ifndef FC_API_SERVER_PARTS_H
#define FC_API_SERVER_PARTS_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

#include "api/internal.h"

#define FC_API_MAX_URL 2048

/* ---- routes.c ---- */

/* The metrics and rate-limit name of a route class. */
const char *fc_api_class_name(enum route_class c);
/* Requests per minute per client for a class (0: unlimited). */
int fc_api_rate_limit_for(const struct fc_config *cfg, enum route_class c);
/* fc_api_route_find on path_copy, pointing req's params into it (each
 * :segment cut at its '/'). */
int fc_api_route_resolve(struct fc_http_req *req, char *path_copy, bool *path_known,
                         struct fc_buf *allow);

/* ---- admit.c ---- */

enum fc_api_admission {
    FC_API_RUN,      /* checks passed: run the route's handler */
    FC_API_ANSWERED, /* resp holds the answer (an error, a preflight, a UI file) */
    FC_API_HOP,      /* on a connection thread: the checks need a query worker */
};

/* The checks before a handler (see admit.c); copy receives the path the
 * params point into (FC_API_MAX_URL + 2 bytes, alive while they are used).
 * *route_out is the route's index once known (metrics), else -1. On a
 * connection thread (conn_thread), routes whose checks read PostgreSQL or
 * Redis (admin, login, session) answer FC_API_HOP before any check with an
 * effect, so a worker can run them all. */
enum fc_api_admission fc_api_admit(struct fc_api *api, struct fc_http_req *req,
                                   struct fc_http_resp *resp, char *copy, int *route_out,
                                   int *cls_out, bool conn_thread);
/* Runs route r's handler (and counts a login's outcome). */
void fc_api_run_route(struct fc_api *api, struct fc_http_req *req, struct fc_http_resp *resp,
                      int r);
/* The security, caching and CORS headers of every response. */
void fc_api_common_headers(const struct fc_api *api, const struct fc_http_req *req,
                           struct fc_http_resp *resp, int cls, const char *path);
/* Behind a trusted proxy the client is named by X-Forwarded-For: ip is
 * replaced by it. */
void fc_api_forwarded_ip(const struct fc_api *api, const struct fc_http_req *req, char *ip,
                         size_t ip_size);

/* ---- conn.c ---- */

/* One request: its body as it arrives, then the request and response,
 * prepared on the connection's thread and finished there or by a query
 * worker (the connection suspended meanwhile). */
struct conn_state {
    struct fc_buf body;
    bool too_big;
    void *conn;                    /* struct MHD_Connection * */
    const char *method, *url;
    struct fc_http_req req;
    struct fc_http_resp resp;
    char path[FC_API_MAX_URL + 2]; /* the path req's params point into */
    struct timespec started;
    int route, cls;                /* -1 until known */
    bool admitted;                 /* checks passed (limit taken): a worker runs the handler */
    bool done;                     /* resp is ready to send */
    struct conn_state *next;       /* in the work queue */
};

/* What a query worker does with a request: the checks left and the handler. */
void fc_api_conn_serve(struct fc_api *api, struct conn_state *cs);
/* Suspends the connection of a request handed to a worker; wakes it when
 * the request is finished. */
void fc_api_conn_suspend(struct conn_state *cs);
void fc_api_conn_resume(struct conn_state *cs);

/* libmicrohttpd's daemon for api (NULL when it cannot listen) and the
 * thread that cuts requests arriving too slowly. */
void *fc_api_daemon_start(struct fc_api *api, const void *sockaddr_in);
void fc_api_reaper_start(struct fc_api *api);
void fc_api_reaper_stop(struct fc_api *api);

/* ---- workers.c ---- */

/* One query worker per pooled connection: more would only wait for one. */
void fc_api_workers_start(struct fc_api *api);
/* Queues cs for a worker; false when the queue is full or stopping. */
bool fc_api_workers_push(struct fc_api *api, struct conn_state *cs);
/* Lets the workers finish every queued request, then joins them; later
 * pushes are refused. fc_api_workers_free once nothing can push. */
void fc_api_workers_stop(struct fc_api *api);
void fc_api_workers_free(struct fc_api *api);

#endif
