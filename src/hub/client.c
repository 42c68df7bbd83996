#include "hub/client.h"

#include <curl/curl.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <yajl/yajl_tree.h>

#include "core/base64.h"
#include "core/fctime.h"
#include "core/vec.h"

static const char *const outcome_names[FC_HUB_NOUTCOMES] = {
    "ok", "not_found", "bad_request", "rate_limited", "server_error", "connect_error",
    "timeout", "transfer_error", "bad_json", "skipped_breaker",
};

const char *fc_hub_outcome_name(enum fc_hub_outcome o)
{
    return o < FC_HUB_NOUTCOMES ? outcome_names[o] : "unknown";
}

/* Shared state of one hub. */
struct hub {
    struct fc_hub_conf conf;    /* borrowed strings from the config */
    struct curl_slist *headers; /* owned; copied into each connection */
    pthread_mutex_t lock;
    /* token bucket */
    double tokens;
    int64_t refill_ms;
    /* circuit breaker */
    int failures;
    int64_t open_until_ms;      /* 0 = closed */
    bool probing;               /* a half-open probe is in flight */
    uint64_t counts[FC_HUB_NOUTCOMES];
    double latency_ms;      /* of the last request that got an answer */
    char last_error[160];   /* of the last request; "" after a success */
};

struct fc_hub_client {
    struct fc_hub_client_options o;
    struct hub *hubs;
    size_t n;
    pthread_mutex_t rng_lock;
    uint64_t rng;
};

struct fc_hub_conn {
    struct fc_hub_client *c;
    CURL **easy; /* one per hub, so each keeps its connections */
    struct fc_decoder *decoder;
    struct {
        struct fc_item *p; /* copies: the decoder's item lives on its stack */
        size_t n, cap;
    } items;
    struct fc_buf body; /* raw bodies and error excerpts */
    bool body_too_big;
    bool decode_failed;
    struct fc_diag decode_diag;
    struct fc_page_info info; /* of the last page decoded */
    bool raw_mode;
};

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

static uint64_t next_rand(struct fc_hub_client *c)
{
    pthread_mutex_lock(&c->rng_lock);
    uint64_t x = c->rng += 0x9e3779b97f4a7c15ULL;
    pthread_mutex_unlock(&c->rng_lock);
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

enum fc_err fc_hub_client_new(const struct fc_hub_client_options *opts,
                              struct fc_hub_client **out, struct fc_diag *diag)
{
    if (!opts->n_hubs)
        return fc_diag_set(diag, FC_ERR_INVALID, "no hubs configured (hubs.urls)");
    pthread_once(&curl_once, curl_init_once);
    struct fc_hub_client *c = fc_xcalloc(1, sizeof(*c));
    c->o = *opts;
    if (c->o.backoff_base_ms <= 0)
        c->o.backoff_base_ms = 100;
    if (c->o.backoff_max_ms <= 0)
        c->o.backoff_max_ms = 5000;
    if (c->o.retry_after_max_ms <= 0)
        c->o.retry_after_max_ms = 30000;
    if (c->o.breaker_failures <= 0)
        c->o.breaker_failures = 5;
    if (c->o.breaker_cooldown_ms <= 0)
        c->o.breaker_cooldown_ms = 5000;
    if (c->o.retries < 0)
        c->o.retries = 0;
    c->rng = opts->jitter_seed ? opts->jitter_seed : (uint64_t)fc_now_unix_ms();
    pthread_mutex_init(&c->rng_lock, NULL);
    c->n = opts->n_hubs;
    c->hubs = fc_xcalloc(c->n, sizeof(*c->hubs));
    for (size_t i = 0; i < c->n; i++) {
        struct hub *h = &c->hubs[i];
        h->conf = opts->hubs[i];
        pthread_mutex_init(&h->lock, NULL);
        h->tokens = h->conf.budget_burst > 0 ? h->conf.budget_burst : 1;
        h->refill_ms = fc_now_mono_ms();
        for (size_t k = 0; k < h->conf.n_headers; k++)
            h->headers = curl_slist_append(h->headers, h->conf.headers[k]);
        h->headers = curl_slist_append(h->headers, "Accept: application/json");
    }
    *out = c;
    return FC_OK;
}

void fc_hub_client_free(struct fc_hub_client *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        curl_slist_free_all(c->hubs[i].headers);
        pthread_mutex_destroy(&c->hubs[i].lock);
    }
    free(c->hubs);
    pthread_mutex_destroy(&c->rng_lock);
    free(c);
}

