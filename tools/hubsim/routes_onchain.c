/* On-chain reads: signers and on-chain events of one fid. */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "render.h"

static int cmp_signer(const void *a, const void *b)
{
    const struct sim_signer *x = a, *y = b;
    if (x->block_number != y->block_number)
        return x->block_number < y->block_number ? -1 : 1;
    return (int)x->log_index - (int)y->log_index;
}

/* Starts r's answer {"events":[...]} and returns its body; events_end
 * closes the list and answers. */
static struct fc_buf *events_begin(struct req *r)
{
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"events\":[");
    return out;
}

static void events_end(struct req *r)
{
    fc_buf_puts(&r->resp->body, "]}");
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

/* Writes a corpus on-chain list (events already recorded in order). */
static void corpus_events_list(struct req *r, const char *name)
{
    struct corpus_list l = corpus_get(r->hs->o.corpus, name);
    struct fc_buf *out = events_begin(r);
    for (size_t i = 0; i < l.n; i++) {
        if (i)
            fc_buf_putc(out, ',');
        fc_buf_append(out, l.items[i].json, l.items[i].len);
    }
    events_end(r);
}

/* The fid's signer events in block order (under s->lock): its live signers'
 * adds or, with history, every add and then every removal. */
static void render_signers(struct sim_state *s, uint64_t fid, bool history, struct fc_buf *out)
{
    struct sim_signer *sg;
    size_t n = sim_state_signers(s, fid, &sg);
    qsort(sg, n, sizeof(*sg), cmp_signer);
    bool first = true;
    for (int removals = 0; removals <= (history ? 1 : 0); removals++) {
        for (size_t i = 0; i < n; i++) {
            bool listed = removals ? sg[i].removed : history || !sg[i].removed;
            if (!listed)
                continue;
            if (!first)
                fc_buf_putc(out, ',');
            first = false;
            sim_render_signer_event(&s->p, fid, &sg[i], removals, out);
        }
    }
    free(sg);
}

void h_signers(struct req *r)
{
    uint64_t fid;
    if (!req_need_u64(r, "fid", &fid))
        return;
    if (r->hs->o.corpus) {
        char name[96];
        snprintf(name, sizeof(name), "onChainSignersByFid:%llu", (unsigned long long)fid);
        corpus_events_list(r, name);
        return;
    }
    struct sim_state *s = r->hs->o.state;
    struct fc_buf *out = events_begin(r);
    pthread_mutex_lock(&s->lock);
    if (sim_fid_exists(&s->p, fid))
        render_signers(s, fid, false, out);
    pthread_mutex_unlock(&s->lock);
    events_end(r);
}

void h_onchain_events(struct req *r)
{
    uint64_t fid;
    if (!req_need_u64(r, "fid", &fid))
        return;
    const char *t = req_arg(r, "event_type");
    static const char *const names[] = {"", "EVENT_TYPE_SIGNER", "EVENT_TYPE_SIGNER_MIGRATED",
                                        "EVENT_TYPE_ID_REGISTER", "EVENT_TYPE_STORAGE_RENT",
                                        "EVENT_TYPE_TIER_PURCHASE", "EVENT_TYPE_CHANNEL_REGISTER"};
    int type = 0;
    if (!t) {
        req_bad_param(r, "missing field `event_type`");
        return;
    }
    for (int i = 1; i < 7; i++)
        if (strcmp(t, names[i]) == 0)
            type = i;
    uint64_t num;
    if (!type && !r->snap && req_parse_u64(t, &num) && num >= 1 && num <= 4)
        type = (int)num;
    if (!type || (!r->snap && type > 4)) {
        req_bad_param(r, "event_type: unknown variant `%s`", t);
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
    struct fc_buf *out = events_begin(r);
    pthread_mutex_lock(&s->lock);
    if (sim_fid_exists(&s->p, fid)) {
        if (type == 1) {
            render_signers(s, fid, true, out);
        } else if (type == 3) {
            sim_render_id_register(&s->p, fid, out);
        } else if (type == 4) {
            sim_render_storage_rent(&s->p, fid, out);
        }
    }
    pthread_mutex_unlock(&s->lock);
    events_end(r);
}
