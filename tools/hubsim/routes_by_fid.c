/* Per-fid message lists (casts, reactions, links, user data, verifications),
 * one cast by id, and username proofs; synthetic or corpus mode. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "rcache.h"
#include "render.h"

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
    if (!req_need_u64(r, "fid", &fid) || !req_parse_paging(r, &pg))
        return;
    struct hubsim *hs = r->hs;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    if (hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "%s:%llu", kind_endpoint(kind), (unsigned long long)fid);
        struct corpus_list l = corpus_get(hs->o.corpus, name);
        struct items it = {l.n, corpus_key, corpus_render, l.items};
        req_page_messages(r, &it, &pg, "messages", true, out);
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
        req_page_messages(r, &it, &pg, "messages", true, out);
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
    req_page_messages(r, &it, &pg, "messages", true, out);
    free(list);
}

void h_casts(struct req *r) { serve_by_fid(r, K_CAST, 0, false); }
void h_verifications(struct req *r) { serve_by_fid(r, K_VERIF, 0, false); }

/* Renders into out the first of fid's messages of kind k that match
 * accepts, under the state lock; false when there is none. */
static bool render_first(struct req *r, uint64_t fid, enum sim_kind k,
                         bool (*match)(const struct sim_msg *m, const void *want), const void *want,
                         struct fc_buf *out)
{
    struct sim_state *s = r->hs->o.state;
    pthread_mutex_lock(&s->lock);
    struct sim_msg *list = NULL;
    size_t n = sim_fid_exists(&s->p, fid) ? sim_state_list(s, fid, k, &list) : 0;
    bool found = false;
    for (size_t i = 0; i < n && !found; i++) {
        if (match(&list[i], want)) {
            sim_render_message(&s->p, &list[i], out);
            found = true;
        }
    }
    pthread_mutex_unlock(&s->lock);
    free(list);
    return found;
}

/* The answer to a lookup of one item: the item, or a 404 naming what. */
static void reply_found(struct req *r, bool found, struct fc_buf *item, const char *what)
{
    if (found)
        req_reply(r, 200, "application/json", item->data);
    else
        req_not_found(r, what);
    fc_buf_cleanup(item);
}

static bool is_user_data_type(const struct sim_msg *m, const void *want)
{
    return m->sub == *(const uint64_t *)want;
}

static bool is_cast_add(const struct sim_msg *m, const void *hash)
{
    return m->type == MT_CAST_ADD && memcmp(m->hash, hash, 20) == 0;
}

void h_user_data(struct req *r)
{
    const char *t = req_arg(r, "user_data_type");
    if (t && !r->snap) {
        /* Hubble with a type returns one message, not a page. */
        uint64_t fid;
        if (!req_need_u64(r, "fid", &fid))
            return;
        static const char *const names[] = {"", "PFP", "DISPLAY", "BIO", "", "URL", "USERNAME",
                                            "LOCATION", "TWITTER", "GITHUB"};
        uint64_t want = 0;
        if (!req_parse_u64(t, &want)) {
            for (uint64_t i = 1; i < 10; i++) {
                char full[64];
                snprintf(full, sizeof(full), "USER_DATA_TYPE_%s", names[i]);
                if (*names[i] && strcmp(full, t) == 0)
                    want = i;
            }
        }
        if (!want || want > 9) {
            req_bad_param(r, "user_data_type: invalid");
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
            found = render_first(r, fid, K_USERDATA, is_user_data_type, &want, &tmp);
        }
        reply_found(r, found, &tmp, "user data");
        return;
    }
    serve_by_fid(r, K_USERDATA, 0, false);
}

void h_reactions(struct req *r)
{
    const char *t = req_arg(r, "reaction_type");
    int type = 0;
    if (r->snap) {
        if (!t) {
            req_bad_param(r, "missing field `reaction_type`");
            return;
        }
        if (strcmp(t, "Like") == 0)
            type = 1;
        else if (strcmp(t, "Recast") == 0)
            type = 2;
        else if (strcmp(t, "None") != 0) {
            req_bad_param(r, "reaction_type: unknown variant `%s`, expected one of `None`, `Like`, "
                         "`Recast`", t);
            return;
        }
    } else if (t) {
        if (strcmp(t, "1") == 0 || strcmp(t, "REACTION_TYPE_LIKE") == 0)
            type = 1;
        else if (strcmp(t, "2") == 0 || strcmp(t, "REACTION_TYPE_RECAST") == 0)
            type = 2;
        else {
            req_bad_param(r, "reaction_type: invalid");
            return;
        }
    }
    if (type && r->hs->o.corpus) {
        /* Filter recorded items by their type string. */
        uint64_t fid;
        struct paging pg = {0};
        if (!req_need_u64(r, "fid", &fid) || !req_parse_paging(r, &pg))
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
        req_page_messages(r, &it, &pg, "messages", true, &r->resp->body);
        free(sel);
        return;
    }
    serve_by_fid(r, K_REACTION, type, false);
}

void h_links(struct req *r)
{
    const char *t = req_arg(r, "link_type");
    if (t && strlen(t) > 8) {
        req_bad_param(r, "link_type: longer than 8 bytes");
        return;
    }
    if (t && strcmp(t, "follow") != 0) {
        /* Only follows exist here: any other type has no links. */
        uint64_t fid;
        struct paging pg = {0};
        if (!req_need_u64(r, "fid", &fid) || !req_parse_paging(r, &pg))
            return;
        req_reply(r, 200, "application/json", "{\"messages\":[],\"nextPageToken\":\"\"}");
        return;
    }
    serve_by_fid(r, K_LINK, 0, true);
}

void h_cast_by_id(struct req *r)
{
    uint64_t fid;
    if (!req_need_u64(r, "fid", &fid))
        return;
    const char *hs_ = req_arg(r, "hash");
    uint8_t hash[20];
    size_t n;
    if (!hs_) {
        req_bad_param(r, "missing field `hash`");
        return;
    }
    if (fc_hex_decode(hs_, strlen(hs_), false, hash, sizeof(hash), &n, NULL) || n != 20) {
        req_bad_param(r, "hash: invalid hex");
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
        found = render_first(r, fid, K_CAST, is_cast_add, hash, &tmp);
    }
    reply_found(r, found, &tmp, "cast");
}

void h_username_proofs(struct req *r)
{
    uint64_t fid;
    if (!req_need_u64(r, "fid", &fid))
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
