/* The simulator's model and request handling, without a network:
 * determinism, distributions, fid->shard, event id layouts, signer
 * metadata, pagination and live-stream consistency. */
#include "support/json.h"
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/base64.h"
#include "model.h"
#include "render.h"
#include "sign.h"
#include "server.h"
#include "state.h"

static struct sim_params params(enum sim_flavour f, uint64_t fids)
{
    struct sim_params p = {.seed = 42, .n_fids = fids, .shards = 2, .flavour = f,
                           .apps = {9152, 309857}, .n_apps = 2};
    return p;
}

/* The network params(flavour, fids) after `live` ticks of its stream (of
 * `rate` events a tick, `retention` ticks kept), and a server answering
 * its requests without a network. */
struct world {
    struct sim_state s;
    struct hubsim *hs;
};

static void world_start(struct world *w, enum sim_flavour f, uint64_t fids, uint32_t retention,
                        uint32_t rate, uint32_t live)
{
    struct sim_params p = params(f, fids);
    sim_state_init(&w->s, &p, retention, rate);
    sim_state_advance(&w->s, live);
    struct hubsim_options o = {.flavour = f, .state = &w->s};
    w->hs = hubsim_new_offline(&o);
}

static void world_stop(struct world *w)
{
    hubsim_free_offline(w->hs);
    sim_state_cleanup(&w->s);
}

static void same_seed_same_bytes(void **state)
{
    (void)state;
    struct sim_params p = params(SIM_SNAPCHAIN, 5000);
    for (uint64_t fid = 1; fid < 200; fid += 7) {
        struct sim_fid_data *a = sim_fid_generate(&p, fid), *b = sim_fid_generate(&p, fid);
        for (int k = 0; k < K_NKINDS; k++) {
            assert_int_equal(a->n[k], b->n[k]);
            struct fc_buf ra = FC_BUF_INIT, rb = FC_BUF_INIT;
            for (size_t i = 0; i < a->n[k]; i++) {
                sim_render_message(&p, &a->list[k][i], &ra);
                sim_render_message(&p, &b->list[k][i], &rb);
            }
            if (a->n[k])
                assert_string_equal(ra.data, rb.data);
            fc_buf_cleanup(&ra);
            fc_buf_cleanup(&rb);
        }
        sim_fid_data_free(a);
        sim_fid_data_free(b);
    }
    /* A different seed gives a different network. */
    struct sim_params q = p;
    q.seed = 43;
    uint8_t h1[20], h2[20];
    sim_cast_hash(&p, 7, 0, h1);
    sim_cast_hash(&q, 7, 0, h2);
    assert_memory_not_equal(h1, h2, 20);
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

static void heavy_tailed_counts_and_power_law_follows(void **state)
{
    (void)state;
    struct sim_params p = params(SIM_SNAPCHAIN, 200000);
    enum { N = 20000 };
    uint32_t *casts = malloc(N * sizeof(uint32_t));
    for (uint64_t f = 1; f <= N; f++)
        casts[f - 1] = sim_count(&p, f, K_CAST);
    qsort(casts, N, sizeof(uint32_t), cmp_u32);
    /* Most accounts have tens of casts, a few thousands or more. */
    assert_in_range(casts[N / 2], 5, 40);
    assert_true(casts[N * 99 / 100] >= 100);
    assert_true(casts[N - 1] >= 5000);
    assert_true(casts[N - 1] <= SIM_MAX_COUNT);
    free(casts);

    /* A few accounts take a large share of follows. */
    uint64_t top = 0, total = 0;
    uint64_t best = sim_popular_fid(&p, 0); /* rank 1 needs u close to 0 */
    (void)best;
    uint64_t hits_rank1 = 0;
    for (uint64_t i = 0; i < 100000; i++) {
        uint64_t f = sim_popular_fid(&p, i * 7919 + 1);
        assert_true(f >= 1 && f <= p.n_fids);
        total++;
        /* fids of rank <= 10 under the permutation */
        for (uint64_t r = 1; r <= 10; r++) {
            uint64_t a = (p.n_fids % 1000003) ? 1000003 : 999983;
            if (f == ((r - 1) * a + p.seed % p.n_fids) % p.n_fids + 1) {
                top++;
                if (r == 1)
                    hits_rank1++;
            }
        }
    }
    /* log-uniform ranks: P(rank <= 10) = ln(11)/ln(N+1) ~ 0.196 */
    assert_true(top * 100 / total >= 12);
    assert_true(hits_rank1 * 100 / total >= 3);
}

/* expected.json records each fid's Snapchain shard by the real rule. */
static void shard_rule_matches_recorded_fixture(void **state)
{
    (void)state;
    yajl_val root = fct_json_fixture("expected.json");
    yajl_val fids = fct_json_get(root, "fids");
    assert_true(YAJL_IS_OBJECT(fids));
    size_t checked = 0;
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        yajl_val o = YAJL_GET_OBJECT(fids)->values[i];
        const char *sp[] = {"snapchain_shard", NULL}, *idp[] = {"fid", NULL};
        yajl_val s = yajl_tree_get(o, sp, yajl_t_number), id = yajl_tree_get(o, idp, yajl_t_number);
        assert_non_null(s);
        assert_int_equal(sim_shard_of((uint64_t)YAJL_GET_INTEGER(id), 2), YAJL_GET_INTEGER(s));
        checked++;
    }
    assert_int_equal(checked, 60);
    yajl_tree_free(root);
}

