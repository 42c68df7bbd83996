#define _GNU_SOURCE
#include "server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdarg.h>

#include <errno.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "core/base64.h"
#include "core/hex.h"
#include "fanout.h"
#include "jspan.h"
#include "rcache.h"
#include "render.h"
#include "rng.h"

#define MAX_QUERY_ARGS 32
#define MAX_UPLOAD_BYTES 65536
#define MAX_PAGE_SIZE 100000

static const char *const endpoints[] = {
    "/v1/info", "/v1/events", "/v1/eventById", "/v1/castById", "/v1/castsByFid",
    "/v1/reactionsByFid", "/v1/linksByFid", "/v1/userDataByFid", "/v1/verificationsByFid",
    "/v1/userNameProofsByFid", "/v1/onChainSignersByFid", "/v1/onChainEventsByFid", "/v1/fids",
    "/v1/linksByTargetFid", "/v1/reactionsByCast", "/v1/castsByParent", "other",
};
#define N_ENDPOINTS (sizeof(endpoints) / sizeof(endpoints[0]))

struct hubsim {
    struct hubsim_options o;
    struct rcache *msg_cache;   /* rendered messages (synthetic mode, under the state lock) */
    struct rcache *event_cache; /* rendered events */
    struct MHD_Daemon *daemon;
    uint16_t port;
    struct faults faults;
    pthread_mutex_t stats_lock;
    uint64_t requests[N_ENDPOINTS];
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

static const char *arg(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->keys[i], name) == 0)
            return *r->vals[i] ? r->vals[i] : NULL; /* empty = absent, as on both servers */
    return NULL;
}

/* Snapchain accepts snake_case and camelCase paging names; snake wins. */
static const char *arg2(const struct req *r, const char *snake, const char *camel)
{
    const char *v = r->snap ? arg(r, snake) : NULL;
    return v ? v : arg(r, camel);
}

static void reply(struct req *r, int status, const char *ctype, const char *body)
{
    r->resp->status = status;
    r->resp->content_type = ctype;
    fc_buf_reset(&r->resp->body);
    fc_buf_puts(&r->resp->body, body);
}

/* Bad or missing parameter, in each server's own shape. */
static void bad_param(struct req *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void bad_param(struct req *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->snap) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_printf(&b, "Invalid query parameters: %s", msg);
        reply(r, 400, NULL, b.data);
        fc_buf_cleanup(&b);
        return;
    }
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "{\"errCode\":\"bad_request.validation_failure\",\"presentable\":false,"
                    "\"name\":\"HubError\",\"code\":3,\"details\":");
    fc_buf_json_str(&b, msg, strlen(msg));
    fc_buf_puts(&b, ",\"metadata\":{}}");
    reply(r, 400, "application/json", b.data);
    fc_buf_cleanup(&b);
}

static void not_found(struct req *r, const char *what)
{
    struct fc_buf b = FC_BUF_INIT;
    if (r->snap)
        fc_buf_printf(&b, "{\"error\":\"Failed to get %s\",\"error_detail\":\"status: NotFound, "
                          "message: \\\"%s not found\\\", details: [], metadata: MetadataMap "
                          "{ headers: {} }\"}", what, what);
    else
        fc_buf_printf(&b, "{\"errCode\":\"not_found\",\"presentable\":false,\"name\":\"HubError\","
                          "\"code\":5,\"details\":\"%s not found\",\"metadata\":{}}", what);
    reply(r, 400, "application/json", b.data);
    fc_buf_cleanup(&b);
}

static void unknown_route(struct req *r, const char *method)
{
    if (r->snap) {
        reply(r, 404, NULL, "Not Found");
        return;
    }
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "{\"message\":");
    char m[600];
    snprintf(m, sizeof(m), "Route %s:%.500s not found", method, r->path);
    fc_buf_json_str(&b, m, strlen(m));
    fc_buf_puts(&b, ",\"error\":\"Not Found\",\"statusCode\":404}");
    reply(r, 404, "application/json", b.data);
    fc_buf_cleanup(&b);
}

static bool parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t nv = v * 10 + (uint64_t)(*p - '0');
        if (nv / 10 != v)
            return false;
        v = nv;
    }
    *out = v;
    return true;
}

/* Required unsigned parameter; replies with the server's error when bad. */
static bool need_u64(struct req *r, const char *name, uint64_t *out)
{
    const char *v = arg(r, name);
    if (!v) {
        bad_param(r, "missing field `%s`", name);
        return false;
    }
    if (!parse_u64(v, out)) {
        bad_param(r, "%s: invalid digit found in string", name);
        return false;
    }
    return true;
}

struct paging {
    bool raw_token_only; /* fan-out: the token is JSON, decoded by the caller */
    char raw_token[1024];
    uint64_t page_size;
    bool reverse;
    bool has_token;
    uint8_t token[24];
    size_t token_len;
};

static bool parse_paging(struct req *r, struct paging *pg)
{
    bool raw = pg->raw_token_only;
    memset(pg, 0, sizeof(*pg));
    pg->raw_token_only = raw;
    pg->page_size = 1000;
    const char *ps = arg2(r, "page_size", "pageSize");
    if (ps) {
        if (!parse_u64(ps, &pg->page_size)) {
            bad_param(r, "page_size: invalid digit found in string");
            return false;
        }
        if (pg->page_size == 0)
            pg->page_size = 1000;
        /* Hubble clamps to 1000; Snapchain does not, we bound memory. */
        if (!r->snap && pg->page_size > 1000)
            pg->page_size = 1000;
        if (pg->page_size > MAX_PAGE_SIZE)
            pg->page_size = MAX_PAGE_SIZE;
    }
    const char *rev = arg(r, "reverse");
    if (rev) {
        if (r->snap) {
            if (strcmp(rev, "true") == 0)
                pg->reverse = true;
            else if (strcmp(rev, "false") != 0) {
                bad_param(r, "reverse: provided string was not `true` or `false`");
                return false;
            }
        } else {
            pg->reverse = true; /* Hubble: any non-empty value means true */
        }
    }
    const char *tok = arg2(r, "page_token", "pageToken");
    if (tok && pg->raw_token_only) {
        snprintf(pg->raw_token, sizeof(pg->raw_token), "%s", tok);
        for (char *c = pg->raw_token; *c; c++)
            if (*c == ' ')
                *c = '+';
        pg->has_token = pg->raw_token[0] != '\0';
    } else if (tok) {
        char fixed[128];
        snprintf(fixed, sizeof(fixed), "%s", tok);
        for (char *c = fixed; *c; c++)
            if (*c == ' ')
                *c = '+'; /* an unencoded '+' arrives as a space */
        if (fc_base64_decode(fixed, strlen(fixed), pg->token, sizeof(pg->token), &pg->token_len,
                             NULL) != FC_OK) {
            bad_param(r, "page_token: invalid page token");
            return false;
        }
        pg->has_token = pg->token_len > 0;
    }
    return true;
}

/* A source of ordered items with 24-byte keys, rendered on demand. */
struct items {
    size_t n;
    void (*key)(const void *ctx, size_t i, uint8_t out[24]);
    void (*render)(const void *ctx, size_t i, struct fc_buf *out);
    const void *ctx;
};