uint64_t fc_hub_client_outcomes(struct fc_hub_client *c, size_t hub, enum fc_hub_outcome o)
{
    if (hub >= c->n || o >= FC_HUB_NOUTCOMES)
        return 0;
    pthread_mutex_lock(&c->hubs[hub].lock);
    uint64_t v = c->hubs[hub].counts[o];
    pthread_mutex_unlock(&c->hubs[hub].lock);
    return v;
}

bool fc_hub_client_breaker_open(struct fc_hub_client *c, size_t hub)
{
    if (hub >= c->n)
        return false;
    pthread_mutex_lock(&c->hubs[hub].lock);
    bool open = c->hubs[hub].open_until_ms > 0;
    pthread_mutex_unlock(&c->hubs[hub].lock);
    return open;
}

void fc_hub_client_health(struct fc_hub_client *c, size_t hub, struct fc_hub_health *out)
{
    memset(out, 0, sizeof(*out));
    if (hub >= c->n)
        return;
    struct hub *h = &c->hubs[hub];
    pthread_mutex_lock(&h->lock);
    out->breaker_open = h->open_until_ms > 0;
    out->latency_ms = h->latency_ms;
    snprintf(out->last_error, sizeof(out->last_error), "%s", h->last_error);
    memcpy(out->counts, h->counts, sizeof(out->counts));
    pthread_mutex_unlock(&h->lock);
}

size_t fc_hub_client_n_hubs(const struct fc_hub_client *c)
{
    return c->n;
}

const char *fc_hub_client_hub_name(const struct fc_hub_client *c, size_t hub)
{
    return hub < c->n ? c->hubs[hub].conf.name : "";
}

struct fc_hub_conn *fc_hub_conn_new(struct fc_hub_client *c)
{
    struct fc_hub_conn *conn = fc_xcalloc(1, sizeof(*conn));
    conn->c = c;
    conn->easy = fc_xcalloc(c->n, sizeof(CURL *));
    return conn;
}

void fc_hub_conn_free(struct fc_hub_conn *conn)
{
    if (!conn)
        return;
    for (size_t i = 0; i < conn->c->n; i++)
        if (conn->easy[i])
            curl_easy_cleanup(conn->easy[i]);
    free(conn->easy);
    fc_decoder_free(conn->decoder);
    free(conn->items.p);
    fc_buf_cleanup(&conn->body);
    free(conn);
}

/* ---- per-hub policy: breaker and budget ---- */

/* May this hub be tried now? A closed breaker: yes. An open one: only one
 * probe after the cool-down. */
static bool breaker_allows(struct hub *h)
{
    bool ok;
    pthread_mutex_lock(&h->lock);
    int64_t now = fc_now_mono_ms();
    if (!h->open_until_ms) {
        ok = true;
    } else if (now >= h->open_until_ms && !h->probing) {
        h->probing = true;
        ok = true;
    } else {
        ok = false;
        h->counts[FC_HUB_SKIPPED_BREAKER]++;
    }
    pthread_mutex_unlock(&h->lock);
    return ok;
}

static void record(struct fc_hub_client *c, struct hub *h, enum fc_hub_outcome o)
{
    pthread_mutex_lock(&h->lock);
    h->counts[o]++;
    bool failure = o == FC_HUB_SERVER_ERROR || o == FC_HUB_CONNECT_ERROR ||
                   o == FC_HUB_TIMEOUT || o == FC_HUB_TRANSFER_ERROR || o == FC_HUB_BAD_JSON ||
                   o == FC_HUB_RATE_LIMITED;
    if (failure) {
        h->failures++;
        if (h->probing || h->failures >= c->o.breaker_failures)
            h->open_until_ms = fc_now_mono_ms() + c->o.breaker_cooldown_ms;
    } else {
        h->failures = 0;
        h->open_until_ms = 0;
    }
    h->probing = false;
    pthread_mutex_unlock(&h->lock);
}