static void event_id_layouts(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 500, 3 * 86400, 30, 5);
    for (unsigned sh = 1; sh <= 2; sh++) {
        struct sim_event_log *log = sim_state_log(&w.s, sh);
        assert_true(log->len > 0);
        uint64_t prev = 0;
        for (size_t i = log->start; i < log->len; i++) {
            const struct sim_event *e = &log->ev[i];
            assert_true(e->id > prev);
            prev = e->id;
            assert_int_equal(e->id >> 14, SIM_H0 + e->tick);
            if ((e->id & 16383) == 0) {
                /* seq 0 is BLOCK_CONFIRMED and counts its block, itself included */
                assert_int_equal(e->type, EV_BLOCK_CONFIRMED);
                size_t k = i + 1, n = 1;
                while (k < log->len && (log->ev[k].id >> 14) == (e->id >> 14))
                    k++, n++;
                assert_int_equal(e->total_events, n);
            } else {
                assert_int_not_equal(e->type, EV_BLOCK_CONFIRMED);
                assert_int_equal(sim_shard_of(e->msg.fid, 2), sh);
            }
        }
    }
    world_stop(&w);

    world_start(&w, SIM_HUBBLE, 500, 3 * 86400, 30, 3);
    struct sim_event_log *log = sim_state_log(&w.s, 0);
    for (size_t i = log->start; i < log->len; i++) {
        uint64_t ms = log->ev[i].id >> 12;
        assert_int_equal(ms / 1000, SIM_T0 + log->ev[i].tick);
        assert_int_not_equal(log->ev[i].type, EV_BLOCK_CONFIRMED);
    }
    world_stop(&w);
}

static void retention_drops_old_events(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 300, 10, 5, 40);
    struct sim_event_log *log = sim_state_log(&w.s, 1);
    assert_true(log->ev[log->start].tick >= 30);
    assert_int_equal(log->ev[log->len - 1].tick, 40);
    world_stop(&w);
}

