/* Shared by the API's modules: the server state, route classes and the
 * helpers handlers use to read parameters and query the database. */
#ifndef FC_API_INTERNAL_H
#define FC_API_INTERNAL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "api/api.h"
#include "api/auth.h"
#include "api/cache.h"
#include "api/http.h"
#include "api/metrics.h"
#include "api/reads.h"
#include "core/config.h"
#include "core/vec.h"
#include "state/changes.h"
#include "state/fidset.h"
#include "state/jobq.h"
#include "state/procs.h"
#include "state/rates.h"
#include "state/ratelimit.h"
#include "state/redis_conn.h"
#include "store/pool.h"

/* CLASS_SESSION: admin rules when a session cookie is sent; without one, or
 * with one that is no longer valid, the route answers as anonymous. */
enum route_class { CLASS_PUBLIC, CLASS_SEARCH, CLASS_ADMIN, CLASS_LOGIN, CLASS_OPS, CLASS_SESSION };

typedef void (*route_fn)(struct fc_http_req *req, struct fc_http_resp *resp);

struct route {
    const char *method;
    const char *pattern; /* "/v1/casts/:hash"; also the metrics label */
    enum route_class cls;
    route_fn fn;
};

extern const struct route fc_api_routes[];
extern const size_t fc_api_n_routes;

/* The index of the route for (method, path) in fc_api_routes, or -1;
 * *path_known tells whether another method would match (405, not 404), and
 * allow (may be NULL) gets the methods that would. */
int fc_api_route_find(const char *method, const char *path, bool *path_known,
                      struct fc_buf *allow);

/* Strings split from a comma-separated option; the list owns them. */
typedef FC_VEC(char *) fc_api_strings;

struct fc_api {
    const struct fc_config *cfg;
    struct fc_pool *pool;
    struct fc_api_reads *reads;     /* where public reads go (api/reads.h) */
    struct fc_pool *ops_pool;       /* one connection for /readyz and /metrics */
    struct fc_redis_link ops_redis; /* /readyz's Redis check, kept open (under the lock) */
    pthread_mutex_t ops_redis_lock;
    struct fc_cache *cache;
    struct fc_ratelimit *rl;
    struct fc_auth *auth;
    struct fc_fidset *targets, *roots, *clients;
    struct fc_jobq *jobq;
    struct fc_procs *procs; /* the instance's processes and what the indexers report */
    struct fc_rates *rates; /* the indexers' throughput over the last hour */
    struct fc_api_shared owned; /* members the API opened itself and frees */
    struct fc_changes_sub *sub;
    struct fc_metrics *metrics;
    char **labels; /* metrics label set per route */
    void *daemon; /* struct MHD_Daemon * */
    unsigned port;
    fc_api_strings cors, proxies, hosts; /* hosts: api.allowed_hosts or its default */
    int64_t started_ms;
    atomic_ulong request_seq;
    uint64_t id_salt;
    char one_time_password[64]; /* generated at this start; handed out once */
    /* query workers: requests other than the operations routes run here, so
     * the connection threads never wait on the database */
    pthread_mutex_t work_lock;
    pthread_cond_t work_cond;
    struct conn_state *work_head, *work_tail;
    size_t work_len;
    bool work_stop;
    pthread_t *workers;
    size_t n_workers;
    /* open connections and their request deadline (conn.c) */
    pthread_mutex_t track_lock;
    pthread_cond_t reaper_cond;
    struct conn_track *tracks;
    pthread_t reaper;
    bool reaper_running, reaper_stop, locks_ready;
};

