/* The follower's message checks (indexer/verify_gate.h): the messages a page
 * will keep are checked up front on several threads while nothing is written
 * yet; their signers are looked up in `signers` in one query, among the SIGNER
 * adds of the same page, and, failing both, in the account's signer events
 * fetched from a hub once. */
#include "indexer/follower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hub/client.h"
#include "store/writer.h"

struct fc_signer_fetch *fc_ix_signer_fetch(struct fc_indexer *ix)
{
    if (!ix->signer_fetch)
        ix->signer_fetch = fc_xcalloc(1, sizeof(*ix->signer_fetch));
    return ix->signer_fetch;
}

void fc_signer_fetch_free(struct fc_signer_fetch *sf)
{
    if (!sf)
        return;
    if (sf->conn)
        fc_hub_conn_free(sf->conn);
    fc_keyset_cleanup(&sf->keys);
    fc_vec_free(&sf->fids);
    free(sf);
}

/* Bounded (FC_SIGNER_FETCH_KEYS): full, it starts over, and so do the
 * turn's fetched accounts, whose keys went with it. */
static void fetch_bound(struct fc_signer_fetch *sf)
{
    if (sf->keys.n < FC_SIGNER_FETCH_KEYS)
        return;
    fc_keyset_clear(&sf->keys);
    sf->fids.n = 0;
}

static const struct fc_message *kept_merge(const struct follower *fo, const struct fc_item *it)
{
    if (it->kind != FC_ITEM_EVENT || it->event->type != FC_EVENT_MERGE_MESSAGE ||
        !it->event->message)
        return NULL;
    return fc_follower_touches_target(fo, it->event->message) ? it->event->message : NULL;
}

enum fc_err fc_follower_check_page(struct follower *fo, struct fc_diag *diag)
{
    const struct page_items *pi = fo->items;
    for (size_t i = 0; i < pi->n; i++)
        fo->checked[i] = FC_VERIFY_RESULT_MAX;
    fc_keyset_clear(fo->keys);
    if (fo->ix->verify_mode == FC_VERIFY_MODE_OFF)
        return FC_OK;
    fetch_bound(fo->fetch); /* the page's SIGNER adds go in too */
    const struct fc_message **m = fc_xmalloc((pi->n ? pi->n : 1) * sizeof(*m));
    size_t *at = fc_xmalloc((pi->n ? pi->n : 1) * sizeof(*at));
    uint64_t *fids = fc_xmalloc((pi->n ? pi->n : 1) * sizeof(*fids));
    size_t n = 0;
    for (size_t i = 0; i < pi->n; i++) {
        const struct fc_item *it = pi->p[i];
        /* signers added anywhere in the page count for its messages, and for
         * later pages: a fetch would find them */
        if (it->kind == FC_ITEM_EVENT && it->event->onchain) {
            fc_keyset_note_onchain(fo->keys, it->event->onchain);
            fc_keyset_note_onchain(&fo->fetch->keys, it->event->onchain);
        }
        const struct fc_message *msg = kept_merge(fo, it);
        if (msg) {
            m[n] = msg;
            at[n] = i;
            fids[n] = msg->fid;
            n++;
        }
    }
    enum fc_err err = FC_OK;
    if (n) {
        enum fc_verify_result *r = fc_xmalloc(n * sizeof(*r));
        fc_verify_batch(m, n, fo->ix->verify_threads, r);
        for (size_t k = 0; k < n; k++)
            fo->checked[at[k]] = r[k];
        free(r);
        err = fc_keyset_load(fo->keys, fc_writer_db(fo->w), fids, n, diag);
    }
    free(m);
    free(at);
    free(fids);
    return err;
}

struct fetch_ctx {
    struct follower *fo;
    uint64_t fid;
};

static void fetched_item(void *ud, const struct fc_item *it)
{
    struct fetch_ctx *c = ud;
    if (it->kind == FC_ITEM_ONCHAIN && it->onchain->fid == c->fid)
        fc_keyset_note_onchain(&c->fo->fetch->keys, it->onchain);
}

/* The account's signer events from a hub, once per turn: a message can
 * arrive before the SIGNER event that adds its key reaches us, and an
 * account that is not a target has none in `signers`. */
static void fetch_signers(struct follower *fo, uint64_t fid)
{
    struct fc_signer_fetch *sf = fo->fetch;
    for (size_t i = 0; i < sf->fids.n; i++)
        if (sf->fids.p[i] == fid)
            return;
    fetch_bound(sf);
    *fc_vec_push(&sf->fids) = fid;
    if (!sf->conn)
        sf->conn = fc_hub_conn_new(fo->ix->hubs);
    char path[160];
    snprintf(path, sizeof(path), "/v1/onChainEventsByFid?fid=%llu&event_type=EVENT_TYPE_SIGNER",
             (unsigned long long)fid);
    struct fetch_ctx c = {fo, fid};
    struct fc_hub_page pg;
    struct fc_diag d;
    enum fc_err err = fc_hub_get(sf->conn, path, FC_PAGE_ONCHAIN_EVENTS, -1, fetched_item, &c,
                                 &pg, &d);
    if (err && err != FC_ERR_NOT_FOUND) {
        /* not known then: the message is judged on what is known */
        log_warn("verify", "signer events of fid %llu: %s", (unsigned long long)fid, d.msg);
        sf->fids.n--; /* asked again next time */
    }
    fc_hub_conn_release(sf->conn);
}

static bool signer_known(struct follower *fo, const struct fc_message *m)
{
    return fc_keyset_has(fo->keys, m->fid, m->signer, m->signer_len) ||
           fc_keyset_has(&fo->fetch->keys, m->fid, m->signer, m->signer_len);
}

bool fc_follower_message_passes(struct follower *fo, const struct fc_message *m)
{
    struct fc_indexer *ix = fo->ix;
    if (ix->verify_mode == FC_VERIFY_MODE_OFF)
        return true;
    enum fc_verify_result r = fo->checked ? fo->checked[fo->at] : FC_VERIFY_RESULT_MAX;
    if (r == FC_VERIFY_RESULT_MAX) { /* kept only since the page began (a new target) */
        struct fc_buf scratch = FC_BUF_INIT;
        r = fc_verify_message(m, &scratch, NULL);
        fc_buf_cleanup(&scratch);
    }
    if (r == FC_VERIFY_OK && !signer_known(fo, m)) {
        fetch_signers(fo, m->fid);
        if (!signer_known(fo, m))
            r = FC_VERIFY_UNKNOWN_SIGNER;
    }
    if (fc_verify_gate_pass(ix, m, r))
        return true;
    fo->err = fc_verify_dead_letter(fo->w, fo->source, m, r, &fo->diag);
    fo->stats->dead_letters++;
    return false;
}