static void signer_metadata_is_abi_encoded(void **state)
{
    (void)state;
    struct sim_params p = params(SIM_SNAPCHAIN, 100);
    uint8_t md[288];
    sim_signed_key_request(&p, 9152, 77, md);
    /* word 0: tuple offset 0x20; requestFid in the tuple's first word */
    for (int i = 0; i < 31; i++)
        assert_int_equal(md[i], 0);
    assert_int_equal(md[31], 0x20);
    uint64_t fid = 0;
    for (int i = 0; i < 24; i++)
        assert_int_equal(md[32 + i], 0);
    for (int i = 56; i < 64; i++)
        fid = fid << 8 | md[i];
    assert_int_equal(fid, 9152);
    assert_int_equal(md[96 + 31], 0x80); /* signature offset relative to the tuple */
    assert_int_equal(md[160 + 31], 65);  /* signature length */
    uint8_t custody[20];
    sim_custody(&p, 9152, custody);
    assert_memory_equal(md + 76, custody, 20); /* requestSigner right-aligned */
}

static void base58_vector(void **state)
{
    (void)state;
    char out[64];
    sim_base58((const uint8_t *)"Hello World!", 12, out, sizeof(out));
    assert_string_equal(out, "2NEpo7TZRRrLZSi2U");
    const uint8_t z[] = {0, 0, 1};
    sim_base58(z, 3, out, sizeof(out));
    assert_string_equal(out, "112");
}

/* Calls the request handler the server uses, with a query string. */
static int get(struct hubsim *hs, const char *path, const char *query, struct fc_buf *body)
{
    char q[1024];
    snprintf(q, sizeof(q), "%s", query);
    const char *keys[32], *vals[32];
    size_t n = 0;
    for (char *tok = strtok(q, "&"); tok && n < 32; tok = strtok(NULL, "&")) {
        char *eq = strchr(tok, '=');
        keys[n] = tok;
        vals[n] = eq ? (*eq = '\0', eq + 1) : "";
        n++;
    }
    struct sim_response resp = {0};
    hubsim_handle(hs, "GET", path, keys, vals, n, NULL, 0, &resp);
    fc_buf_reset(body);
    fc_buf_puts(body, resp.body.data ? resp.body.data : "");
    fc_buf_cleanup(&resp.body);
    return resp.status;
}

/* Pages through castsByFid of a big account in both directions: every
 * message exactly once, in (timestamp, hash) order. */
static void pagination_returns_each_message_once(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 2000, 86400, 10, 0);
    uint64_t fid = 0;
    for (uint64_t f = 1; f <= 2000 && !fid; f++)
        if (sim_count(&w.s.p, f, K_CAST) > 150)
            fid = f;
    assert_true(fid > 0);
    struct sim_msg *all;
    pthread_mutex_lock(&w.s.lock);
    size_t total = sim_state_list(&w.s, fid, K_CAST, &all);
    pthread_mutex_unlock(&w.s.lock);
    for (int reverse = 0; reverse < 2; reverse++) {
        char token[128] = "";
        size_t seen = 0;
        struct fc_buf body = FC_BUF_INIT;
        for (int page = 0; page < 1000; page++) {
            char q[512];
            snprintf(q, sizeof(q), "fid=%llu&pageSize=37%s%s%s", (unsigned long long)fid,
                     reverse ? "&reverse=true" : "", *token ? "&pageToken=" : "", token);
            assert_int_equal(get(w.hs, "/v1/castsByFid", q, &body), 200);
            char err[128];
            yajl_val root = yajl_tree_parse(body.data, err, sizeof(err));
            assert_non_null(root);
            const char *mp[] = {"messages", NULL}, *tp[] = {"nextPageToken", NULL};
            yajl_val msgs = yajl_tree_get(root, mp, yajl_t_array);
            yajl_val tok = yajl_tree_get(root, tp, yajl_t_string);
            assert_non_null(msgs);
            assert_non_null(tok);
            for (size_t i = 0; i < YAJL_GET_ARRAY(msgs)->len; i++) {
                const char *hp[] = {"hash", NULL};
                yajl_val h = yajl_tree_get(YAJL_GET_ARRAY(msgs)->values[i], hp, yajl_t_string);
                size_t want = reverse ? total - 1 - seen : seen;
                char hex[43];
                snprintf(hex, sizeof(hex), "0x");
                for (int k = 0; k < 20; k++)
                    snprintf(hex + 2 + 2 * k, 3, "%02x", all[want].hash[k]);
                assert_string_equal(YAJL_GET_STRING(h), hex);
                seen++;
            }
            snprintf(token, sizeof(token), "%s", YAJL_GET_STRING(tok));
            yajl_tree_free(root);
            if (!*token)
                break;
        }
        assert_int_equal(seen, total);
        fc_buf_cleanup(&body);
    }
    free(all);
    world_stop(&w);
}