/* What status reports show of a hub: the last answer's latency and error. */
static void note_health(struct hub *h, enum fc_hub_outcome o, double elapsed_ms, long status)
{
    pthread_mutex_lock(&h->lock);
    if (o != FC_HUB_CONNECT_ERROR && o != FC_HUB_TIMEOUT)
        h->latency_ms = elapsed_ms;
    if (o == FC_HUB_OK || o == FC_HUB_NOT_FOUND)
        h->last_error[0] = '\0';
    else if (status > 0)
        snprintf(h->last_error, sizeof(h->last_error), "%s (HTTP %ld)", fc_hub_outcome_name(o),
                 status);
    else
        snprintf(h->last_error, sizeof(h->last_error), "%s", fc_hub_outcome_name(o));
    pthread_mutex_unlock(&h->lock);
}

/* Token bucket shared by every worker: waits for a token, outside the lock. */
static void take_budget(struct hub *h)
{
    if (h->conf.budget_rps <= 0)
        return;
    for (;;) {
        pthread_mutex_lock(&h->lock);
        int64_t now = fc_now_mono_ms();
        double burst = h->conf.budget_burst > 0 ? h->conf.budget_burst : 1;
        h->tokens += (double)(now - h->refill_ms) * h->conf.budget_rps / 1000.0;
        if (h->tokens > burst)
            h->tokens = burst;
        h->refill_ms = now;
        int64_t wait = 0;
        if (h->tokens >= 1.0)
            h->tokens -= 1.0;
        else
            wait = (int64_t)((1.0 - h->tokens) * 1000.0 / h->conf.budget_rps) + 1;
        pthread_mutex_unlock(&h->lock);
        if (!wait)
            return;
        sleep_ms(wait);
    }
}

/* ---- one HTTP attempt ---- */

/* Everything an item points to lives in the decoder's arena, which stays
 * until the decoder is reset for the next request: only the struct is copied. */
static void keep_item(void *ud, const struct fc_item *it)
{
    struct fc_hub_conn *conn = ud;
    *fc_vec_push(&conn->items) = *it;
}

/* Storage a connection keeps between pages; beyond it, a page's memory is
 * given back when the page is done (a hostile or huge page must not pin it). */
#define KEEP_ITEMS 4096
#define KEEP_BODY_BYTES 65536

static void drop_items(struct fc_hub_conn *conn)
{
    conn->items.n = 0;
    if (conn->items.cap > KEEP_ITEMS) {
        free(conn->items.p);
        conn->items.p = NULL;
        conn->items.cap = 0;
    }
}

static void drop_body(struct fc_hub_conn *conn)
{
    if (conn->body.cap > KEEP_BODY_BYTES)
        fc_buf_cleanup(&conn->body);
    fc_buf_reset(&conn->body);
    conn->body_too_big = false;
}

void fc_hub_conn_release(struct fc_hub_conn *conn)
{
    drop_items(conn);
    drop_body(conn);
    if (conn->decoder)
        fc_decoder_reset(conn->decoder, FC_PAGE_AUTO, keep_item, conn);
}

size_t fc_hub_conn_retained_bytes(const struct fc_hub_conn *conn)
{
    return conn->items.cap * sizeof(*conn->items.p) + conn->body.cap +
           (conn->decoder ? fc_decoder_retained_bytes(conn->decoder) : 0);
}

struct attempt {
    struct fc_hub_conn *conn;
    CURL *easy;
    long status;
    bool status_known;
    int retry_after_s;
};

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    struct attempt *a = ud;
    size_t len = size * n;
    if (len > 12 && strncasecmp(buf, "Retry-After:", 12) == 0) {
        long v = strtol(buf + 12, NULL, 10);
        if (v > 0 && v < 86400)
            a->retry_after_s = (int)v;
    }
    return len;
}

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    struct attempt *a = ud;
    struct fc_hub_conn *conn = a->conn;
    size_t len = size * n;
    if (!a->status_known) {
        /* headers are complete before the first body byte */
        curl_easy_getinfo(a->easy, CURLINFO_RESPONSE_CODE, &a->status);
        a->status_known = true;
    }
    if (conn->raw_mode) {
        if (conn->body.len + len > FC_HUB_RAW_BODY_MAX) {
            conn->body_too_big = true;
            return 0; /* abort: no document we read raw is this large */
        }
        fc_buf_append(&conn->body, data, len);
        return len;
    }
    if (conn->decode_failed)
        return 0;
    /* Decode as the bytes arrive. Non-2xx bodies are kept raw instead. */
    if (a->status >= 200 && a->status < 300) {
        if (fc_decoder_feed(conn->decoder, data, len, &conn->decode_diag) != FC_OK) {
            conn->decode_failed = true;
            return 0; /* abort the transfer: the page must be fetched again */
        }
    } else if (conn->body.len < 65536) {
        fc_buf_append(&conn->body, data, len);
    }
    return len;
}