/* Writes `"messages":[...],"nextPageToken":"..."` for the page pg asks. */
static void page_messages(struct req *r, const struct items *it, const struct paging *pg,
                          const char *array_key, bool always_token, struct fc_buf *out)
{
    size_t start = 0;
    uint8_t k[24];
    if (pg->has_token) {
        if (pg->token_len != 24) {
            bad_param(r, "page_token: invalid page token");
            return;
        }
        if (!pg->reverse) {
            while (start < it->n) {
                it->key(it->ctx, start, k);
                if (memcmp(k, pg->token, 24) > 0)
                    break;
                start++;
            }
        } else {
            start = it->n;
            while (start > 0) {
                it->key(it->ctx, start - 1, k);
                if (memcmp(k, pg->token, 24) < 0)
                    break;
                start--;
            }
            start = it->n - start;
        }
    }
    fc_buf_printf(out, "{\"%s\":[", array_key);
    size_t count = 0;
    size_t last = 0;
    for (size_t pos = start; pos < it->n && count < pg->page_size; pos++, count++) {
        size_t i = pg->reverse ? it->n - 1 - pos : pos;
        if (count)
            fc_buf_putc(out, ',');
        it->render(it->ctx, i, out);
        last = i;
    }
    fc_buf_puts(out, "]");
    if (count == pg->page_size && count) {
        /* A full page gets a token even when it is the last (as on real hubs). */
        it->key(it->ctx, last, k);
        char tok[64];
        fc_base64_encode(k, 24, tok);
        fc_buf_printf(out, ",\"nextPageToken\":\"%s\"}", tok);
    } else {
        fc_buf_puts(out, always_token ? ",\"nextPageToken\":\"\"}" : "}");
    }
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

/* ---- synthetic items ---- */

struct msg_ctx {
    const struct sim_params *p;
    const struct sim_msg *list;
    struct rcache *cache;
};

static void msg_key(const void *ctx, size_t i, uint8_t out[24])
{
    const struct sim_msg *m = &((const struct msg_ctx *)ctx)->list[i];
    out[0] = (uint8_t)(m->ts >> 24);
    out[1] = (uint8_t)(m->ts >> 16);
    out[2] = (uint8_t)(m->ts >> 8);
    out[3] = (uint8_t)m->ts;
    memcpy(out + 4, m->hash, 20);
}

static void msg_render(const void *ctx, size_t i, struct fc_buf *out)
{
    const struct msg_ctx *c = ctx;
    uint8_t key[24];
    msg_key(ctx, i, key);
    if (c->cache && rcache_get(c->cache, key, out))
        return;
    size_t start = out->len;
    sim_render_message(c->p, &c->list[i], out);
    if (c->cache)
        rcache_put(c->cache, key, out->data + start, out->len - start);
}

/* ---- corpus items ---- */

static void corpus_key(const void *ctx, size_t i, uint8_t out[24])
{
    memcpy(out, ((const struct corpus_item *)ctx)[i].key, 24);
}

static void corpus_render(const void *ctx, size_t i, struct fc_buf *out)
{
    const struct corpus_item *it = &((const struct corpus_item *)ctx)[i];
    fc_buf_append(out, it->json, it->len);
}

static const char *kind_endpoint(enum sim_kind k)
{
    switch (k) {
    case K_CAST: return "castsByFid";
    case K_REACTION: return "reactionsByFid";
    case K_LINK: return "linksByFid";
    case K_VERIF: return "verificationsByFid";
    default: return "userDataByFid";
    }
}

/* Serves a per-fid message list, optionally filtered. */
static void serve_by_fid(struct req *r, enum sim_kind kind, int reaction_type, bool follow_only)
{
    uint64_t fid;
    struct paging pg = {0};
    if (!need_u64(r, "fid", &fid) || !parse_paging(r, &pg))
        return;
    struct hubsim *hs = r->hs;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    if (hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "%s:%llu", kind_endpoint(kind), (unsigned long long)fid);
        struct corpus_list l = corpus_get(hs->o.corpus, name);
        struct items it = {l.n, corpus_key, corpus_render, l.items};
        page_messages(r, &it, &pg, "messages", true, out);
        return;
    }
    struct sim_state *s = hs->o.state;
    pthread_mutex_lock(&s->lock);
    const struct sim_msg *view;
    size_t nview;
    if (!reaction_type && sim_fid_exists(&s->p, fid) &&
        sim_state_base_view(s, fid, kind, &view, &nview)) {
        /* Untouched by the live stream: page straight from the cached list. */
        struct msg_ctx ctx = {&s->p, view, hs->msg_cache};
        struct items it = {nview, msg_key, msg_render, &ctx};
        page_messages(r, &it, &pg, "messages", true, out);
        pthread_mutex_unlock(&s->lock);
        return;
    }
    struct sim_msg *list = NULL;
    size_t n = sim_fid_exists(&s->p, fid) ? sim_state_list(s, fid, kind, &list) : 0;
    size_t w = 0;
    for (size_t i = 0; i < n; i++) {
        if (reaction_type > 0 && list[i].sub != reaction_type)
            continue;
        (void)follow_only; /* every simulated link is a follow */
        list[w++] = list[i];
    }
    /* Rendering is a pure function of the parameters: do it unlocked. */
    pthread_mutex_unlock(&s->lock);
    struct msg_ctx ctx = {&s->p, list, hs->msg_cache};
    struct items it = {w, msg_key, msg_render, &ctx};
    page_messages(r, &it, &pg, "messages", true, out);
    free(list);
}

static void h_casts(struct req *r) { serve_by_fid(r, K_CAST, 0, false); }
static void h_verifications(struct req *r) { serve_by_fid(r, K_VERIF, 0, false); }

static void h_user_data(struct req *r)
{
    const char *t = arg(r, "user_data_type");
    if (t && !r->snap) {
        /* Hubble with a type returns one message, not a page. */
        uint64_t fid;
        if (!need_u64(r, "fid", &fid))
            return;
        static const char *const names[] = {"", "PFP", "DISPLAY", "BIO", "", "URL", "USERNAME",
                                            "LOCATION", "TWITTER", "GITHUB"};
        uint64_t want = 0;
        if (!parse_u64(t, &want)) {
            for (uint64_t i = 1; i < 10; i++) {
                char full[64];
                snprintf(full, sizeof(full), "USER_DATA_TYPE_%s", names[i]);
                if (*names[i] && strcmp(full, t) == 0)
                    want = i;
            }
        }
        if (!want || want > 9) {
            bad_param(r, "user_data_type: invalid");
            return;
        }
        struct fc_buf tmp = FC_BUF_INIT;
        bool found = false;
        if (r->hs->o.corpus) {
            char name[96], needle[64];
            snprintf(name, sizeof(name), "userDataByFid:%llu", (unsigned long long)fid);
            snprintf(needle, sizeof(needle), "\"USER_DATA_TYPE_%s\"", names[want]);
            struct corpus_list l = corpus_get(r->hs->o.corpus, name);
            for (size_t i = l.n; i > 0 && !found; i--) {
                if (memmem(l.items[i - 1].json, l.items[i - 1].len, needle, strlen(needle))) {
                    fc_buf_append(&tmp, l.items[i - 1].json, l.items[i - 1].len);
                    found = true;
                }
            }
        } else {
            struct sim_state *s = r->hs->o.state;
            pthread_mutex_lock(&s->lock);
            struct sim_msg *list = NULL;
            size_t n = sim_fid_exists(&s->p, fid) ? sim_state_list(s, fid, K_USERDATA, &list) : 0;
            for (size_t i = 0; i < n && !found; i++) {
                if (list[i].sub == want) {
                    sim_render_message(&s->p, &list[i], &tmp);
                    found = true;
                }
            }
            pthread_mutex_unlock(&s->lock);
            free(list);
        }
        if (found)
            reply(r, 200, "application/json", tmp.data);
        else
            not_found(r, "user data");
        fc_buf_cleanup(&tmp);
        return;
    }
    serve_by_fid(r, K_USERDATA, 0, false);
}

static void h_reactions(struct req *r)
{
    const char *t = arg(r, "reaction_type");
    int type = 0;
    if (r->snap) {
        if (!t) {
            bad_param(r, "missing field `reaction_type`");
            return;
        }
        if (strcmp(t, "Like") == 0)
            type = 1;
        else if (strcmp(t, "Recast") == 0)
            type = 2;
        else if (strcmp(t, "None") != 0) {
            bad_param(r, "reaction_type: unknown variant `%s`, expected one of `None`, `Like`, "
                         "`Recast`", t);
            return;
        }
    } else if (t) {
        if (strcmp(t, "1") == 0 || strcmp(t, "REACTION_TYPE_LIKE") == 0)
            type = 1;
        else if (strcmp(t, "2") == 0 || strcmp(t, "REACTION_TYPE_RECAST") == 0)
            type = 2;
        else {
            bad_param(r, "reaction_type: invalid");
            return;
        }
    }
    if (type && r->hs->o.corpus) {
        /* Filter recorded items by their type string. */
        uint64_t fid;
        struct paging pg = {0};
        if (!need_u64(r, "fid", &fid) || !parse_paging(r, &pg))
            return;
        char name[96];
        snprintf(name, sizeof(name), "reactionsByFid:%llu", (unsigned long long)fid);
        struct corpus_list l = corpus_get(r->hs->o.corpus, name);
        struct corpus_item *sel = fc_xcalloc(l.n + 1, sizeof(*sel));
        size_t n = 0;
        const char *needle = type == 1 ? "REACTION_TYPE_LIKE" : "REACTION_TYPE_RECAST";
        for (size_t i = 0; i < l.n; i++)
            if (memmem(l.items[i].json, l.items[i].len, needle, strlen(needle)))
                sel[n++] = l.items[i];
        struct items it = {n, corpus_key, corpus_render, sel};
        fc_buf_reset(&r->resp->body);
        page_messages(r, &it, &pg, "messages", true, &r->resp->body);
        free(sel);
        return;
    }
    serve_by_fid(r, K_REACTION, type, false);
}