/* Handlers (public.c, admin.c, ops.c) */
void fc_api_feed(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_cast(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_cast_replies(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user_by_name(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user_casts(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user_followers(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user_following(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_search(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_trending(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_user_replies(struct fc_http_req *req, struct fc_http_resp *resp);
/* social.c */
void fc_api_user_likes(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_search_users(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_search_all(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_cast_thread(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_channel_feed(struct fc_http_req *req, struct fc_http_resp *resp);
/* analytics.c */
void fc_api_admin_analytics(struct fc_http_req *req, struct fc_http_resp *resp);
/* throughput.c */
void fc_api_admin_throughput(struct fc_http_req *req, struct fc_http_resp *resp);

void fc_api_login(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_logout(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_session(struct fc_http_req *req, struct fc_http_resp *resp);

void fc_api_admin_targets(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_target_add(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_target_put(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_target_delete(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_target_backfill(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_target_stats(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_clients(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_client_add(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_client_delete(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs_backfill(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_job_retry(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_status(struct fc_http_req *req, struct fc_http_resp *resp);
/* job queue control (admin_jobs.c) */
void fc_api_admin_jobs_stats(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs_pause(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs_resume(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs_clear(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_jobs_retry_all(struct fc_http_req *req, struct fc_http_resp *resp);
/* dead letters (admin_dead_letters.c) */
void fc_api_admin_dead_letters(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_dead_letter_payload(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_dead_letter_retry(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_admin_dead_letter_delete(struct fc_http_req *req, struct fc_http_resp *resp);

void fc_api_healthz(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_readyz(struct fc_http_req *req, struct fc_http_resp *resp);
void fc_api_metrics(struct fc_http_req *req, struct fc_http_resp *resp);

/* ---- ended sessions (sessions.c) ---- */

/* Records that session jti (valid until exp_unix_s) was ended by logout. */
FC_MUST_CHECK
enum fc_err fc_api_end_session(struct fc_api *api, const char *jti, int64_t exp_unix_s,
                               struct fc_diag *diag);
/* Whether session jti was ended; an error when the store cannot answer
 * (the caller then refuses the session). */
FC_MUST_CHECK
enum fc_err fc_api_session_ended(struct fc_api *api, const char *jti, bool *ended,
                                 struct fc_diag *diag);

/* ---- helpers (helpers.c) ---- */

/* The request body as a JSON object with only the allowed keys (NULL-ended);
 * NULL after setting a 400 or 415. Free with yajl_tree_free. */
struct yajl_val_s;
struct yajl_val_s *fc_api_request_object(struct fc_http_req *req, struct fc_http_resp *resp,
                                         const char *const *allowed);

/* Parses an fid path or body value; on failure sets a 400 and returns false. */
bool fc_api_parse_fid(struct fc_http_resp *resp, const char *what, const char *s, uint64_t *fid);
/* ?limit= (1..max, default def). */
bool fc_api_limit(const struct fc_http_req *req, struct fc_http_resp *resp, int def, int max,
                  int *out);
/* ?name= as a decimal integer in [min, max] (def when absent); false after
 * a 400 invalid_argument naming the parameter. */
bool fc_api_int_arg(const struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
                    int def, int min, int max, int *out);
/* ?cursor= of a (timestamp, hash) list: "<unix µs>:<40 hex>". Absent: both
 * outputs empty strings. ts_out gets an SQL timestamptz literal. */
bool fc_api_keyset_cursor(const struct fc_http_req *req, struct fc_http_resp *resp,
                          char ts_out[40], char hash_out[48]);
/* ?cursor= of an offset list: a decimal offset up to 10,000. */
bool fc_api_offset_cursor(const struct fc_http_req *req, struct fc_http_resp *resp, int *offset);

/* A ?window= of 1h, 24h, 7d or 30d (24h when absent): its SQL interval and
 * the bucket a chart of it is drawn in. */
struct fc_api_window {
    const char *name, *interval, *unit;
};
/* ?window= among the first n of those (trending allows 3, analytics 4); NULL
 * after a 400 invalid_window naming them. */
const struct fc_api_window *fc_api_window_arg(const struct fc_http_req *req,
                                              struct fc_http_resp *resp, size_t n);

/* A pooled connection (return it with fc_pool_put), or NULL after setting
 * a 503 with Retry-After. */
struct fc_db *fc_api_take_db(struct fc_http_req *req, struct fc_http_resp *resp);
/* Logs a database failure with the request id and sets a 500. */
void fc_api_db_failed(struct fc_http_req *req, struct fc_http_resp *resp,
                      const struct fc_diag *diag);
/* Returns db to the pool after a call that returned err: true when err is
 * FC_OK, otherwise false after fc_api_db_failed. */
bool fc_api_put_db(struct fc_http_req *req, struct fc_http_resp *resp, struct fc_db *db,
                   enum fc_err err, const struct fc_diag *diag);

/* Runs sql (returning one JSON text value) on a pooled connection; appends
 * it to body. Returns 1 with a value, 0 when there was no row, -1 after
 * setting an error response (database down or failed). */
int fc_api_query(struct fc_http_req *req, struct fc_http_resp *resp, const char *sql,
                 int nparams, const char *const *params, struct fc_buf *body);

/* fc_api_query that also appends the second column (a comma-separated fid
 * list the response depends on) to deps. */
int fc_api_query_deps(struct fc_http_req *req, struct fc_http_resp *resp, const char *sql,
                      int nparams, const char *const *params, struct fc_buf *body,
                      struct fc_buf *deps);

/* fc_api_query_deps through a statement prepared on each pooled connection
 * as name (store/db.h: fc_db_query_text2_prepared). */
int fc_api_query_prepared(struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
                          const char *sql, int nparams, const char *const *params,
                          struct fc_buf *body, struct fc_buf *deps);

/* A cached JSON GET: key names the response; fill builds it. */
void fc_api_cached(struct fc_http_req *req, struct fc_http_resp *resp, const char *key, int ttl_s,
                   fc_cache_fill_fn fill, void *arg);

#endif
