/* Node-wide reads: hub info and the fid listing. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "fc/types.h"

void h_fids(struct req *r)
{
    struct paging pg = {0};
    uint64_t shard = 0;
    if (r->snap && !req_need_u64(r, "shard_id", &shard))
        return;
    if (!req_parse_paging(r, &pg))
        return;
    unsigned nshards = r->hs->o.corpus ? corpus_shards(r->hs->o.corpus) : r->hs->o.state->p.shards;
    if (r->snap && (shard < 1 || shard > nshards)) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_puts(&b, "{\"error\":\"Failed to get fids\",\"error_detail\":\"status: "
                        "InvalidArgument, message: \\\"Shard not found\\\", details: [], "
                        "metadata: MetadataMap { headers: {} }\"}");
        req_reply(r, 400, "application/json", b.data);
        fc_buf_cleanup(&b);
        return;
    }
    uint64_t after = 0;
    if (pg.has_token) {
        if (pg.token_len != 4) {
            req_bad_param(r, "page_token: invalid page token");
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

void h_info(struct req *r)
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
            heights[sh] = l.n ? fc_snapchain_event_block(l.items[l.n - 1].id) : 0;
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
