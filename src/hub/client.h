/* Hub client: ordered hubs with fail-over, per-hub headers and timeouts,
 * retries with exponential backoff and jitter, Retry-After, a circuit
 * breaker and a request budget per hub, and streaming decode of every page.
 *
 * Threading: one struct fc_hub_client is shared by all workers (its hub
 * state is locked); each worker thread owns a struct fc_hub_conn (curl
 * handles, reused connections, a reusable decoder). */
#ifndef FC_HUB_CLIENT_H
#define FC_HUB_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "fc/decode.h"

struct fc_hub_client_options {
    const struct fc_hub_conf *hubs; /* in order of preference */
    size_t n_hubs;
    int retries;              /* extra attempts after the first, across hubs */
    int backoff_base_ms;      /* first backoff (doubles each retry); default 100 */
    int backoff_max_ms;       /* cap; default 5000 */
    int retry_after_max_ms;   /* longest Retry-After honoured; default 30000 */
    int breaker_failures;     /* consecutive failures that open a hub's breaker; default 5 */
    int breaker_cooldown_ms;  /* how long it stays open before a probe; default 5000 */
    uint64_t jitter_seed;     /* 0 = from the clock */
};

enum fc_hub_outcome {
    FC_HUB_OK, FC_HUB_NOT_FOUND, FC_HUB_BAD_REQUEST, FC_HUB_RATE_LIMITED, FC_HUB_SERVER_ERROR,
    FC_HUB_CONNECT_ERROR, FC_HUB_TIMEOUT, FC_HUB_TRANSFER_ERROR, FC_HUB_BAD_JSON,
    FC_HUB_SKIPPED_BREAKER, FC_HUB_NOUTCOMES,
};

const char *fc_hub_outcome_name(enum fc_hub_outcome o);

struct fc_hub_client;
struct fc_hub_conn;

/* A client over opts' hubs. *out is the caller's, freed with
 * fc_hub_client_free once the connections made from it are freed. */
FC_MUST_CHECK
enum fc_err fc_hub_client_new(const struct fc_hub_client_options *opts,
                              struct fc_hub_client **out, struct fc_diag *diag);
void fc_hub_client_free(struct fc_hub_client *c);

/* How many requests to hub ended in outcome o (for metrics and tests). */
uint64_t fc_hub_client_outcomes(struct fc_hub_client *c, size_t hub, enum fc_hub_outcome o);
bool fc_hub_client_breaker_open(struct fc_hub_client *c, size_t hub);
/* How many hubs the client rotates over. */
size_t fc_hub_client_n_hubs(const struct fc_hub_client *c);

/* One hub's health as status reports show it; a consistent snapshot. */
struct fc_hub_health {
    bool breaker_open;
    double latency_ms;     /* of the last answered request; 0 before one */
    char last_error[160];  /* outcome of the last failed request; "" after a success */
    uint64_t counts[FC_HUB_NOUTCOMES];
};
void fc_hub_client_health(struct fc_hub_client *c, size_t hub, struct fc_hub_health *out);
const char *fc_hub_client_hub_name(const struct fc_hub_client *c, size_t hub);

/* A connection for one thread at a time; the caller frees it with
 * fc_hub_conn_free, before c. */
struct fc_hub_conn *fc_hub_conn_new(struct fc_hub_client *c);
void fc_hub_conn_free(struct fc_hub_conn *conn);

/* What a page request produced. Items are valid until the next request on
 * the same connection or fc_hub_conn_release. */
struct fc_hub_page {
    struct fc_page_info info;
    size_t hub;            /* index of the hub that answered */
    long status;
};

/* Requests path_query (e.g. "/v1/castsByFid?fid=3&pageSize=1000") and
 * decodes the body as kind. fn is called for each item only after the whole
 * page arrived and parsed, so a failed attempt delivers nothing.
 * pin_hub >= 0 sends to that hub only (Hubble event cursors); -1 fails over.
 * Errors: FC_ERR_NOT_FOUND (the hub's not-found 400), FC_ERR_INVALID (other
 * 4xx: not retried), FC_ERR_UNAVAILABLE (every attempt failed). */
FC_MUST_CHECK
enum fc_err fc_hub_get(struct fc_hub_conn *conn, const char *path_query, enum fc_page_kind kind,
                       int pin_hub, fc_item_fn fn, void *ud, struct fc_hub_page *page,
                       struct fc_diag *diag);

/* The raw body of a GET (for /v1/info and small documents), same policy. */
FC_MUST_CHECK
enum fc_err fc_hub_get_raw(struct fc_hub_conn *conn, const char *path_query, int pin_hub,
                           struct fc_buf *body, size_t *hub, struct fc_diag *diag);

/* Server facts from /v1/info. */
struct fc_hub_info {
    bool snapchain;            /* numShards present */
    unsigned num_shards;       /* Snapchain data shards (1..N) */
    uint64_t max_height[64];   /* by shard id */
    char version[32];
};
FC_MUST_CHECK
enum fc_err fc_hub_info(struct fc_hub_conn *conn, int pin_hub, struct fc_hub_info *info,
                        size_t *hub, struct fc_diag *diag);

/* Follows nextPageToken through every page of path (without pageToken;
 * pageSize is added), calling fn per item. Stops on an absent, null or
 * empty token, a token that decodes to an all-null JSON array (Snapchain
 * fan-out), or an empty page. *pages receives the number of pages. */
FC_MUST_CHECK
enum fc_err fc_hub_paginate(struct fc_hub_conn *conn, const char *path, unsigned page_size,
                            enum fc_page_kind kind, fc_item_fn fn, void *ud, size_t *pages,
                            struct fc_diag *diag);

/* One page of the event stream. Snapchain: shard 1..N, ids are global, so
 * any hub may answer (pin_hub -1); the next cursor is the highest id + 1,
 * bad events with a readable id included. Hubble: shard 0; ids are local to
 * each hub, so pin_hub must name the hub the cursor came from; the next
 * cursor is nextPageEventId. On an empty page, or one where no event has a
 * readable id, *next_from stays at from; it never goes below from. */
FC_MUST_CHECK
enum fc_err fc_hub_events_page(struct fc_hub_conn *conn, bool snapchain, unsigned shard,
                               uint64_t from, unsigned page_size, int pin_hub, fc_item_fn fn,
                               void *ud, uint64_t *next_from, size_t *n_events,
                               struct fc_diag *diag);

/* Ends the last page: its items become invalid and the memory it needed
 * beyond a small reserve is freed (call once a page's items are applied). */
void fc_hub_conn_release(struct fc_hub_conn *conn);

/* Bytes the connection holds between requests (items, bodies, decoder). */
size_t fc_hub_conn_retained_bytes(const struct fc_hub_conn *conn);

/* Largest body read raw (fc_hub_get_raw: /v1/info and small documents). */
#define FC_HUB_RAW_BODY_MAX (1u << 20)

/* Appends s percent-encoded for a query value: every byte but A-Z a-z 0-9
 * - . _ ~ (a hub's page token can never add or end a parameter). */
void fc_hub_query_escape(struct fc_buf *out, const char *s);

/* path + "pageSize=N" (+ "&pageToken=<escaped token>" when token is not
 * empty), with "?" or "&" as path needs: the one way page queries are built. */
void fc_hub_page_query(struct fc_buf *q, const char *path, unsigned page_size, const char *token);

/* True when a page token means "no more pages" (see fc_hub_paginate). */
bool fc_hub_token_is_end(const char *token);

#endif
