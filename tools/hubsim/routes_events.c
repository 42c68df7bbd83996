/* The event stream: pages of events by id (per shard on Snapchain) and one
 * event by id, rendered from the synthetic log or read from a corpus. */
#include "internal.h"

#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "core/hex.h"
#include "fc/types.h"
#include "rcache.h"
#include "render.h"
#include "rng.h"

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
    uint64_t height = fc_snapchain_event_block(e->id);
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

/* First index in [lo, hi) with id >= from, in an array (a log's events or a
 * corpus list's items) of elements of size bytes, sorted by the uint64_t id
 * at offset id_at of each. */
static size_t lower_bound(const void *array, size_t size, size_t id_at, size_t lo, size_t hi,
                          uint64_t from)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        uint64_t id;
        memcpy(&id, (const char *)array + mid * size + id_at, sizeof(id));
        if (id < from)
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
        size_t i = lower_bound(l.items, sizeof(*l.items), offsetof(struct corpus_item, id), 0,
                               l.n, from);
        for (; i < l.n && count < max; i++) {
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
    size_t i = lower_bound(log->ev, sizeof(*log->ev), offsetof(struct sim_event, id), log->start,
                           log->len, from);
    for (; i < log->len && count < max; i++) {
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

void h_events(struct req *r)
{
    uint64_t from = 0, stop = 0, shard = 0, size = r->snap ? 1000 : 100;
    const char *v = req_arg(r, "from_event_id");
    if (v && !req_parse_u64(v, &from)) {
        req_bad_param(r, "from_event_id: invalid digit found in string");
        return;
    }
    unsigned nshards = r->hs->o.corpus ? corpus_shards(r->hs->o.corpus) : r->hs->o.state->p.shards;
    bool all_shards = false;
    if (r->snap) {
        if ((v = req_arg(r, "stop_id")) && !req_parse_u64(v, &stop)) {
            req_bad_param(r, "stop_id: invalid digit found in string");
            return;
        }
        if ((v = req_arg2(r, "page_size", "pageSize"))) {
            if (!req_parse_u64(v, &size)) {
                req_bad_param(r, "page_size: invalid digit found in string");
                return;
            }
            if (size == 0)
                size = 1000;
            if (size > MAX_PAGE_SIZE)
                size = MAX_PAGE_SIZE;
        }
        if ((v = req_arg(r, "reverse")) && strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
            req_bad_param(r, "reverse: provided string was not `true` or `false`");
            return;
        }
        if ((v = req_arg(r, "shard_index"))) {
            if (!req_parse_u64(v, &shard)) {
                req_bad_param(r, "shard_index: invalid digit found in string");
                return;
            }
            if (shard < 1 || shard > nshards) {
                req_reply(r, 400, "application/json",
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

void h_event_by_id(struct req *r)
{
    uint64_t id, shard = 0;
    if (!req_need_u64(r, "event_id", &id))
        return;
    if (r->snap && !req_need_u64(r, "shard_index", &shard))
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
        req_reply(r, 200, "application/json", tmp.data);
    else
        req_not_found(r, "event");
    fc_buf_cleanup(&tmp);
}
