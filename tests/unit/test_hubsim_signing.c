/* The simulator's messages carry real hashes and signatures: every message it
 * serves, from the base history and from the live stream, in both dialects,
 * passes the indexer's verification (fc/verify.h) and is signed by a key its
 * account added in a signer event the simulator serves; references to other
 * casts (parents, embeds, reaction targets, removes) name the real hashes of
 * casts the simulator lists. */
#include "support/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/decode.h"
#include "fc/verify.h"
#include "model.h"
#include "render.h"
#include "sign.h"
#include "state.h"

static struct sim_params params(enum sim_flavour f)
{
    struct sim_params p = {.seed = 7, .n_fids = 400, .shards = 2, .flavour = f,
                           .apps = {9152, 309857}, .n_apps = 2};
    return p;
}

struct collected {
    const struct fc_message *m[64];
    size_t n_m;
    const struct fc_onchain_event *ev[8];
    size_t n_ev;
    size_t errors;
};

static void collect(void *ud, const struct fc_item *it)
{
    struct collected *c = ud;
    if (fct_item_error(it, &c->errors))
        return;
    if (it->kind == FC_ITEM_MESSAGE && c->n_m < 64)
        c->m[c->n_m++] = it->message;
    else if (it->kind == FC_ITEM_ONCHAIN && c->n_ev < 8)
        c->ev[c->n_ev++] = it->onchain;
}

/* The ed25519 keys fid added, read back from its rendered signer events. */
static size_t added_keys(const struct sim_params *p, uint64_t fid, uint8_t keys[][32])
{
    struct sim_signer s[SIM_MAX_SIGNERS];
    size_t n = sim_signers(p, fid, s);
    struct fc_buf page = FC_BUF_INIT;
    fc_buf_puts(&page, "{\"events\":[");
    for (size_t i = 0; i < n; i++) {
        if (i)
            fc_buf_putc(&page, ',');
        sim_render_signer_event(p, fid, &s[i], false, &page);
    }
    fc_buf_puts(&page, "]}");
    struct collected c = {0};
    struct fc_decoder *d = NULL;
    struct fc_diag diag;
    assert_int_equal(fc_decode_buffer(FC_PAGE_ONCHAIN_EVENTS, page.data, page.len, collect, &c,
                                      NULL, &diag, &d),
                     FC_OK);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.n_ev, n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(c.ev[i]->body.signer.event_type, 1);
        memcpy(keys[i], c.ev[i]->body.signer.key, 32);
    }
    fc_decoder_free(d);
    fc_buf_cleanup(&page);
    return n;
}

struct tally {
    size_t verified, by_source[5];
};

/* Renders m as a one-message page, decodes and verifies it; its signer must
 * be one of keys. */
static void check_message(const struct sim_params *p, const struct sim_msg *m,
                          uint8_t keys[][32], size_t n_keys, struct tally *t)
{
    struct fc_buf page = FC_BUF_INIT, scratch = FC_BUF_INIT;
    fc_buf_puts(&page, "{\"messages\":[");
    sim_render_message(p, m, &page);
    fc_buf_puts(&page, "],\"nextPageToken\":\"\"}");
    struct collected c = {0};
    struct fc_decoder *d = NULL;
    struct fc_diag diag;
    assert_int_equal(fc_decode_buffer(FC_PAGE_MESSAGES, page.data, page.len, collect, &c, NULL,
                                      &diag, &d),
                     FC_OK);
    assert_int_equal(c.errors, 0);
    assert_int_equal(c.n_m, 1);
    enum fc_msgdata_source src;
    enum fc_verify_result r = fc_verify_message(c.m[0], &scratch, &src);
    if (r != FC_VERIFY_OK)
        fprintf(stderr, "fid %llu type %u: %s\n%s\n", (unsigned long long)m->fid, m->type,
                fc_verify_reason(r), page.data);
    assert_int_equal(r, FC_VERIFY_OK);
    bool known = false;
    for (size_t i = 0; i < n_keys; i++)
        known |= memcmp(keys[i], c.m[0]->signer, 32) == 0;
    assert_true(known);
    t->verified++;
    t->by_source[src]++;
    fc_decoder_free(d);
    fc_buf_cleanup(&page);
    fc_buf_cleanup(&scratch);
}

static bool has_hash(const struct sim_params *p, uint64_t fid, const uint8_t h[20])
{
    struct sim_fid_data *d = sim_fid_generate(p, fid);
    bool found = false;
    for (size_t i = 0; i < d->n[K_CAST] && !found; i++)
        found = d->list[K_CAST][i].type == MT_CAST_ADD && memcmp(d->list[K_CAST][i].hash, h, 20) == 0;
    sim_fid_data_free(d);
    return found;
}