static CURL *easy_for(struct fc_hub_conn *conn, size_t hub)
{
    if (!conn->easy[hub]) {
        CURL *e = curl_easy_init();
        struct hub *h = &conn->c->hubs[hub];
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, ""); /* gzip etc. when offered */
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, h->headers);
        curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long)h->conf.connect_timeout_ms);
        curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long)h->conf.timeout_ms);
        curl_easy_setopt(e, CURLOPT_USERAGENT, "fcindex/" FC_VERSION);
        conn->easy[hub] = e;
    }
    return conn->easy[hub];
}

/* Not-found is a 400 on both servers; tell it apart by the body. */
static bool body_says_not_found(const struct fc_buf *b)
{
    return b->data && (strstr(b->data, "NotFound") || strstr(b->data, "not_found") ||
                       strstr(b->data, "not found"));
}

static enum fc_hub_outcome attempt_once(struct fc_hub_conn *conn, size_t hub,
                                        const char *path_query, enum fc_page_kind kind,
                                        struct attempt *a)
{
    struct hub *h = &conn->c->hubs[hub];
    CURL *e = easy_for(conn, hub);
    char url[8192];
    snprintf(url, sizeof(url), "%s%s", h->conf.url, path_query);
    memset(a, 0, sizeof(*a));
    a->conn = conn;
    a->easy = e;
    drop_items(conn);
    drop_body(conn);
    conn->decode_failed = false;
    if (!conn->raw_mode) {
        if (!conn->decoder)
            conn->decoder = fc_decoder_new(kind, keep_item, conn);
        else
            fc_decoder_reset(conn->decoder, kind, keep_item, conn);
    }
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, a);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, a);
    CURLcode rc = curl_easy_perform(e);
    long status = 0;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    a->status = status;
    if (rc == CURLE_WRITE_ERROR && conn->decode_failed)
        return FC_HUB_BAD_JSON;
    if (rc == CURLE_WRITE_ERROR && conn->body_too_big) {
        fc_diag_set(&conn->decode_diag, FC_ERR_LIMIT, "response larger than %u bytes",
                    FC_HUB_RAW_BODY_MAX);
        return FC_HUB_BAD_JSON;
    }
    if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
        return FC_HUB_CONNECT_ERROR;
    if (rc == CURLE_OPERATION_TIMEDOUT)
        return FC_HUB_TIMEOUT;
    if (rc != CURLE_OK)
        return FC_HUB_TRANSFER_ERROR;
    if (status == 429)
        return FC_HUB_RATE_LIMITED;
    if (status >= 500)
        return FC_HUB_SERVER_ERROR;
    if (status == 400 && body_says_not_found(&conn->body))
        return FC_HUB_NOT_FOUND;
    if (status >= 400 || status < 200)
        return FC_HUB_BAD_REQUEST;
    if (!conn->raw_mode &&
        fc_decoder_finish(conn->decoder, &conn->info, &conn->decode_diag) != FC_OK)
        return FC_HUB_BAD_JSON;
    return FC_HUB_OK;
}