static void h_links(struct req *r)
{
    const char *t = arg(r, "link_type");
    if (t && strlen(t) > 8) {
        bad_param(r, "link_type: longer than 8 bytes");
        return;
    }
    if (t && strcmp(t, "follow") != 0) {
        /* Only follows exist here: any other type has no links. */
        uint64_t fid;
        struct paging pg = {0};
        if (!need_u64(r, "fid", &fid) || !parse_paging(r, &pg))
            return;
        reply(r, 200, "application/json", "{\"messages\":[],\"nextPageToken\":\"\"}");
        return;
    }
    serve_by_fid(r, K_LINK, 0, true);
}

static void h_cast_by_id(struct req *r)
{
    uint64_t fid;
    if (!need_u64(r, "fid", &fid))
        return;
    const char *hs_ = arg(r, "hash");
    uint8_t hash[20];
    size_t n;
    if (!hs_) {
        bad_param(r, "missing field `hash`");
        return;
    }
    if (fc_hex_decode(hs_, strlen(hs_), false, hash, sizeof(hash), &n, NULL) || n != 20) {
        bad_param(r, "hash: invalid hex");
        return;
    }
    struct fc_buf tmp = FC_BUF_INIT;
    bool found = false;
    if (r->hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "castsByFid:%llu", (unsigned long long)fid);
        struct corpus_list l = corpus_get(r->hs->o.corpus, name);
        for (size_t i = 0; i < l.n && !found; i++) {
            if (memcmp(l.items[i].key + 4, hash, 20) == 0 &&
                memmem(l.items[i].json, l.items[i].len, "MESSAGE_TYPE_CAST_ADD", 21)) {
                fc_buf_append(&tmp, l.items[i].json, l.items[i].len);
                found = true;
            }
        }
    } else {
        struct sim_state *s = r->hs->o.state;
        pthread_mutex_lock(&s->lock);
        struct sim_msg *list = NULL;
        size_t cnt = sim_fid_exists(&s->p, fid) ? sim_state_list(s, fid, K_CAST, &list) : 0;
        for (size_t i = 0; i < cnt && !found; i++) {
            if (list[i].type == MT_CAST_ADD && memcmp(list[i].hash, hash, 20) == 0) {
                sim_render_message(&s->p, &list[i], &tmp);
                found = true;
            }
        }
        pthread_mutex_unlock(&s->lock);
        free(list);
    }
    if (found)
        reply(r, 200, "application/json", tmp.data);
    else
        not_found(r, "cast");
    fc_buf_cleanup(&tmp);
}

