/* Fan-out reads: followers of a fid, reactions to a cast, replies to a cast
 * or a channel; one merged page per shard with Snapchain's per-shard token. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/base64.h"
#include "core/hex.h"
#include "core/vec.h"
#include "fanout.h"
#include "jspan.h"
#include "render.h"

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
        req_bad_param(r, "page_token: invalid page token");
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
                    req_bad_param(r, "page_token: invalid page token");
                    return false;
                }
                cursor[k][i++] = (uint8_t)v;
            }
            if (i != 24) {
                req_bad_param(r, "page_token: invalid page token");
                return false;
            }
            has_cursor[k] = true;
        }
        k++;
    }
    if (k != shards) {
        req_reply(r, 400, "application/json",
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
                req_bad_param(r, "page_token: invalid page token");
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
    FC_VEC(struct fan_item) items = {0};
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
            struct fan_item *it = fc_vec_push(&items);
            memset(it, 0, sizeof(*it));
            memcpy(it->key, l->items[i].key, 24);
            it->fid = l->items[i].fid;
            it->ci = &l->items[i];
        }
    }
    *out = items.p;
    return items.n;
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
        req_reply(r, 400, "application/json",
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
    const char *v = req_arg(r, name);
    size_t n;
    if (!v) {
        req_bad_param(r, "missing field `%s`", name);
        return false;
    }
    if (fc_hex_decode(v, strlen(v), false, out, 20, &n, NULL) || n != 20) {
        req_bad_param(r, "%s: invalid hash", name);
        return false;
    }
    fc_hex_encode(out, 20, hex);
    return true;
}

void h_links_by_target(struct req *r)
{
    uint64_t tfid;
    struct paging pg = {.raw_token_only = true};
    if (!req_need_u64(r, "target_fid", &tfid))
        return;
    const char *t = req_arg(r, "link_type");
    if (r->snap && !t) {
        req_bad_param(r, "missing field `link_type`");
        return;
    }
    if (!req_parse_paging(r, &pg))
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

void h_reactions_by_cast(struct req *r)
{
    uint64_t tfid;
    uint8_t th[20];
    char hex[43];
    struct paging pg = {.raw_token_only = true};
    if (!req_need_u64(r, "target_fid", &tfid) || !parse_hash(r, "target_hash", th, hex))
        return;
    const char *t = req_arg(r, "reaction_type");
    int type = 0;
    if (t) {
        if (strcmp(t, "Like") == 0 || (!r->snap && (strcmp(t, "1") == 0 ||
                                                    strcmp(t, "REACTION_TYPE_LIKE") == 0)))
            type = 1;
        else if (strcmp(t, "Recast") == 0 || (!r->snap && (strcmp(t, "2") == 0 ||
                                                           strcmp(t, "REACTION_TYPE_RECAST") == 0)))
            type = 2;
        else if (!(r->snap && strcmp(t, "None") == 0)) {
            req_bad_param(r, "reaction_type: unknown variant `%s`", t);
            return;
        }
    }
    if (!req_parse_paging(r, &pg))
        return;
    static const char *const path[] = {"data", "reactionBody", "targetCastId", "hash", NULL};
    fan_serve(r, FAN_REACTIONS, tfid, th, type, &pg, path, "reactionsByFid:", hex);
}

void h_casts_by_parent(struct req *r)
{
    struct paging pg = {.raw_token_only = true};
    const char *url = req_arg(r, "url");
    uint8_t th[20];
    char hex[43];
    if (req_arg(r, "fid") || req_arg(r, "hash")) {
        uint64_t fid;
        if (!req_need_u64(r, "fid", &fid) || !parse_hash(r, "hash", th, hex) || !req_parse_paging(r, &pg))
            return;
        static const char *const path[] = {"data", "castAddBody", "parentCastId", "hash", NULL};
        fan_serve(r, FAN_REPLIES, 0, th, 0, &pg, path, "castsByFid:", hex);
        return;
    }
    if (!url) {
        req_bad_param(r, "either fid and hash, or url, is required");
        return;
    }
    if (!req_parse_paging(r, &pg))
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