FC_MUST_CHECK
static enum fc_err request(struct fc_hub_conn *conn, const char *path_query,
                           enum fc_page_kind kind, int pin_hub, size_t *served_by, long *status,
                           struct fc_diag *diag)
{
    struct fc_hub_client *c = conn->c;
    int attempts = c->o.retries + 1;
    size_t start = pin_hub >= 0 ? (size_t)pin_hub : 0;
    size_t hub = start;
    enum fc_hub_outcome last = FC_HUB_CONNECT_ERROR;
    char last_detail[256] = "";
    for (int attempt = 0; attempt < attempts; attempt++) {
        /* Pick the first hub, from the preferred one, whose breaker allows it. */
        bool found = false;
        for (size_t k = 0; k < c->n && !found; k++) {
            size_t cand = pin_hub >= 0 ? (size_t)pin_hub : (hub + k) % c->n;
            if (breaker_allows(&c->hubs[cand])) {
                hub = cand;
                found = true;
            }
            if (pin_hub >= 0)
                break;
        }
        if (!found) {
            /* every breaker is open: wait a little and try the preferred hub */
            sleep_ms(c->o.backoff_base_ms);
            hub = start;
        }
        struct hub *h = &c->hubs[hub];
        take_budget(h);
        struct attempt a;
        int64_t began_ms = fc_now_mono_ms();
        enum fc_hub_outcome o = attempt_once(conn, hub, path_query, kind, &a);
        record(c, h, o);
        note_health(h, o, (double)(fc_now_mono_ms() - began_ms), a.status);
        last = o;
        if (o == FC_HUB_OK) {
            *served_by = hub;
            *status = a.status;
            return FC_OK;
        }
        if (o == FC_HUB_NOT_FOUND) {
            *served_by = hub;
            *status = a.status;
            return fc_diag_set(diag, FC_ERR_NOT_FOUND, "%s%s: not found", h->conf.name,
                               path_query);
        }
        if (o == FC_HUB_BAD_REQUEST) {
            *served_by = hub;
            *status = a.status;
            return fc_diag_set(diag, FC_ERR_INVALID, "%s%s: HTTP %ld: %.200s", h->conf.name,
                               path_query, a.status, conn->body.data ? conn->body.data : "");
        }
        if (o == FC_HUB_BAD_JSON)
            snprintf(last_detail, sizeof(last_detail), "%.200s", conn->decode_diag.msg);
        else if (o == FC_HUB_SERVER_ERROR || o == FC_HUB_RATE_LIMITED)
            snprintf(last_detail, sizeof(last_detail), "HTTP %ld", a.status);
        else
            snprintf(last_detail, sizeof(last_detail), "%s", fc_hub_outcome_name(o));
        if (attempt + 1 == attempts)
            break;
        /* Back off: Retry-After when the hub gave one, else exponential + full jitter. */
        int64_t wait;
        if (o == FC_HUB_RATE_LIMITED && a.retry_after_s > 0) {
            wait = (int64_t)a.retry_after_s * 1000;
            if (wait > c->o.retry_after_max_ms)
                wait = c->o.retry_after_max_ms;
        } else {
            int64_t cap = (int64_t)c->o.backoff_base_ms << (attempt < 16 ? attempt : 16);
            if (cap > c->o.backoff_max_ms)
                cap = c->o.backoff_max_ms;
            wait = (int64_t)(next_rand(c) % (uint64_t)(cap + 1));
        }
        /* Fail over to the next hub for the next attempt (unless pinned). */
        if (pin_hub < 0 && c->n > 1 && o != FC_HUB_RATE_LIMITED)
            hub = (hub + 1) % c->n;
        else if (pin_hub < 0 && c->n > 1)
            hub = (hub + 1) % c->n, wait = wait < c->o.backoff_base_ms ? wait : c->o.backoff_base_ms;
        sleep_ms(wait);
    }
    return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "%s: gave up after %d attempts (last: %s)",
                       path_query, attempts, last_detail[0] ? last_detail :
                       fc_hub_outcome_name(last));
}

enum fc_err fc_hub_get(struct fc_hub_conn *conn, const char *path_query, enum fc_page_kind kind,
                       int pin_hub, fc_item_fn fn, void *ud, struct fc_hub_page *page,
                       struct fc_diag *diag)
{
    conn->raw_mode = false;
    size_t hub = 0;
    long status = 0;
    enum fc_err err = request(conn, path_query, kind, pin_hub, &hub, &status, diag);
    if (page) {
        memset(page, 0, sizeof(*page));
        page->hub = hub;
        page->status = status;
    }
    if (err)
        return err;
    for (size_t i = 0; i < conn->items.n; i++)
        fn(ud, &conn->items.p[i]);
    if (page)
        page->info = conn->info;
    return FC_OK;
}

enum fc_err fc_hub_get_raw(struct fc_hub_conn *conn, const char *path_query, int pin_hub,
                           struct fc_buf *body, size_t *hub, struct fc_diag *diag)
{
    conn->raw_mode = true;
    size_t served = 0;
    long status = 0;
    enum fc_err err = request(conn, path_query, FC_PAGE_AUTO, pin_hub, &served, &status, diag);
    conn->raw_mode = false;
    if (hub)
        *hub = served;
    if (!err) {
        fc_buf_reset(body);
        fc_buf_append(body, conn->body.data ? conn->body.data : "", conn->body.len);
    }
    drop_body(conn);
    return err;
}