static void h_username_proofs(struct req *r)
{
    uint64_t fid;
    if (!need_u64(r, "fid", &fid))
        return;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"proofs\":[");
    if (r->hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "userNameProofsByFid:%llu", (unsigned long long)fid);
        struct corpus_list l = corpus_get(r->hs->o.corpus, name);
        for (size_t i = 0; i < l.n; i++) {
            if (i)
                fc_buf_putc(out, ',');
            fc_buf_append(out, l.items[i].json, l.items[i].len);
        }
    } else if (sim_fid_exists(&r->hs->o.state->p, fid)) {
        sim_render_username_proof(&r->hs->o.state->p, fid, out);
    }
    fc_buf_puts(out, "]}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static int cmp_signer(const void *a, const void *b)
{
    const struct sim_signer *x = a, *y = b;
    if (x->block_number != y->block_number)
        return x->block_number < y->block_number ? -1 : 1;
    return (int)x->log_index - (int)y->log_index;
}

/* Writes a corpus on-chain list (events already recorded in order). */
static void corpus_events_list(struct req *r, const char *name)
{
    struct corpus_list l = corpus_get(r->hs->o.corpus, name);
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"events\":[");
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            fc_buf_putc(out, ',');
        fc_buf_append(out, l.items[i].json, l.items[i].len);
    }
    fc_buf_puts(out, "]}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_signers(struct req *r)
{
    uint64_t fid;
    if (!need_u64(r, "fid", &fid))
        return;
    if (r->hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "onChainSignersByFid:%llu", (unsigned long long)fid);
        corpus_events_list(r, name);
        return;
    }
    struct sim_state *s = r->hs->o.state;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"events\":[");
    pthread_mutex_lock(&s->lock);
    if (sim_fid_exists(&s->p, fid)) {
        struct sim_signer *sg;
        size_t n = sim_state_signers(s, fid, &sg);
        qsort(sg, n, sizeof(*sg), cmp_signer);
        bool first = true;
        for (size_t i = 0; i < n; i++) {
            if (sg[i].removed)
                continue;
            if (!first)
                fc_buf_putc(out, ',');
            first = false;
            sim_render_signer_event(&s->p, fid, &sg[i], false, out);
        }
        free(sg);
    }
    pthread_mutex_unlock(&s->lock);
    fc_buf_puts(out, "]}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_onchain_events(struct req *r)
{
    uint64_t fid;
    if (!need_u64(r, "fid", &fid))
        return;
    const char *t = arg(r, "event_type");
    static const char *const names[] = {"", "EVENT_TYPE_SIGNER", "EVENT_TYPE_SIGNER_MIGRATED",
                                        "EVENT_TYPE_ID_REGISTER", "EVENT_TYPE_STORAGE_RENT",
                                        "EVENT_TYPE_TIER_PURCHASE", "EVENT_TYPE_CHANNEL_REGISTER"};
    int type = 0;
    if (!t) {
        bad_param(r, "missing field `event_type`");
        return;
    }
    for (int i = 1; i < 7; i++)
        if (strcmp(t, names[i]) == 0)
            type = i;
    uint64_t num;
    if (!type && !r->snap && parse_u64(t, &num) && num >= 1 && num <= 4)
        type = (int)num;
    if (!type || (!r->snap && type > 4)) {
        bad_param(r, "event_type: unknown variant `%s`", t);
        return;
    }
    if (r->hs->o.corpus) {
        char name[128];
        snprintf(name, sizeof(name), "onChainEventsByFid:%llu:%s", (unsigned long long)fid,
                 names[type]);
        corpus_events_list(r, name);
        return;
    }
    struct sim_state *s = r->hs->o.state;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"events\":[");
    pthread_mutex_lock(&s->lock);
    if (sim_fid_exists(&s->p, fid)) {
        if (type == 1) {
            struct sim_signer *sg;
            size_t n = sim_state_signers(s, fid, &sg);
            qsort(sg, n, sizeof(*sg), cmp_signer);
            bool first = true;
            for (size_t i = 0; i < n; i++) {
                if (!first)
                    fc_buf_putc(out, ',');
                first = false;
                sim_render_signer_event(&s->p, fid, &sg[i], false, out);
            }
            for (size_t i = 0; i < n; i++) {
                if (!sg[i].removed)
                    continue;
                fc_buf_putc(out, ',');
                sim_render_signer_event(&s->p, fid, &sg[i], true, out);
            }
            free(sg);
        } else if (type == 3) {
            sim_render_id_register(&s->p, fid, out);
        } else if (type == 4) {
            sim_render_storage_rent(&s->p, fid, out);
        }
    }
    pthread_mutex_unlock(&s->lock);
    fc_buf_puts(out, "]}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_fids(struct req *r)
{
    struct paging pg = {0};
    uint64_t shard = 0;
    if (r->snap && !need_u64(r, "shard_id", &shard))
        return;
    if (!parse_paging(r, &pg))
        return;
    unsigned nshards = r->hs->o.corpus ? corpus_shards(r->hs->o.corpus) : r->hs->o.state->p.shards;
    if (r->snap && (shard < 1 || shard > nshards)) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_puts(&b, "{\"error\":\"Failed to get fids\",\"error_detail\":\"status: "
                        "InvalidArgument, message: \\\"Shard not found\\\", details: [], "
                        "metadata: MetadataMap { headers: {} }\"}");
        reply(r, 400, "application/json", b.data);
        fc_buf_cleanup(&b);
        return;
    }
    uint64_t after = 0;
    if (pg.has_token) {
        if (pg.token_len != 4) {
            bad_param(r, "page_token: invalid page token");
            return;
        }
        after = (uint64_t)pg.token[0] << 24 | (uint64_t)pg.token[1] << 16 |
                (uint64_t)pg.token[2] << 8 | pg.token[3];
    }
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"fids\":[");
    size_t count = 0;
    uint64_t last = 0;
    bool more = false;
    if (r->hs->o.corpus) {
        char name[32];
        snprintf(name, sizeof(name), "fids:%llu", (unsigned long long)shard);
        struct corpus_list l = corpus_get(r->hs->o.corpus, name);
        for (size_t i = 0; i < l.n; i++) {
            if (l.items[i].id <= after)
                continue;
            if (count == pg.page_size) {
                more = true;
                break;
            }
            fc_buf_printf(out, "%s%llu", count ? "," : "", (unsigned long long)l.items[i].id);
            last = l.items[i].id;
            count++;
        }
    } else {
        const struct sim_params *p = &r->hs->o.state->p;
        /* fids 1..N then any app fids beyond N, in ascending order */
        uint64_t extra_max = p->n_fids;
        for (size_t i = 0; i < p->n_apps; i++)
            if (p->apps[i] > extra_max)
                extra_max = p->apps[i];
        for (uint64_t f = after + 1; f <= extra_max; f++) {
            if (!sim_fid_exists(p, f))
                continue;
            if (r->snap && sim_shard_of(f, p->shards) != shard)
                continue;
            if (count == pg.page_size) {
                more = true;
                break;
            }
            fc_buf_printf(out, "%s%llu", count ? "," : "", (unsigned long long)f);
            last = f;
            count++;
        }
    }
    fc_buf_putc(out, ']');
    if (more) {
        uint8_t k[4] = {(uint8_t)(last >> 24), (uint8_t)(last >> 16), (uint8_t)(last >> 8),
                        (uint8_t)last};
        char tok[16];
        fc_base64_encode(k, 4, tok);
        fc_buf_printf(out, ",\"nextPageToken\":\"%s\"", tok);
    }
    fc_buf_putc(out, '}');
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void render_event(const struct sim_params *p, const struct sim_event *e, struct fc_buf *b)
{
    bool snap = p->flavour == SIM_SNAPCHAIN;
    static const char *const names[] = {
        [EV_MERGE_MESSAGE] = "HUB_EVENT_TYPE_MERGE_MESSAGE",
        [EV_PRUNE_MESSAGE] = "HUB_EVENT_TYPE_PRUNE_MESSAGE",
        [EV_REVOKE_MESSAGE] = "HUB_EVENT_TYPE_REVOKE_MESSAGE",
        [EV_MERGE_USERNAME_PROOF] = "HUB_EVENT_TYPE_MERGE_USERNAME_PROOF",
        [EV_MERGE_ON_CHAIN_EVENT] = "HUB_EVENT_TYPE_MERGE_ON_CHAIN_EVENT",
        [EV_BLOCK_CONFIRMED] = "HUB_EVENT_TYPE_BLOCK_CONFIRMED",
    };
    fc_buf_printf(b, "{\"type\":\"%s\",\"id\":%llu,", names[e->type], (unsigned long long)e->id);
    uint64_t height = e->id >> 14;
    switch (e->type) {
    case EV_BLOCK_CONFIRMED: {
        uint8_t bh[32];
        char hex[70];
        sim_bytes(p->seed, height, 0xB1, e->shard, bh, 32);
        fc_hex_encode(bh, 32, hex);
        fc_buf_printf(b, "\"blockConfirmedBody\":{\"blockNumber\":%llu,\"shardIndex\":%u,"
                         "\"timestamp\":%u,\"blockHash\":\"%s\",\"totalEvents\":%u}",
                      (unsigned long long)height, e->shard, SIM_T0 + e->tick, hex,
                      e->total_events);
        break;
    }
    case EV_MERGE_MESSAGE:
        fc_buf_puts(b, "\"mergeMessageBody\":{\"message\":");
        sim_render_message(p, &e->msg, b);
        fc_buf_puts(b, ",\"deletedMessages\":[");
        if (e->has_deleted)
            sim_render_message(p, &e->deleted, b);
        fc_buf_puts(b, "]}");
        break;
    case EV_PRUNE_MESSAGE:
    case EV_REVOKE_MESSAGE:
        fc_buf_printf(b, "\"%s\":{\"message\":",
                      e->type == EV_PRUNE_MESSAGE ? "pruneMessageBody" : "revokeMessageBody");
        sim_render_message(p, &e->msg, b);
        fc_buf_putc(b, '}');
        break;
    case EV_MERGE_ON_CHAIN_EVENT:
        fc_buf_puts(b, "\"mergeOnChainEventBody\":{\"onChainEvent\":");
        sim_render_signer_event(p, e->msg.fid, &e->signer, false, b);
        fc_buf_putc(b, '}');
        break;
    }
    if (snap)
        fc_buf_printf(b, ",\"blockNumber\":%llu,\"shardIndex\":%u}", (unsigned long long)height,
                      e->shard);
    else
        fc_buf_puts(b, ",\"blockNumber\":0,\"shardIndex\":0,\"timestamp\":0}");
}

/* First index of a log (or corpus list) with id >= from. */
static size_t lower_bound_log(const struct sim_event_log *log, uint64_t from)
{
    size_t lo = log->start, hi = log->len;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (log->ev[mid].id < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static size_t lower_bound_items(const struct corpus_list *l, uint64_t from)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->items[mid].id < from)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Appends up to max events of one stream with from <= id < stop; returns
 * how many, and the last id written. */
static size_t stream_events(struct req *r, unsigned shard, uint64_t from, uint64_t stop,
                            size_t max, bool *first, uint64_t *last_id)
{
    struct fc_buf *out = &r->resp->body;
    size_t count = 0;
    if (r->hs->o.corpus) {
        char name[32];
        snprintf(name, sizeof(name), "events:%u", shard);
        struct corpus_list l = corpus_get(r->hs->o.corpus, name);
        for (size_t i = lower_bound_items(&l, from); i < l.n && count < max; i++) {
            if (stop && l.items[i].id >= stop)
                break;
            if (!*first)
                fc_buf_putc(out, ',');
            *first = false;
            fc_buf_append(out, l.items[i].json, l.items[i].len);
            *last_id = l.items[i].id;
            count++;
        }
        return count;
    }
    struct sim_state *s = r->hs->o.state;
    struct sim_event_log *log = sim_state_log(s, shard);
    for (size_t i = lower_bound_log(log, from); i < log->len && count < max; i++) {
        if (stop && log->ev[i].id >= stop)
            break;
        if (!*first)
            fc_buf_putc(out, ',');
        *first = false;
        uint8_t key[24] = {0};
        memcpy(key, &log->ev[i].id, 8);
        key[8] = (uint8_t)shard;
        if (!r->hs->event_cache || !rcache_get(r->hs->event_cache, key, out)) {
            size_t start = out->len;
            render_event(&s->p, &log->ev[i], out);
            if (r->hs->event_cache)
                rcache_put(r->hs->event_cache, key, out->data + start, out->len - start);
        }
        *last_id = log->ev[i].id;
        count++;
    }
    return count;
}

static void h_events(struct req *r)
{
    uint64_t from = 0, stop = 0, shard = 0, size = r->snap ? 1000 : 100;
    const char *v = arg(r, "from_event_id");
    if (v && !parse_u64(v, &from)) {
        bad_param(r, "from_event_id: invalid digit found in string");
        return;
    }
    unsigned nshards = r->hs->o.corpus ? corpus_shards(r->hs->o.corpus) : r->hs->o.state->p.shards;
    bool all_shards = false;
    if (r->snap) {
        if ((v = arg(r, "stop_id")) && !parse_u64(v, &stop)) {
            bad_param(r, "stop_id: invalid digit found in string");
            return;
        }
        if ((v = arg2(r, "page_size", "pageSize"))) {
            if (!parse_u64(v, &size)) {
                bad_param(r, "page_size: invalid digit found in string");
                return;
            }
            if (size == 0)
                size = 1000;
            if (size > MAX_PAGE_SIZE)
                size = MAX_PAGE_SIZE;
        }
        if ((v = arg(r, "reverse")) && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
            bad_param(r, "reverse: provided string was not `true` or `false`");
            return;
        }
        if ((v = arg(r, "shard_index"))) {
            if (!parse_u64(v, &shard)) {
                bad_param(r, "shard_index: invalid digit found in string");
                return;
            }
            if (shard < 1 || shard > nshards) {
                reply(r, 400, "application/json",
                      "{\"error\":\"Failed to get events\",\"error_detail\":\"status: "
                      "InvalidArgument, message: \\\"Shard not found\\\", details: [], metadata: "
                      "MetadataMap { headers: {} }\"}");
                return;
            }
        } else {
            all_shards = true;
        }
    }
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    bool first = true;
    uint64_t last_id = 0;
    struct sim_state *s = r->hs->o.state;
    if (s)
        pthread_mutex_lock(&s->lock);
    if (r->snap) {
        fc_buf_puts(out, "{\"events\":[");
        /* Without shard_index the node runs the query on every shard and
         * concatenates the pages. */
        for (unsigned sh = all_shards ? 1 : (unsigned)shard;
             sh <= (all_shards ? nshards : (unsigned)shard); sh++)
            stream_events(r, sh, from, stop, size, &first, &last_id);
        fc_buf_puts(out, "]}");
    } else {
        fc_buf_puts(out, "{\"nextPageEventId\":");
        size_t at = out->len;
        fc_buf_puts(out, "0000000000000000000000,\"events\":[");
        size_t n = stream_events(r, 0, from, 0, size, &first, &last_id);
        fc_buf_puts(out, "]}");
        /* Patch in nextPageEventId = last id + 1, or from + 1 on an empty page. */
        char num[32];
        int len = snprintf(num, sizeof(num), "%llu",
                           (unsigned long long)(n ? last_id + 1 : from + 1));
        memmove(out->data + at + len, out->data + at + 22, out->len - at - 22 + 1);
        memcpy(out->data + at, num, (size_t)len);
        out->len -= (size_t)(22 - len);
    }
    if (s)
        pthread_mutex_unlock(&s->lock);
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_info(struct req *r)
{
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    struct hubsim *hs = r->hs;
    uint64_t fids, messages;
    unsigned shards;
    uint64_t heights[64] = {0};
    struct sim_state *s = hs->o.state;
    if (hs->o.corpus) {
        shards = corpus_shards(hs->o.corpus);
        fids = corpus_fid_count(hs->o.corpus);
        messages = corpus_message_count(hs->o.corpus);
        for (unsigned sh = 1; sh <= shards && sh < 64; sh++) {
            char name[32];
            snprintf(name, sizeof(name), "events:%u", sh);
            struct corpus_list l = corpus_get(hs->o.corpus, name);
            heights[sh] = l.n ? l.items[l.n - 1].id >> 14 : 0;
        }
    } else {
        pthread_mutex_lock(&s->lock);
        shards = s->p.shards;
        fids = s->p.n_fids;
        messages = fids * 40;
        for (unsigned sh = 1; sh <= shards && sh < 64; sh++)
            heights[sh] = sim_state_height(s);
        pthread_mutex_unlock(&s->lock);
    }
    if (r->snap) {
        fc_buf_printf(out, "{\"dbStats\":{\"numMessages\":%llu,\"numFidRegistrations\":%llu,"
                           "\"approxSize\":%llu},\"numShards\":%u,\"shardInfos\":[",
                      (unsigned long long)messages, (unsigned long long)fids,
                      (unsigned long long)messages * 300, shards);
        for (unsigned sh = 1; sh <= shards && sh < 64; sh++)
            fc_buf_printf(out, "%s{\"shardId\":%u,\"maxHeight\":%llu,\"numMessages\":%llu,"
                               "\"numFidRegistrations\":%llu,\"approxSize\":%llu,"
                               "\"blockDelay\":0,\"mempoolSize\":0}",
                          sh > 1 ? "," : "", sh, (unsigned long long)heights[sh],
                          (unsigned long long)(messages / shards),
                          (unsigned long long)(fids / shards),
                          (unsigned long long)(messages * 300 / shards));
        fc_buf_puts(out, "],\"version\":\"0.14.2\",\"peer_id\":\"12D3KooWhubsim\","
                         "\"nextEngineVersionTimestamp\":0}");
    } else {
        fc_buf_printf(out, "{\"version\":\"1.19.3\",\"isSyncing\":false,\"nickname\":\"hubsim\","
                           "\"rootHash\":\"0000000000000000000000000000000000000000\","
                           "\"dbStats\":{\"numMessages\":%llu,\"numFidEvents\":%llu,"
                           "\"numFnameEvents\":%llu,\"approxSize\":0},\"peerId\":\"12D3KooWhubsim\","
                           "\"hubOperatorFid\":1}",
                      (unsigned long long)messages, (unsigned long long)fids,
                      (unsigned long long)fids);
    }
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_event_by_id(struct req *r)
{
    uint64_t id, shard = 0;
    if (!need_u64(r, "event_id", &id))
        return;
    if (r->snap && !need_u64(r, "shard_index", &shard))
        return;
    struct fc_buf tmp = FC_BUF_INIT;
    bool first = true;
    uint64_t last = 0;
    struct sim_state *s = r->hs->o.state;
    struct fc_buf saved = r->resp->body;
    r->resp->body = tmp;
    if (s)
        pthread_mutex_lock(&s->lock);
    unsigned nshards = r->hs->o.corpus ? corpus_shards(r->hs->o.corpus) : (s ? s->p.shards : 1);
    size_t n = (!r->snap || (shard >= 1 && shard <= nshards))
                   ? stream_events(r, (unsigned)shard, id, id + 1, 1, &first, &last)
                   : 0;
    if (s)
        pthread_mutex_unlock(&s->lock);
    tmp = r->resp->body;
    r->resp->body = saved;
    if (n)
        reply(r, 200, "application/json", tmp.data);
    else
        not_found(r, "event");
    fc_buf_cleanup(&tmp);
}

static void h_sim_faults(struct req *r, const char *method, const char *upload, size_t len)
{
    struct hubsim *hs = r->hs;
    if (strcmp(method, "POST") == 0) {
        struct fc_diag diag;
        int down_ms = 0;
        if (faults_apply_json(&hs->faults, upload ? upload : "", len, &down_ms, &diag)) {
            struct fc_buf b = FC_BUF_INIT;
            fc_buf_puts(&b, "{\"error\":");
            fc_buf_json_str(&b, diag.msg, strlen(diag.msg));
            fc_buf_putc(&b, '}');
            reply(r, 400, "application/json", b.data);
            fc_buf_cleanup(&b);
            return;
        }
        if (down_ms > 0)
            r->resp->retry_after_s = -down_ms; /* the server goes down after replying */
    }
    fc_buf_reset(&r->resp->body);
    faults_describe(&hs->faults, &r->resp->body);
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

static void h_sim_stats(struct req *r)
{
    struct hubsim *hs = r->hs;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"requests\":{");
    pthread_mutex_lock(&hs->stats_lock);
    for (size_t i = 0; i < N_ENDPOINTS; i++)
        fc_buf_printf(out, "%s\"%s\":%llu", i ? "," : "", endpoints[i],
                      (unsigned long long)hs->requests[i]);
    pthread_mutex_unlock(&hs->stats_lock);
    fc_buf_puts(out, "},\"faults\":");
    faults_describe(&hs->faults, out);
    if (hs->o.state) {
        pthread_mutex_lock(&hs->o.state->lock);
        fc_buf_printf(out, ",\"head_tick\":%u", hs->o.state->head_tick);
        pthread_mutex_unlock(&hs->o.state->lock);
    }
    fc_buf_putc(out, '}');
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}


/* ---- fan-out reads (followers, reactions to a cast, replies) ---- */

struct fan_item {
    uint8_t key[24];
    uint64_t fid;
    const struct sim_msg *m;
    const struct corpus_item *ci;
    unsigned shard;
};

static int cmp_fan(const void *a, const void *b)
{
    const struct fan_item *x = a, *y = b;
    if (x->shard != y->shard)
        return x->shard < y->shard ? -1 : 1;
    return memcmp(x->key, y->key, 24);
}

/* Decodes a Snapchain fan-out token: base64 of a JSON array with one entry
 * per shard, null (exhausted) or the byte values of that shard's cursor. */
static bool fan_token(struct req *r, const struct paging *pg, unsigned shards, bool *done,
                      uint8_t (*cursor)[24], bool *has_cursor)
{
    uint8_t json[768];
    size_t n;
    if (fc_base64_decode(pg->raw_token, strlen(pg->raw_token), json, sizeof(json) - 1, &n,
                         NULL) != FC_OK) {
        bad_param(r, "page_token: invalid page token");
        return false;
    }
    json[n] = '\0';
    struct jspan arr = {(const char *)json, n}, el;
    const char *cur = NULL;
    unsigned k = 0;
    while (jspan_next(arr, &cur, &el)) {
        if (k >= shards) {
            k++;
            break;
        }
        if (el.n == 4 && memcmp(el.p, "null", 4) == 0) {
            done[k] = true;
        } else {
            struct jspan b;
            const char *c2 = NULL;
            size_t i = 0;
            while (jspan_next(el, &c2, &b)) {
                uint64_t v;
                if (i >= 24 || !jspan_u64(b, &v) || v > 255) {
                    bad_param(r, "page_token: invalid page token");
                    return false;
                }
                cursor[k][i++] = (uint8_t)v;
            }
            if (i != 24) {
                bad_param(r, "page_token: invalid page token");
                return false;
            }
            has_cursor[k] = true;
        }
        k++;
    }
    if (k != shards) {
        reply(r, 400, "application/json",
              "{\"error\":\"Failed to get messages\",\"error_detail\":\"status: InvalidArgument, "
              "message: \\\"Page token does not match number of shards\\\", details: [], "
              "metadata: MetadataMap { headers: {} }\"}");
        return false;
    }
    return true;
}

static void fan_render(struct req *r, const struct fan_item *it, struct fc_buf *out)
{
    if (it->ci)
        fc_buf_append(out, it->ci->json, it->ci->len);
    else
        sim_render_message(&r->hs->o.state->p, it->m, out);
}

static void fan_page(struct req *r, struct fan_item *items, size_t n, struct paging *pg)
{
    unsigned shards = r->snap ? (r->hs->o.corpus ? corpus_shards(r->hs->o.corpus)
                                                 : r->hs->o.state->p.shards) : 1;
    if (shards > 32)
        shards = 32;
    for (size_t i = 0; i < n; i++)
        items[i].shard = r->snap ? sim_shard_of(items[i].fid, shards) : 1;
    qsort(items, n, sizeof(*items), cmp_fan);
    bool done[32] = {0}, has_cursor[32] = {0};
    uint8_t cursor[32][24];
    if (pg->has_token) {
        if (r->snap) {
            if (!fan_token(r, pg, shards, done, cursor, &has_cursor[0]))
                return;
        } else {
            size_t tn;
            if (fc_base64_decode(pg->raw_token, strlen(pg->raw_token), cursor[0], 24, &tn, NULL) ||
                tn != 24) {
                bad_param(r, "page_token: invalid page token");
                return;
            }
            has_cursor[0] = true;
        }
    }
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"messages\":[");
    bool first = true, exhausted[32];
    uint8_t last[32][24];
    size_t start = 0;
    for (unsigned sh = 1; sh <= shards; sh++) {
        size_t end = start;
        while (end < n && items[end].shard == sh)
            end++;
        exhausted[sh - 1] = true;
        if (!done[sh - 1]) {
            /* this shard's items in [start, end), ascending or descending */
            size_t count = 0, total = end - start;
            for (size_t pos = 0; pos < total; pos++) {
                const struct fan_item *it = &items[pg->reverse ? end - 1 - pos : start + pos];
                if (has_cursor[sh - 1]) {
                    int c = memcmp(it->key, cursor[sh - 1], 24);
                    if ((!pg->reverse && c <= 0) || (pg->reverse && c >= 0))
                        continue;
                }
                if (count == pg->page_size) {
                    exhausted[sh - 1] = false;
                    break;
                }
                if (!first)
                    fc_buf_putc(out, ',');
                first = false;
                fan_render(r, it, out);
                memcpy(last[sh - 1], it->key, 24);
                count++;
            }
            /* A full page keeps its cursor even when it was the last. */
            if (count == pg->page_size && count)
                exhausted[sh - 1] = false;
        }
        start = end;
    }
    fc_buf_puts(out, "],\"nextPageToken\":\"");
    if (r->snap) {
        /* Snapchain never returns an empty token here: [null,null] at the end. */
        struct fc_buf tok = FC_BUF_INIT;
        fc_buf_putc(&tok, '[');
        for (unsigned sh = 0; sh < shards; sh++) {
            if (sh)
                fc_buf_putc(&tok, ',');
            if (exhausted[sh]) {
                fc_buf_puts(&tok, "null");
            } else {
                fc_buf_putc(&tok, '[');
                for (int i = 0; i < 24; i++)
                    fc_buf_printf(&tok, "%s%u", i ? "," : "", last[sh][i]);
                fc_buf_putc(&tok, ']');
            }
        }
        fc_buf_putc(&tok, ']');
        char *enc = fc_xmalloc(fc_base64_encoded_size(tok.len));
        fc_base64_encode((const uint8_t *)tok.data, tok.len, enc);
        fc_buf_puts(out, enc);
        free(enc);
        fc_buf_cleanup(&tok);
    } else if (!exhausted[0]) {
        char enc[64];
        fc_base64_encode(last[0], 24, enc);
        fc_buf_puts(out, enc);
    }
    fc_buf_puts(out, "\"}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

/* Corpus mode: scan recorded message lists for the target. */
static size_t corpus_scan(struct req *r, const char *prefix, const char *const *path,
                          const char *want, struct fan_item **out)
{
    struct fan_item *items = NULL;
    size_t n = 0, cap = 0;
    /* every list whose name starts with prefix */
    for (size_t li = 0;; li++) {
        const struct corpus_list *l = corpus_list_at(r->hs->o.corpus, li, prefix);
        if (!l)
            break;
        for (size_t i = 0; i < l->n; i++) {
            struct jspan v = {l->items[i].json, l->items[i].len};
            bool ok = true;
            for (const char *const *k = path; *k && ok; k++)
                ok = jspan_get(v, *k, &v);
            if (!ok || v.n < 1)
                continue;
            const char *p = v.p;
            size_t vn = v.n;
            if (*p == '"') {
                p++;
                vn -= 2;
            }
            if (vn != strlen(want) || strncasecmp(p, want, vn) != 0)
                continue;
            if (n == cap) {
                cap = cap ? cap * 2 : 16;
                items = fc_xrealloc(items, cap * sizeof(*items));
            }
            memset(&items[n], 0, sizeof(items[n]));
            memcpy(items[n].key, l->items[i].key, 24);
            items[n].fid = l->items[i].fid;
            items[n].ci = &l->items[i];
            n++;
        }
    }
    *out = items;
    return n;
}

static void fan_serve(struct req *r, enum fanout_kind kind, uint64_t tfid, const uint8_t th[20],
                      int reaction_type, struct paging *pg, const char *const *cpath,
                      const char *cprefix, const char *cwant)
{
    struct fan_item *items = NULL;
    size_t n = 0;
    struct sim_msg *msgs = NULL;
    struct sim_state *s = r->hs->o.state;
    if (r->hs->o.corpus) {
        n = corpus_scan(r, cprefix, cpath, cwant, &items);
        if (reaction_type) {
            const char *needle = reaction_type == 1 ? "REACTION_TYPE_LIKE" : "REACTION_TYPE_RECAST";
            size_t w = 0;
            for (size_t i = 0; i < n; i++)
                if (memmem(items[i].ci->json, items[i].ci->len, needle, strlen(needle)))
                    items[w++] = items[i];
            n = w;
        }
        fan_page(r, items, n, pg);
        free(items);
        return;
    }
    if (s->p.n_fids > SIM_FANOUT_MAX_FIDS) {
        reply(r, 400, "application/json",
              "{\"error\":\"fan-out reads are simulated for networks of at most 20000 fids\","
              "\"error_detail\":null}");
        return;
    }
    pthread_mutex_lock(&s->lock);
    size_t nm = fanout_query(s, &r->hs->fanout, kind, tfid, th, &msgs);
    pthread_mutex_unlock(&s->lock);
    items = fc_xcalloc(nm + 1, sizeof(*items));
    for (size_t i = 0; i < nm; i++) {
        if (reaction_type && msgs[i].sub != reaction_type)
            continue;
        struct fan_item *it = &items[n++];
        it->key[0] = (uint8_t)(msgs[i].ts >> 24);
        it->key[1] = (uint8_t)(msgs[i].ts >> 16);
        it->key[2] = (uint8_t)(msgs[i].ts >> 8);
        it->key[3] = (uint8_t)msgs[i].ts;
        memcpy(it->key + 4, msgs[i].hash, 20);
        it->fid = msgs[i].fid;
        it->m = &msgs[i];
    }
    fan_page(r, items, n, pg);
    free(items);
    free(msgs);
}

static bool parse_hash(struct req *r, const char *name, uint8_t out[20], char hex[43])
{
    const char *v = arg(r, name);
    size_t n;
    if (!v) {
        bad_param(r, "missing field `%s`", name);
        return false;
    }
    if (fc_hex_decode(v, strlen(v), false, out, 20, &n, NULL) || n != 20) {
        bad_param(r, "%s: invalid hash", name);
        return false;
    }
    fc_hex_encode(out, 20, hex);
    return true;
}

static void h_links_by_target(struct req *r)
{
    uint64_t tfid;
    struct paging pg = {.raw_token_only = true};
    if (!need_u64(r, "target_fid", &tfid))
        return;
    const char *t = arg(r, "link_type");
    if (r->snap && !t) {
        bad_param(r, "missing field `link_type`");
        return;
    }
    if (!parse_paging(r, &pg))
        return;
    if (t && strcmp(t, "follow") != 0) {
        fan_page(r, NULL, 0, &pg);
        return;
    }
    char want[32];
    snprintf(want, sizeof(want), "%llu", (unsigned long long)tfid);
    static const char *const path[] = {"data", "linkBody", "targetFid", NULL};
    fan_serve(r, FAN_FOLLOWERS, tfid, NULL, 0, &pg, path, "linksByFid:", want);
}

static void h_reactions_by_cast(struct req *r)
{
    uint64_t tfid;
    uint8_t th[20];
    char hex[43];
    struct paging pg = {.raw_token_only = true};
    if (!need_u64(r, "target_fid", &tfid) || !parse_hash(r, "target_hash", th, hex))
        return;
    const char *t = arg(r, "reaction_type");
    int type = 0;
    if (t) {
        if (strcmp(t, "Like") == 0 || (!r->snap && (strcmp(t, "1") == 0 ||
                                                    strcmp(t, "REACTION_TYPE_LIKE") == 0)))
            type = 1;
        else if (strcmp(t, "Recast") == 0 || (!r->snap && (strcmp(t, "2") == 0 ||
                                                           strcmp(t, "REACTION_TYPE_RECAST") == 0)))
            type = 2;
        else if (!(r->snap && strcmp(t, "None") == 0)) {
            bad_param(r, "reaction_type: unknown variant `%s`", t);
            return;
        }
    }
    if (!parse_paging(r, &pg))
        return;
    static const char *const path[] = {"data", "reactionBody", "targetCastId", "hash", NULL};
    fan_serve(r, FAN_REACTIONS, tfid, th, type, &pg, path, "reactionsByFid:", hex);
}

static void h_casts_by_parent(struct req *r)
{
    struct paging pg = {.raw_token_only = true};
    const char *url = arg(r, "url");
    uint8_t th[20];
    char hex[43];
    if (arg(r, "fid") || arg(r, "hash")) {
        uint64_t fid;
        if (!need_u64(r, "fid", &fid) || !parse_hash(r, "hash", th, hex) || !parse_paging(r, &pg))
            return;
        static const char *const path[] = {"data", "castAddBody", "parentCastId", "hash", NULL};
        fan_serve(r, FAN_REPLIES, 0, th, 0, &pg, path, "castsByFid:", hex);
        return;
    }
    if (!url) {
        bad_param(r, "either fid and hash, or url, is required");
        return;
    }
    if (!parse_paging(r, &pg))
        return;
    int channel = -1;
    for (unsigned i = 0; i < SIM_N_CHANNELS; i++)
        if (strcmp(sim_channel_url(i), url) == 0)
            channel = (int)i;
    static const char *const path[] = {"data", "castAddBody", "parentUrl", NULL};
    if (r->hs->o.corpus || channel >= 0)
        fan_serve(r, FAN_CHANNEL, (uint64_t)(channel < 0 ? 0 : channel), NULL, 0, &pg, path,
                  "castsByFid:", url);
    else
        fan_page(r, NULL, 0, &pg);
}

static const struct {
    const char *path;
    void (*fn)(struct req *r);
} routes[] = {
    {"/v1/info", h_info},
    {"/v1/events", h_events},
    {"/v1/eventById", h_event_by_id},
    {"/v1/castById", h_cast_by_id},
    {"/v1/castsByFid", h_casts},
    {"/v1/reactionsByFid", h_reactions},
    {"/v1/linksByFid", h_links},
    {"/v1/userDataByFid", h_user_data},
    {"/v1/verificationsByFid", h_verifications},
    {"/v1/userNameProofsByFid", h_username_proofs},
    {"/v1/onChainSignersByFid", h_signers},
    {"/v1/onChainEventsByFid", h_onchain_events},
    {"/v1/fids", h_fids},
    {"/v1/linksByTargetFid", h_links_by_target},
    {"/v1/reactionsByCast", h_reactions_by_cast},
    {"/v1/castsByParent", h_casts_by_parent},
};

void hubsim_handle(struct hubsim *hs, const char *method, const char *path,
                   const char *const *keys, const char *const *vals, size_t n,
                   const char *upload, size_t upload_len, struct sim_response *resp)
{
    struct req r = {hs, path, keys, vals, n, resp, hs->o.flavour == SIM_SNAPCHAIN};
    resp->status = 500;
    resp->content_type = "text/plain";
    resp->retry_after_s = 0;
    if (strcmp(path, "/_sim/faults") == 0) {
        h_sim_faults(&r, method, upload, upload_len);
        return;
    }
    if (strcmp(path, "/_sim/stats") == 0) {
        h_sim_stats(&r);
        return;
    }
    if (strcmp(method, "GET") != 0) {
        unknown_route(&r, method);
        return;
    }
    /* A request identical to a recorded one gets the recorded bytes. */
    if (hs->o.corpus) {
        char canon[2048];
        const char *fixed[MAX_QUERY_ARGS];
        char store[MAX_QUERY_ARGS][160];
        size_t m = n < MAX_QUERY_ARGS ? n : MAX_QUERY_ARGS;
        for (size_t i = 0; i < m; i++) {
            snprintf(store[i], sizeof(store[i]), "%s", vals[i]);
            if (strcasestr(keys[i], "token"))
                for (char *c = store[i]; *c; c++)
                    if (*c == ' ')
                        *c = '+';
            fixed[i] = store[i];
        }
        corpus_canon(path, keys, fixed, m, canon, sizeof(canon));
        size_t len;
        const char *body = corpus_exact(hs->o.corpus, canon, &len);
        if (body) {
            fc_buf_reset(&resp->body);
            fc_buf_append(&resp->body, body, len);
            resp->status = 200;
            resp->content_type = "application/json";
            return;
        }
    }
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, path) == 0) {
            routes[i].fn(&r);
            return;
        }
    }
    unknown_route(&r, method);
}

/* ---- HTTP glue ---- */

struct conn_state {
    struct fc_buf upload;
    bool too_big;
};

struct arg_collect {
    const char *keys[MAX_QUERY_ARGS];
    const char *vals[MAX_QUERY_ARGS];
    size_t n;
};

static enum MHD_Result collect_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                                   const char *value)
{
    (void)kind;
    struct arg_collect *a = cls;
    if (a->n < MAX_QUERY_ARGS) {
        a->keys[a->n] = key;
        a->vals[a->n] = value ? value : "";
        a->n++;
    }
    return MHD_YES;
}

static void sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}