/* After live ticks, every merged message is listed by its *ByFid endpoint
 * and every deleted one is gone. */
static void live_events_agree_with_by_fid(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 300, 86400, 40, 30);
    size_t merges = 0, deletes = 0, prunes = 0;
    for (unsigned sh = 1; sh <= 2; sh++) {
        struct sim_event_log *log = sim_state_log(&w.s, sh);
        for (size_t i = log->start; i < log->len; i++) {
            const struct sim_event *e = &log->ev[i];
            if (e->type == EV_BLOCK_CONFIRMED || e->type == EV_MERGE_ON_CHAIN_EVENT)
                continue;
            enum sim_kind k = e->msg.type <= 2 ? K_CAST : e->msg.type <= 4 ? K_REACTION
                              : e->msg.type <= 6 ? K_LINK : e->msg.type <= 8 ? K_VERIF : K_USERDATA;
            struct sim_msg *list;
            size_t n = sim_state_list(&w.s, e->msg.fid, k, &list);
            bool msg_listed = false, deleted_listed = false;
            for (size_t j = 0; j < n; j++) {
                msg_listed |= memcmp(list[j].hash, e->msg.hash, 20) == 0;
                deleted_listed |= e->has_deleted && memcmp(list[j].hash, e->deleted.hash, 20) == 0;
            }
            free(list);
            assert_false(deleted_listed);
            if (e->type != EV_MERGE_MESSAGE) {
                assert_false(msg_listed); /* pruned / revoked */
                prunes++;
                continue;
            }
            /* Later events may have deleted it again; check only the last
             * event touching this message. */
            bool later = false;
            for (size_t j = i + 1; j < log->len && !later; j++)
                later = log->ev[j].type != EV_BLOCK_CONFIRMED &&
                        (memcmp(log->ev[j].msg.hash, e->msg.hash, 20) == 0 ||
                         (log->ev[j].has_deleted &&
                          memcmp(log->ev[j].deleted.hash, e->msg.hash, 20) == 0));
            bool listed_type = e->msg.type == MT_CAST_ADD || e->msg.type == MT_CAST_REMOVE ||
                               e->msg.type == MT_REACTION_ADD || e->msg.type == MT_LINK_ADD ||
                               e->msg.type == MT_VERIF_ADD || e->msg.type == MT_USER_DATA_ADD;
            if (!later && listed_type)
                assert_true(msg_listed);
            if (!listed_type)
                assert_false(msg_listed); /* removes of reactions/links are not listed */
            merges++;
            deletes += e->has_deleted;
        }
    }
    assert_true(merges > 100);
    assert_true(deletes > 5);
    assert_true(prunes > 0);
    world_stop(&w);
}

static bool same_key(const struct sim_msg *a, const struct sim_msg *b)
{
    return a->fid == b->fid && a->target_fid == b->target_fid &&
           (a->type == MT_LINK_ADD || a->type == MT_LINK_REMOVE ||
            (a->sub == b->sub && a->target_idx == b->target_idx));
}

/* The live stream holds only changes a hub would merge: a bio change beats
 * the bio it replaces by (timestamp, hash), and no follow or reaction is
 * added again in the second it was removed (a remove wins a tie). Few
 * accounts and many events a second make both ties common. */