enum fc_err fc_hub_info(struct fc_hub_conn *conn, int pin_hub, struct fc_hub_info *info,
                        size_t *hub, struct fc_diag *diag)
{
    yajl_val root = NULL;
    /* A broken body (cut or garbled in transit) is fetched again, like a page. */
    for (int attempt = 0; attempt <= conn->c->o.retries && !root; attempt++) {
        struct fc_buf body = FC_BUF_INIT;
        enum fc_err err = fc_hub_get_raw(conn, "/v1/info", pin_hub, &body, hub, diag);
        if (err) {
            fc_buf_cleanup(&body);
            return err;
        }
        char errbuf[128];
        root = yajl_tree_parse(body.data ? body.data : "", errbuf, sizeof(errbuf));
        fc_buf_cleanup(&body);
        if (root && !YAJL_IS_OBJECT(root)) {
            yajl_tree_free(root);
            root = NULL;
        }
        if (!root)
            sleep_ms(conn->c->o.backoff_base_ms);
    }
    if (!root)
        return fc_diag_set(diag, FC_ERR_INVALID, "/v1/info is not a JSON object");
    memset(info, 0, sizeof(*info));
    const char *ns_path[] = {"numShards", NULL}, *si_path[] = {"shardInfos", NULL},
               *v_path[] = {"version", NULL};
    yajl_val ns = yajl_tree_get(root, ns_path, yajl_t_number);
    yajl_val ver = yajl_tree_get(root, v_path, yajl_t_string);
    if (ver)
        snprintf(info->version, sizeof(info->version), "%s", YAJL_GET_STRING(ver));
    if (ns && YAJL_IS_INTEGER(ns)) {
        info->snapchain = true;
        long long n = YAJL_GET_INTEGER(ns);
        info->num_shards = n > 0 && n < 64 ? (unsigned)n : 0;
        yajl_val si = yajl_tree_get(root, si_path, yajl_t_array);
        for (size_t i = 0; si && i < YAJL_GET_ARRAY(si)->len; i++) {
            yajl_val s = YAJL_GET_ARRAY(si)->values[i];
            const char *id_path[] = {"shardId", NULL}, *h_path[] = {"maxHeight", NULL};
            yajl_val id = yajl_tree_get(s, id_path, yajl_t_number);
            yajl_val h = yajl_tree_get(s, h_path, yajl_t_number);
            if (id && h && YAJL_IS_INTEGER(id) && YAJL_GET_INTEGER(id) > 0 &&
                YAJL_GET_INTEGER(id) < 64)
                info->max_height[YAJL_GET_INTEGER(id)] = (uint64_t)YAJL_GET_INTEGER(h);
        }
        if (!info->num_shards) {
            yajl_tree_free(root);
            return fc_diag_set(diag, FC_ERR_INVALID, "/v1/info: bad numShards");
        }
    }
    yajl_tree_free(root);
    return FC_OK;
}

bool fc_hub_token_is_end(const char *token)
{
    if (!token || !*token)
        return true;
    /* Snapchain fan-out: base64 of a JSON array; all-null means done. */
    uint8_t dec[1024];
    size_t n;
    if (fc_base64_decode(token, strlen(token), dec, sizeof(dec) - 1, &n, NULL) != FC_OK || !n ||
        dec[0] != '[')
        return false;
    dec[n] = '\0';
    const char *p = (const char *)dec + 1;
    bool any = false;
    while (*p) {
        while (*p == ' ' || *p == ',')
            p++;
        if (*p == ']')
            return !any ? true : false;
        if (strncmp(p, "null", 4) == 0) {
            p += 4;
            continue;
        }
        return false; /* some shard still has a cursor */
    }
    return false;
}

/* RFC 3986: everything but the unreserved characters is percent-encoded,
 * so a hub-provided value can never add a parameter or end the query. */
