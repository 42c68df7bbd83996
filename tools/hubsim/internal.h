/* Inside the simulator server: the server object, one request's context and
 * the helpers and endpoint handlers the router, the endpoint families
 * (routes_*.c) and the HTTP glue share. Not for use outside tools/hubsim. */
#ifndef HUBSIM_INTERNAL_H
#define HUBSIM_INTERNAL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "server.h"

#define MAX_QUERY_ARGS 32
#define MAX_UPLOAD_BYTES 65536
#define MAX_PAGE_SIZE 100000

/* Endpoints counted in /_sim/stats: the hub routes, then "other". */
#define HUBSIM_N_ENDPOINTS 17
extern const char *const hubsim_endpoints[HUBSIM_N_ENDPOINTS];
/* Index in hubsim_endpoints of a request path ("other" when unknown). */
size_t hubsim_endpoint_index(const char *path);

struct hubsim {
    struct hubsim_options o;
    struct rcache *msg_cache;   /* rendered messages (synthetic mode, under the state lock) */
    struct rcache *event_cache; /* rendered events */
    struct MHD_Daemon *daemon;
    uint16_t port;
    struct faults faults;
    pthread_mutex_t stats_lock;
    uint64_t requests[HUBSIM_N_ENDPOINTS];
    pthread_t ticker, downer;
    bool ticker_running, downer_running;
    volatile bool stopping;
    volatile bool down;
    struct fanout *fanout; /* reverse indexes, built on first use (state lock) */
};

/* One request: query arguments and context for handlers. */
struct req {
    struct hubsim *hs;
    const char *path;
    const char *const *keys;
    const char *const *vals;
    size_t n;
    struct sim_response *resp;
    bool snap;
};

/* ---- request helpers (request.c) ---- */

/* The value of a query argument; an empty value counts as absent. */
const char *req_arg(const struct req *r, const char *name);
/* Snapchain accepts snake_case and camelCase paging names; snake wins. */
const char *req_arg2(const struct req *r, const char *snake, const char *camel);
/* Sets the response to status, content type and a copy of body. */
void req_reply(struct req *r, int status, const char *ctype, const char *body);
/* Bad or missing parameter, in each server's own shape. */
void req_bad_param(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* "<what> not found", in each server's own shape. */
void req_not_found(struct req *r, const char *what);
/* An unknown route or method, in each server's own shape. */
void req_unknown_route(struct req *r, const char *method);
/* Decimal digits only, no overflow. */
bool req_parse_u64(const char *s, uint64_t *out);
/* Required unsigned parameter; replies with the server's error when bad. */
bool req_need_u64(struct req *r, const char *name, uint64_t *out);

struct paging {
    bool raw_token_only; /* fan-out: the token is JSON, decoded by the caller */
    char raw_token[1024];
    uint64_t page_size;
    bool reverse;
    bool has_token;
    uint8_t token[24];
    size_t token_len;
};

/* Reads page_size, reverse and page_token; replies with the error and
 * returns false when one is bad. */
bool req_parse_paging(struct req *r, struct paging *pg);

/* A source of ordered items with 24-byte keys, rendered on demand. */
struct items {
    size_t n;
    void (*key)(const void *ctx, size_t i, uint8_t out[24]);
    void (*render)(const void *ctx, size_t i, struct fc_buf *out);
    const void *ctx;
};

/* Writes `"messages":[...],"nextPageToken":"..."` for the page pg asks. */
void req_page_messages(struct req *r, const struct items *it, const struct paging *pg,
                       const char *array_key, bool always_token, struct fc_buf *out);

/* ---- endpoint families (routes_*.c) ---- */

void h_casts(struct req *r);
void h_verifications(struct req *r);
void h_user_data(struct req *r);
void h_reactions(struct req *r);
void h_links(struct req *r);
void h_cast_by_id(struct req *r);
void h_username_proofs(struct req *r);

void h_signers(struct req *r);
void h_onchain_events(struct req *r);

void h_fids(struct req *r);
void h_info(struct req *r);

void h_events(struct req *r);
void h_event_by_id(struct req *r);

void h_links_by_target(struct req *r);
void h_reactions_by_cast(struct req *r);
void h_casts_by_parent(struct req *r);

void h_sim_faults(struct req *r, const char *method, const char *upload, size_t len);
void h_sim_stats(struct req *r);

/* ---- HTTP glue (http_glue.c) and lifecycle (server.c) ---- */

/* A listening daemon on hs->o.bind:port serving hs, or NULL. */
struct MHD_Daemon *hubsim_listen(struct hubsim *hs, uint16_t port);
/* Sleeps ms milliseconds, resuming after signals. */
void hubsim_sleep_ms(int ms);

#endif