static void live_changes_win_by_the_hubs_rules(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 40, 86400, 200, 60);
    size_t same_second_bios = 0, readds = 0;
    for (unsigned sh = 1; sh <= 2; sh++) {
        struct sim_event_log *log = sim_state_log(&w.s, sh);
        size_t tick_start = log->start;
        for (size_t i = log->start; i < log->len; i++) {
            const struct sim_event *e = &log->ev[i];
            if (e->tick != log->ev[tick_start].tick)
                tick_start = i;
            if (e->type != EV_MERGE_MESSAGE)
                continue;
            const struct sim_msg *m = &e->msg;
            if (m->type == MT_USER_DATA_ADD && e->has_deleted) {
                const struct sim_msg *d = &e->deleted;
                same_second_bios += d->ts == m->ts;
                if (d->ts > m->ts || (d->ts == m->ts && memcmp(d->hash, m->hash, 20) > 0))
                    fail_msg("fid %llu: bio at %u replaced by one it beats",
                             (unsigned long long)m->fid, (unsigned)m->ts);
            }
            if (m->type != MT_REACTION_ADD && m->type != MT_LINK_ADD)
                continue;
            for (size_t j = tick_start; j < i; j++) {
                const struct sim_msg *r = &log->ev[j].msg;
                if (log->ev[j].type == EV_MERGE_MESSAGE && r->ts == m->ts &&
                    r->type == m->type + 1 && same_key(m, r))
                    fail_msg("fid %llu: %s added again in the second it was removed",
                             (unsigned long long)m->fid, m->type == MT_LINK_ADD ? "follow"
                                                                             : "reaction");
            }
            for (size_t j = log->start; j < i; j++)
                readds += log->ev[j].type == EV_MERGE_MESSAGE &&
                          log->ev[j].msg.type == m->type + 1 && same_key(m, &log->ev[j].msg);
        }
    }
    /* the ties this test is about did come up (bios) or nearly (re-adds in a
     * later second) */
    assert_true(same_second_bios > 0);
    assert_true(readds > 0);
    world_stop(&w);
}


/* A request to the server and what it answers: the status, and the body
 * exactly (body) or a part of it (body_has), when not NULL. */
struct answer {
    const char *path, *query;
    int status;
    const char *body, *body_has;
};

static void expect_answers(struct hubsim *hs, const struct answer *a, size_t n)
{
    struct fc_buf b = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        int status = get(hs, a[i].path, a[i].query, &b);
        if (status != a[i].status)
            fail_msg("%s?%s: status %d, want %d", a[i].path, a[i].query, status, a[i].status);
        if (a[i].body)
            assert_string_equal(b.data, a[i].body);
        if (a[i].body_has)
            assert_non_null(strstr(b.data, a[i].body_has));
    }
    fc_buf_cleanup(&b);
}