void fc_hub_query_escape(struct fc_buf *out, const char *s)
{
    static const char hexd[] = "0123456789ABCDEF";
    fc_buf_reserve(out, strlen(s) * 3 + 1);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if ((*c >= 'A' && *c <= 'Z') || (*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') ||
            *c == '-' || *c == '.' || *c == '_' || *c == '~') {
            fc_buf_putc(out, (char)*c);
        } else {
            char e[3] = {'%', hexd[*c >> 4], hexd[*c & 15]};
            fc_buf_append(out, e, 3);
        }
    }
}

void fc_hub_page_query(struct fc_buf *q, const char *path, unsigned page_size, const char *token)
{
    fc_buf_printf(q, "%s%spageSize=%u", path, strchr(path, '?') ? "&" : "?", page_size);
    if (token && *token) {
        fc_buf_puts(q, "&pageToken=");
        fc_hub_query_escape(q, token);
    }
}

struct page_counter {
    fc_item_fn fn;
    void *ud;
    size_t items;
};

static void count_and_forward(void *ud, const struct fc_item *it)
{
    struct page_counter *pc = ud;
    pc->items++;
    pc->fn(pc->ud, it);
}

enum fc_err fc_hub_paginate(struct fc_hub_conn *conn, const char *path, unsigned page_size,
                            enum fc_page_kind kind, fc_item_fn fn, void *ud, size_t *pages,
                            struct fc_diag *diag)
{
    char token[1024] = "";
    size_t n = 0;
    for (;;) {
        struct fc_buf q = FC_BUF_INIT;
        fc_hub_page_query(&q, path, page_size, token);
        struct page_counter pc = {fn, ud, 0};
        struct fc_hub_page page;
        enum fc_err err = fc_hub_get(conn, q.data, kind, -1, count_and_forward, &pc, &page, diag);
        fc_buf_cleanup(&q);
        fc_hub_conn_release(conn);
        if (err)
            return err;
        n++;
        if (!page.info.has_next_token || fc_hub_token_is_end(page.info.next_token) ||
            pc.items == 0)
            break;
        if (strcmp(token, page.info.next_token) == 0)
            return fc_diag_set(diag, FC_ERR_INVALID, "%s: the hub returned the same page token "
                                                     "twice", path);
        snprintf(token, sizeof(token), "%s", page.info.next_token);
    }
    if (pages)
        *pages = n;
    return FC_OK;
}

struct event_counter {
    fc_item_fn fn;
    void *ud;
    size_t n;
    bool have_id;
    uint64_t last_id;
};

/* The page's highest event id, counting bad events whose id was readable. */
static void count_event(void *ud, const struct fc_item *it)
{
    struct event_counter *ec = ud;
    ec->n++;
    bool has = it->kind == FC_ITEM_EVENT || (it->kind == FC_ITEM_ERROR && it->has_event_id);
    uint64_t id = it->kind == FC_ITEM_EVENT ? it->event->id : it->event_id;
    if (has && (!ec->have_id || id >= ec->last_id)) {
        ec->last_id = id;
        ec->have_id = true;
    }
    ec->fn(ec->ud, it);
}

enum fc_err fc_hub_events_page(struct fc_hub_conn *conn, bool snapchain, unsigned shard,
                               uint64_t from, unsigned page_size, int pin_hub, fc_item_fn fn,
                               void *ud, uint64_t *next_from, size_t *n_events,
                               struct fc_diag *diag)
{
    char path[256];
    if (snapchain)
        snprintf(path, sizeof(path), "/v1/events?shard_index=%u&from_event_id=%llu&page_size=%u",
                 shard, (unsigned long long)from, page_size);
    else
        snprintf(path, sizeof(path), "/v1/events?from_event_id=%llu", (unsigned long long)from);
    struct event_counter ec = {fn, ud, 0, false, 0};
    struct fc_hub_page page;
    enum fc_err err = fc_hub_get(conn, path, FC_PAGE_HUB_EVENTS, snapchain ? -1 : pin_hub,
                                 count_event, &ec, &page, diag);
    if (err)
        return err;
    *n_events = ec.n;
    if (!ec.n)
        *next_from = from; /* Hubble says from + 1 here: do not skip ahead on an empty page */
    else if (!snapchain && page.info.has_next_event_id)
        *next_from = page.info.next_event_id;
    else if (ec.have_id)
        *next_from = ec.last_id + 1;
    else
        *next_from = from; /* no event of the page has a readable id: nowhere known to go */
    if (*next_from < from)
        *next_from = from; /* a cursor never moves backwards */
    return FC_OK;
}