static void base_history_verifies(enum sim_flavour f, struct tally *t)
{
    struct sim_params p = params(f);
    size_t parents = 0, targets = 0;
    for (uint64_t fid = 1; fid <= 40; fid++) {
        uint8_t keys[SIM_MAX_SIGNERS][32];
        size_t nk = added_keys(&p, fid, keys);
        struct sim_fid_data *d = sim_fid_generate(&p, fid);
        for (int k = 0; k < K_NKINDS; k++) {
            for (size_t i = 0; i < d->n[k] && i < 25; i++) {
                const struct sim_msg *m = &d->list[k][i];
                check_message(&p, m, keys, nk, t);
                struct sim_cast c;
                struct fc_buf text = FC_BUF_INIT;
                if (m->type == MT_CAST_ADD) {
                    sim_cast_content(&p, fid, m->idx, &c, &text);
                    if (c.parent_fid) {
                        /* the parent named is a cast its author lists, or one it removed */
                        uint8_t h[20];
                        sim_cast_hash(&p, c.parent_fid, c.parent_idx, h);
                        if (!sim_cast_removed(&p, c.parent_fid, c.parent_idx)) {
                            assert_true(has_hash(&p, c.parent_fid, h));
                            parents++;
                        }
                    }
                } else if (m->type == MT_REACTION_ADD && m->target_fid &&
                           !sim_cast_removed(&p, m->target_fid, m->target_idx)) {
                    uint8_t h[20];
                    sim_cast_hash(&p, m->target_fid, m->target_idx, h);
                    assert_true(has_hash(&p, m->target_fid, h));
                    targets++;
                }
                fc_buf_cleanup(&text);
            }
        }
        sim_fid_data_free(d);
    }
    assert_true(parents > 5);
    assert_true(targets > 5);
}

static void base_history_verifies_in_both_dialects(void **state)
{
    (void)state;
    struct tally snap = {0}, hub = {0};
    base_history_verifies(SIM_SNAPCHAIN, &snap);
    base_history_verifies(SIM_HUBBLE, &hub);
    assert_true(snap.verified > 500);
    /* Snapchain never sends dataBytes: both rebuild styles are exercised. */
    assert_true(snap.by_source[FC_MSGDATA_TS_PROTO] > 100);
    assert_true(snap.by_source[FC_MSGDATA_PROST] > 10);
    assert_int_equal(snap.by_source[FC_MSGDATA_SENT_TS_PROTO] + snap.by_source[FC_MSGDATA_SENT_PROST], 0);
    /* Hubble sends dataBytes for some clients' messages. */
    assert_true(hub.by_source[FC_MSGDATA_SENT_TS_PROTO] + hub.by_source[FC_MSGDATA_SENT_PROST] > 50);
    assert_true(hub.by_source[FC_MSGDATA_TS_PROTO] > 50);
}

/* Messages of the live stream, including removes, verify; their signers are
 * keys added on-chain. */
static void live_stream_verifies(void **state)
{
    (void)state;
    enum sim_flavour flavours[] = {SIM_SNAPCHAIN, SIM_HUBBLE};
    for (size_t fl = 0; fl < 2; fl++) {
        struct sim_params p = params(flavours[fl]);
        struct sim_state s;
        sim_state_init(&s, &p, 86400, 30);
        sim_state_advance(&s, 20);
        struct tally t = {0};
        size_t removes = 0;
        for (size_t l = 0; l < s.n_logs; l++) {
            struct sim_event_log *log = &s.logs[l];
            for (size_t i = log->start; i < log->len; i++) {
                const struct sim_event *e = &log->ev[i];
                if (e->type != EV_MERGE_MESSAGE && e->type != EV_PRUNE_MESSAGE &&
                    e->type != EV_REVOKE_MESSAGE)
                    continue;
                uint8_t keys[SIM_MAX_SIGNERS][32];
                size_t nk = added_keys(&p, e->msg.fid, keys);
                check_message(&p, &e->msg, keys, nk, &t);
                removes += e->msg.type == MT_CAST_REMOVE || e->msg.type == MT_REACTION_REMOVE ||
                           e->msg.type == MT_LINK_REMOVE;
                if (e->has_deleted)
                    check_message(&p, &e->deleted, keys, nk, &t);
            }
        }
        assert_true(t.verified > 300);
        assert_true(removes > 5);
        sim_state_cleanup(&s);
    }
}

FCT_MAIN(NULL, NULL, base_history_verifies_in_both_dialects, live_stream_verifies)