static void bad_requests_get_the_servers_errors(void **state)
{
    (void)state;
    static const struct answer snapchain[] = {
        {"/v1/castsByFid", "", 400, "Invalid query parameters: missing field `fid`", NULL},
        {"/v1/castsByFid", "fid=1&reverse=1", 400, NULL, NULL},
        {"/v1/reactionsByFid", "fid=1", 400, NULL, "reaction_type"},
        {"/v1/reactionsByFid", "fid=1&reaction_type=None", 200, NULL, NULL},
        {"/v1/castById", "fid=1&hash=0x0000000000000000000000000000000000000000", 400, NULL,
         "NotFound"},
        {"/v1/castsByFid/", "fid=1", 404, "Not Found", NULL},
        {"/v1/fids", "", 400, NULL, NULL},
        {"/v1/events", "shard_index=9", 400, NULL, "Shard not found"},
        {"/v1/castsByFid", "fid=1&pageToken=%%%", 400, NULL, NULL},
        {"/v1/castsByFid", "fid=99999", 200, "{\"messages\":[],\"nextPageToken\":\"\"}", NULL},
    };
    static const struct answer hubble[] = {
        {"/v1/castById", "fid=1&hash=0x0000000000000000000000000000000000000000", 400, NULL,
         "\"errCode\":\"not_found\""},
        {"/v1/nope", "", 404, NULL, "Route GET:/v1/nope not found"},
        /* any reverse value means reverse; events page of at most 100 */
        {"/v1/castsByFid", "fid=1&reverse=0", 200, NULL, NULL},
        {"/v1/events", "from_event_id=0", 200, NULL, "{\"nextPageEventId\":1,\"events\":[]}"},
    };
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 100, 86400, 10, 0);
    expect_answers(w.hs, snapchain, sizeof(snapchain) / sizeof(snapchain[0]));
    world_stop(&w);
    world_start(&w, SIM_HUBBLE, 100, 86400, 10, 0);
    expect_answers(w.hs, hubble, sizeof(hubble) / sizeof(hubble[0]));
    world_stop(&w);
}

/* Followers through the fan-out endpoint: small pages give exactly the
 * full set, the token ends as [null,null], and the set equals the links
 * found by scanning every account. */
static void fanout_followers_are_complete(void **state)
{
    (void)state;
    struct world w;
    world_start(&w, SIM_SNAPCHAIN, 400, 86400, 30, 20);
    uint64_t target = sim_popular_fid(&w.s.p, 12345);
    size_t want = 0;
    for (uint64_t f = 1; f <= w.s.p.n_fids; f++) {
        struct sim_msg *list;
        size_t n = sim_state_list(&w.s, f, K_LINK, &list);
        for (size_t i = 0; i < n; i++)
            want += list[i].target_fid == target;
        free(list);
    }
    assert_true(want > 3);
    struct fc_buf b = FC_BUF_INIT;
    char token[2048] = "", q[2600];
    size_t got = 0;
    for (int page = 0; page < 500; page++) {
        snprintf(q, sizeof(q), "target_fid=%llu&link_type=follow&pageSize=2%s%s",
                 (unsigned long long)target, *token ? "&pageToken=" : "", token);
        assert_int_equal(get(w.hs, "/v1/linksByTargetFid", q, &b), 200);
        for (char *m = b.data; (m = strstr(m, "MESSAGE_TYPE_LINK_ADD")); m++)
            got++;
        char *t = strstr(b.data, "\"nextPageToken\":\"");
        assert_non_null(t);
        t += 17;
        char *end = strchr(t, '"');
        snprintf(token, sizeof(token), "%.*s", (int)(end - t), t);
        uint8_t dec[1024];
        size_t dn;
        assert_int_equal(fc_base64_decode(token, strlen(token), dec, sizeof(dec), &dn, NULL), FC_OK);
        if (dn == 11 && memcmp(dec, "[null,null]", 11) == 0)
            break;
    }
    assert_int_equal(got, want);
    /* a token for another shard count is refused */
    assert_int_equal(get(w.hs, "/v1/linksByTargetFid",
                         "target_fid=1&link_type=follow&pageToken=W251bGxd", &b), 400);
    assert_non_null(strstr(b.data, "does not match number of shards"));
    assert_int_equal(get(w.hs, "/v1/linksByTargetFid", "target_fid=1", &b), 400);
    fc_buf_cleanup(&b);
    world_stop(&w);
}

FCT_MAIN(NULL, NULL, same_seed_same_bytes, heavy_tailed_counts_and_power_law_follows,
         shard_rule_matches_recorded_fixture, event_id_layouts, retention_drops_old_events,
         signer_metadata_is_abi_encoded, base58_vector, pagination_returns_each_message_once,
         live_events_agree_with_by_fid, live_changes_win_by_the_hubs_rules,
         bad_requests_get_the_servers_errors, fanout_followers_are_complete)