/* Streams a body with a fault: cut the connection mid-body, or pace it. */
struct stream {
    char *data;
    size_t len;
    enum fault_kind kind;
    int bytes_per_sec;
};

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
    struct stream *s = cls;
    if (s->kind == FAULT_RESET && pos >= s->len / 2)
        return MHD_CONTENT_READER_END_WITH_ERROR;
    if (pos >= s->len)
        return MHD_CONTENT_READER_END_OF_STREAM;
    size_t n = s->len - (size_t)pos;
    if (s->kind == FAULT_RESET && pos + n > s->len / 2)
        n = s->len / 2 - (size_t)pos;
    if (s->kind == FAULT_SLOW) {
        size_t chunk = (size_t)(s->bytes_per_sec / 10 > 0 ? s->bytes_per_sec / 10 : 1);
        if (n > chunk)
            n = chunk;
        sleep_ms(100);
    }
    if (n > max)
        n = max;
    memcpy(buf, s->data + pos, n);
    return (ssize_t)n;
}

static void stream_free(void *cls)
{
    struct stream *s = cls;
    free(s->data);
    free(s);
}

static size_t endpoint_index(const char *path)
{
    for (size_t i = 0; i + 1 < N_ENDPOINTS; i++)
        if (strcmp(endpoints[i], path) == 0)
            return i;
    return N_ENDPOINTS - 1;
}

static void *down_thread(void *arg);

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_size, void **con_cls)
{
    (void)version;
    struct hubsim *hs = cls;
    struct conn_state *cs = *con_cls;
    if (!cs) {
        /* Answering on the first call would make MHD close the connection. */
        cs = fc_xcalloc(1, sizeof(*cs));
        *con_cls = cs;
        return MHD_YES;
    }
    if (*upload_size) {
        if (cs->upload.len + *upload_size > MAX_UPLOAD_BYTES)
            cs->too_big = true;
        else
            fc_buf_append(&cs->upload, upload_data, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    bool control = strncmp(url, "/_sim/", 6) == 0;
    struct fault_decision fd = {0};
    if (!control) {
        pthread_mutex_lock(&hs->stats_lock);
        hs->requests[endpoint_index(url)]++;
        pthread_mutex_unlock(&hs->stats_lock);
        fd = faults_decide(&hs->faults, url);
        if (fd.delay_ms)
            sleep_ms(fd.delay_ms);
        if (fd.kind == FAULT_HANG) {
            sleep_ms(fd.hang_ms);
            return MHD_NO; /* drop the connection without an answer */
        }
    }
    struct sim_response resp = {0};
    if (cs->too_big) {
        resp.status = 413;
        resp.content_type = "application/json";
        fc_buf_puts(&resp.body, "{\"error\":\"body too large\"}");
    } else if (fd.kind == FAULT_RATE_LIMIT) {
        resp.status = 429;
        resp.content_type = "application/json";
        resp.retry_after_s = fd.retry_after_s;
        fc_buf_puts(&resp.body, "{\"error\":\"rate limit exceeded\"}");
    } else if (fd.kind == FAULT_ERROR) {
        resp.status = fd.status;
        resp.content_type = "text/plain";
        fc_buf_printf(&resp.body, "simulated error %d", fd.status);
    } else {
        struct arg_collect a = {.n = 0};
        MHD_get_connection_values(conn, MHD_GET_ARGUMENT_KIND, collect_arg, &a);
        hubsim_handle(hs, method, url, a.keys, a.vals, a.n, cs->upload.data, cs->upload.len,
                      &resp);
        if (resp.status == 200)
            faults_apply_items(&hs->faults, &fd, &resp.body);
    }
    int down_ms = resp.retry_after_s < 0 ? -resp.retry_after_s : 0;
    if (down_ms)
        resp.retry_after_s = 0;
    if (!resp.body.data)
        fc_buf_puts(&resp.body, "");

    struct MHD_Response *mr;
    if (fd.kind == FAULT_RESET || fd.kind == FAULT_SLOW) {
        struct stream *s = fc_xcalloc(1, sizeof(*s));
        s->len = resp.body.len;
        s->data = fc_buf_take(&resp.body);
        s->kind = fd.kind;
        s->bytes_per_sec = fd.slow_bytes_per_sec;
        mr = MHD_create_response_from_callback(s->len, 16384, stream_read, s, stream_free);
    } else {
        size_t len = resp.body.len;
        if (fd.kind == FAULT_TRUNCATE)
            len /= 2;
        if (fd.kind == FAULT_BROKEN_JSON && len > 2)
            resp.body.data[len / 2] = 0x01; /* a raw control byte is invalid anywhere in JSON */
        mr = MHD_create_response_from_buffer(len, fc_buf_take(&resp.body), MHD_RESPMEM_MUST_FREE);
    }
    if (resp.content_type)
        MHD_add_response_header(mr, "Content-Type", resp.content_type);
    if (resp.retry_after_s > 0) {
        char ra[16];
        snprintf(ra, sizeof(ra), "%d", resp.retry_after_s);
        MHD_add_response_header(mr, "Retry-After", ra);
    }
    if (hs->o.flavour == SIM_SNAPCHAIN)
        MHD_add_response_header(mr, "Access-Control-Allow-Origin", "*");
    enum MHD_Result ret = MHD_queue_response(conn, (unsigned)resp.status, mr);
    MHD_destroy_response(mr);
    fc_buf_cleanup(&resp.body);
    if (down_ms && !hs->downer_running) {
        hs->downer_running = true;
        hs->down = true;
        int *arg = fc_xmalloc(sizeof(int));
        *arg = down_ms;
        struct {
            struct hubsim *hs;
            int ms;
        } *ctx = fc_xmalloc(sizeof(*ctx));
        ctx->hs = hs;
        ctx->ms = down_ms;
        free(arg);
        if (pthread_create(&hs->downer, NULL, down_thread, ctx) != 0) {
            free(ctx);
            hs->downer_running = false;
            hs->down = false;
        }
    }
    return ret;
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
    (void)cls;
    (void)conn;
    (void)toe;
    struct conn_state *cs = *con_cls;
    if (cs) {
        fc_buf_cleanup(&cs->upload);
        free(cs);
        *con_cls = NULL;
    }
}

static struct MHD_Daemon *start_daemon(struct hubsim *hs, uint16_t port)
{
    struct sockaddr_in addr;
    memset(&addr, 0, sizeof(addr));
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    if (inet_pton(AF_INET, hs->o.bind ? hs->o.bind : "127.0.0.1", &addr.sin_addr) != 1)
        return NULL;
    return MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD |
                                MHD_USE_ITC,
                            port, NULL, NULL, on_request, hs, MHD_OPTION_SOCK_ADDR, &addr,
                            MHD_OPTION_NOTIFY_COMPLETED, on_completed, hs,
                            MHD_OPTION_LISTENING_ADDRESS_REUSE, 1, MHD_OPTION_CONNECTION_LIMIT,
                            4096, MHD_OPTION_CONNECTION_TIMEOUT, 120, MHD_OPTION_END);
}

/* Takes the server down for a while: new connections are refused (the
 * listening socket is closed), then a fresh daemon takes the same port. */
static void *down_thread(void *arg)
{
    struct {
        struct hubsim *hs;
        int ms;
    } *ctx = arg;
    struct hubsim *hs = ctx->hs;
    int ms = ctx->ms;
    free(ctx);
    sleep_ms(50); /* let the control response leave first */
    MHD_socket fd = MHD_quiesce_daemon(hs->daemon);
    if (fd != MHD_INVALID_SOCKET)
        close(fd);
    for (int waited = 0; waited < ms && !hs->stopping; waited += 20)
        sleep_ms(20);
    struct MHD_Daemon *old = hs->daemon;
    MHD_stop_daemon(old);
    hs->daemon = hs->stopping ? NULL : start_daemon(hs, hs->port);
    hs->down = false;
    return NULL;
}

static void *tick_thread(void *arg)
{
    struct hubsim *hs = arg;
    struct sim_state *s = hs->o.state;
    for (uint32_t ticks = 0; !hs->stopping && (!hs->o.live_ticks || ticks < hs->o.live_ticks);
         ticks++) {
        /* sleep in short steps so a stop never waits for a long tick */
        for (unsigned waited = 0; waited < hs->o.tick_ms && !hs->stopping; waited += 50)
            sleep_ms((int)(hs->o.tick_ms - waited < 50 ? hs->o.tick_ms - waited : 50));
        if (hs->stopping)
            break;
        pthread_mutex_lock(&s->lock);
        sim_state_advance(s, 1);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

struct hubsim *hubsim_new_offline(const struct hubsim_options *opts)
{
    struct hubsim *hs = fc_xcalloc(1, sizeof(*hs));
    hs->o = *opts;
    if (opts->state) {
        hs->msg_cache = rcache_new(256u << 20);
        hs->event_cache = rcache_new(256u << 20);
    }
    faults_init(&hs->faults, opts->fault_seed);
    pthread_mutex_init(&hs->stats_lock, NULL);
    return hs;
}

void hubsim_free_offline(struct hubsim *hs)
{
    rcache_free(hs->msg_cache);
    fanout_free(hs->fanout);
    rcache_free(hs->event_cache);
    faults_cleanup(&hs->faults);
    pthread_mutex_destroy(&hs->stats_lock);
    free(hs);
}

enum fc_err hubsim_start(const struct hubsim_options *opts, struct hubsim **out,
                         struct fc_diag *diag)
{
    struct hubsim *hs = hubsim_new_offline(opts);
    hs->daemon = start_daemon(hs, opts->port);
    if (!hs->daemon) {
        hubsim_free_offline(hs);
        return fc_diag_set(diag, FC_ERR_IO, "cannot listen on %s:%u (in use?)",
                           opts->bind ? opts->bind : "127.0.0.1", opts->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(hs->daemon, MHD_DAEMON_INFO_BIND_PORT);
    hs->port = info ? info->port : opts->port;
    if (opts->state && opts->tick_ms) {
        if (pthread_create(&hs->ticker, NULL, tick_thread, hs) == 0)
            hs->ticker_running = true;
    }
    *out = hs;
    return FC_OK;
}

uint16_t hubsim_port(const struct hubsim *hs)
{
    return hs->port;
}

struct faults *hubsim_faults(struct hubsim *hs)
{
    return &hs->faults;
}

void hubsim_stop(struct hubsim *hs)
{
    if (!hs)
        return;
    hs->stopping = true;
    if (hs->downer_running)
        pthread_join(hs->downer, NULL);
    if (hs->ticker_running)
        pthread_join(hs->ticker, NULL);
    if (hs->daemon)
        MHD_stop_daemon(hs->daemon);
    hubsim_free_offline(hs);
}
