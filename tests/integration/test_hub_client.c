#define _GNU_SOURCE /* memmem */
/* The hub client against the real simulator: fail-over order, Retry-After,
 * circuit breaker, pagination that loses and duplicates nothing under
 * faults, bounded call time, flavour detection, request budget. */
#include "support/hubsim_ctl.h"
#include "support/testenv.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"
#include "core/hex.h"
#include "hub/client.h"

static struct fc_hub_conf hub_conf(const char *url, int timeout_ms)
{
    struct fc_hub_conf h;
    memset(&h, 0, sizeof(h));
    h.name = (char *)url;
    h.url = (char *)url;
    h.connect_timeout_ms = 1000;
    h.timeout_ms = timeout_ms;
    h.budget_burst = 50;
    return h;
}

static char urls[4][64];

static const char *url_of(int i, int port)
{
    snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%d", port);
    return urls[i];
}

struct hashes {
    struct fc_buf list;
    size_t n;
};

static void collect_hash(void *ud, const struct fc_item *it)
{
    struct hashes *h = ud;
    if (it->kind != FC_ITEM_MESSAGE)
        return;
    char hex[43];
    fc_hex_encode(it->message->hash, 20, hex);
    fc_buf_printf(&h->list, "%s\n", hex);
    h->n++;
}

/* A client with options o, asserted made, and a connection of it. */
static struct fc_hub_conn *client_connect(const struct fc_hub_client_options *o,
                                          struct fc_hub_client **c)
{
    struct fc_diag d;
    assert_int_equal(fc_hub_client_new(o, c, &d), FC_OK);
    return fc_hub_conn_new(*c);
}

static void client_close(struct fc_hub_conn *conn, struct fc_hub_client *c)
{
    fc_hub_conn_free(conn);
    fc_hub_client_free(c);
}

/* A simulator started with sim_args and a connected client of it as its one
 * hub: calls time out after timeout_ms, the other options are o's. */
struct one_hub {
    int pid, port;
    char url[64];
    struct fc_hub_conf conf;
    struct fc_hub_client *c;
    struct fc_hub_conn *conn;
};

static void one_hub_start(struct one_hub *h, const char *const *sim_args, int timeout_ms,
                          struct fc_hub_client_options o)
{
    h->pid = fct_hubsim_start(sim_args, &h->port);
    snprintf(h->url, sizeof(h->url), "http://127.0.0.1:%d", h->port);
    h->conf = hub_conf(h->url, timeout_ms);
    o.hubs = &h->conf;
    o.n_hubs = 1;
    h->conn = client_connect(&o, &h->c);
}

/* one_hub_start on a simulator of 100 fids with faults (--faults JSON). */
static void one_faulty_hub_start(struct one_hub *h, const char *faults, int timeout_ms,
                                 struct fc_hub_client_options o)
{
    one_hub_start(h, (const char *[]){"--fids", "100", "--faults", faults, NULL}, timeout_ms, o);
}

static void one_hub_stop(struct one_hub *h)
{
    client_close(h->conn, h->c);
    fct_hubsim_stop(h->pid);
}

/* The casts of fid 2, from hub `hub` (-1: any, failing over), into h. */
static enum fc_err casts_of_fid_2(struct fc_hub_conn *conn, int hub, struct hashes *h,
                                  struct fc_hub_page *page, struct fc_diag *d)
{
    return fc_hub_get(conn, "/v1/castsByFid?fid=2", FC_PAGE_MESSAGES, hub, collect_hash, h, page,
                      d);
}

/* How long (ms) casts_of_fid_2 took to fail with FC_ERR_UNAVAILABLE (its
 * reason in *d) on hub, which never answers it well. */
static int64_t unavailable_after_ms(struct one_hub *hub, struct fc_diag *d)
{
    struct hashes h = {FC_BUF_INIT, 0};
    int64_t t0 = fc_now_mono_ms();
    assert_int_equal(casts_of_fid_2(hub->conn, -1, &h, NULL, d), FC_ERR_UNAVAILABLE);
    int64_t took = fc_now_mono_ms() - t0;
    fc_buf_cleanup(&h.list);
    return took;
}

/* A fid with several pages of casts at page size 7. */
static uint64_t busy_fid(struct fc_hub_conn *conn)
{
    for (uint64_t fid = 1; fid < 300; fid++) {
        struct hashes h = {FC_BUF_INIT, 0};
        char path[64];
        snprintf(path, sizeof(path), "/v1/castsByFid?fid=%llu&pageSize=1000",
                 (unsigned long long)fid);
        struct fc_diag d;
        if (fc_hub_get(conn, path, FC_PAGE_MESSAGES, -1, collect_hash, &h, NULL, &d) == FC_OK &&
            h.n > 40) {
            fc_buf_cleanup(&h.list);
            return fid;
        }
        fc_buf_cleanup(&h.list);
    }
    fail_msg("no busy fid");
    return 0;
}

static void paginate(struct fc_hub_conn *conn, uint64_t fid, struct hashes *out, enum fc_err want)
{
    char path[64];
    snprintf(path, sizeof(path), "/v1/castsByFid?fid=%llu", (unsigned long long)fid);
    memset(out, 0, sizeof(*out));
    fc_buf_puts(&out->list, "");
    struct fc_diag d;
    size_t pages;
    enum fc_err err = fc_hub_paginate(conn, path, 7, FC_PAGE_MESSAGES, collect_hash, out, &pages, &d);
    if (err != want)
        fail_msg("paginate: %s", d.msg);
}

static void pagination_and_flavours(void **state)
{
    (void)state;
    const char *flavours[] = {"snapchain", "hubble"};
    for (int f = 0; f < 2; f++) {
        struct one_hub hub;
        one_hub_start(&hub, (const char *[]){"--flavour", flavours[f], "--fids", "300", NULL},
                      10000, (struct fc_hub_client_options){.retries = 2, .jitter_seed = 1});
        struct fc_diag d;
        struct fc_hub_info info;
        size_t answered;
        assert_int_equal(fc_hub_info(hub.conn, -1, &info, &answered, &d), FC_OK);
        assert_int_equal(info.snapchain, f == 0);
        if (f == 0) {
            assert_int_equal(info.num_shards, 2);
            assert_true(info.max_height[1] >= 7000000);
        }
        uint64_t fid = busy_fid(hub.conn);
        struct hashes all = {FC_BUF_INIT, 0}, paged;
        char path[64];
        snprintf(path, sizeof(path), "/v1/castsByFid?fid=%llu&pageSize=1000", (unsigned long long)fid);
        assert_int_equal(
            fc_hub_get(hub.conn, path, FC_PAGE_MESSAGES, -1, collect_hash, &all, NULL, &d), FC_OK);
        paginate(hub.conn, fid, &paged, FC_OK);
        assert_int_equal(paged.n, all.n);
        assert_string_equal(paged.list.data, all.list.data);
        /* not found and bad requests are answered at once, not retried */
        assert_int_equal(fc_hub_get(hub.conn, "/v1/castById?fid=1&hash=0x0000000000000000000000000000000000000000",
                                    FC_PAGE_AUTO, -1, collect_hash, &all, NULL, &d), FC_ERR_NOT_FOUND);
        if (f == 0) {
            assert_int_equal(fc_hub_get(hub.conn, "/v1/castsByFid?fid=1&reverse=1",
                                        FC_PAGE_MESSAGES, -1, collect_hash, &all, NULL, &d),
                             FC_ERR_INVALID);
            assert_int_equal(fc_hub_client_outcomes(hub.c, 0, FC_HUB_BAD_REQUEST), 1);
        }
        fc_buf_cleanup(&all.list);
        fc_buf_cleanup(&paged.list);
        one_hub_stop(&hub);
    }
}

static void fails_over_in_order(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--fids", "100", NULL}, &port);
    struct fc_hub_conf hubs[] = {hub_conf("http://127.0.0.1:1", 2000), hub_conf(url_of(1, port), 5000)};
    struct fc_hub_client_options o = {.hubs = hubs, .n_hubs = 2, .retries = 3,
                                      .backoff_base_ms = 10, .jitter_seed = 1};
    struct fc_hub_client *c;
    struct fc_hub_conn *conn = client_connect(&o, &c);
    struct fc_diag d;
    struct hashes h = {FC_BUF_INIT, 0};
    struct fc_hub_page page;
    assert_int_equal(casts_of_fid_2(conn, -1, &h, &page, &d), FC_OK);
    assert_int_equal(page.hub, 1);
    assert_int_equal(fc_hub_client_outcomes(c, 0, FC_HUB_CONNECT_ERROR), 1);
    assert_int_equal(fc_hub_client_outcomes(c, 1, FC_HUB_OK), 1);
    /* pinned to the dead hub: no fail-over */
    assert_int_equal(casts_of_fid_2(conn, 0, &h, &page, &d), FC_ERR_UNAVAILABLE);
    assert_int_equal(fc_hub_client_outcomes(c, 1, FC_HUB_OK), 1);
    fc_buf_cleanup(&h.list);
    client_close(conn, c);
    fct_hubsim_stop(pid);
}

static void retry_after_is_respected(void **state)
{
    (void)state;
    struct one_hub hub;
    one_faulty_hub_start(&hub, "{\"rate_limit_rate\":1,\"retry_after_s\":1}", 5000,
                         (struct fc_hub_client_options){.retries = 2, .backoff_base_ms = 10,
                                                        .breaker_failures = 100,
                                                        .jitter_seed = 1});
    struct fc_diag d;
    int64_t took = unavailable_after_ms(&hub, &d);
    assert_true(took >= 1900); /* two waits of Retry-After: 1 s */
    assert_true(took < 6000);
    assert_int_equal(fc_hub_client_outcomes(hub.c, 0, FC_HUB_RATE_LIMITED), 3);
    assert_non_null(strstr(d.msg, "HTTP 429"));
    one_hub_stop(&hub);
}

static void breaker_opens_and_closes(void **state)
{
    (void)state;
    int pa, pb;
    int a = fct_hubsim_start((const char *[]){"--fids", "100", "--faults", "{\"error_rate\":1}", NULL}, &pa);
    int b = fct_hubsim_start((const char *[]){"--fids", "100", NULL}, &pb);
    struct fc_hub_conf hubs[] = {hub_conf(url_of(0, pa), 5000), hub_conf(url_of(1, pb), 5000)};
    struct fc_hub_client_options o = {.hubs = hubs, .n_hubs = 2, .retries = 3, .backoff_base_ms = 5,
                                      .breaker_failures = 3, .breaker_cooldown_ms = 400,
                                      .jitter_seed = 1};
    struct fc_hub_client *c;
    struct fc_hub_conn *conn = client_connect(&o, &c);
    struct fc_diag d;
    struct hashes h = {FC_BUF_INIT, 0};
    for (int i = 0; i < 10; i++) {
        struct fc_hub_page page;
        assert_int_equal(casts_of_fid_2(conn, -1, &h, &page, &d), FC_OK);
        assert_int_equal(page.hub, 1);
    }
    assert_int_equal(fc_hub_client_outcomes(c, 0, FC_HUB_SERVER_ERROR), 3);
    assert_true(fc_hub_client_breaker_open(c, 0));
    assert_int_equal(fct_hubsim_requests(pa, "/v1/castsByFid"), 3); /* skipped while open */
    /* hub A recovers; after the cool-down a probe closes the breaker */
    fct_hubsim_faults(pa, "{\"clear\":true}");
    /* hub B answers until the cool-down ends, then the probe goes to A */
    struct fc_hub_page page;
    long long end = fct_now_ms() + 10000;
    do {
        usleep(50000);
        assert_int_equal(casts_of_fid_2(conn, -1, &h, &page, &d), FC_OK);
    } while (page.hub != 0 && fct_now_ms() < end);
    assert_int_equal(page.hub, 0);
    assert_false(fc_hub_client_breaker_open(c, 0));
    fc_buf_cleanup(&h.list);
    client_close(conn, c);
    fct_hubsim_stop(a);
    fct_hubsim_stop(b);
}

static void pagination_survives_faults(void **state)
{
    (void)state;
    struct one_hub clean, faulty;
    one_hub_start(&clean, (const char *[]){"--fids", "300", NULL}, 5000,
                  (struct fc_hub_client_options){.retries = 0});
    one_hub_start(&faulty,
                  (const char *[]){"--fids", "300", "--fault-seed", "3", "--faults",
                                   "{\"error_rate\":0.15,\"truncate_rate\":0.1,"
                                   "\"reset_rate\":0.1,\"broken_json_rate\":0.1,"
                                   "\"rate_limit_rate\":0.05,\"retry_after_s\":0}",
                                   NULL},
                  5000,
                  (struct fc_hub_client_options){.retries = 20, .backoff_base_ms = 2,
                                                 .backoff_max_ms = 20, .breaker_failures = 1000,
                                                 .jitter_seed = 1});
    uint64_t fid = busy_fid(clean.conn);
    struct hashes want, got;
    paginate(clean.conn, fid, &want, FC_OK);
    paginate(faulty.conn, fid, &got, FC_OK);
    assert_int_equal(got.n, want.n);
    assert_string_equal(got.list.data, want.list.data);
    uint64_t faults = 0;
    for (int k = FC_HUB_RATE_LIMITED; k <= FC_HUB_BAD_JSON; k++)
        faults += fc_hub_client_outcomes(faulty.c, 0, (enum fc_hub_outcome)k);
    assert_true(faults > 0); /* faults really happened and were absorbed */
    fc_buf_cleanup(&want.list);
    fc_buf_cleanup(&got.list);
    one_hub_stop(&clean);
    one_hub_stop(&faulty);
}

static void every_call_is_bounded_in_time(void **state)
{
    (void)state;
    struct one_hub hub;
    one_faulty_hub_start(&hub, "{\"hang_rate\":1,\"hang_ms\":5000}", 300,
                         (struct fc_hub_client_options){.retries = 1, .backoff_base_ms = 10,
                                                        .jitter_seed = 1});
    struct fc_diag d;
    int64_t took = unavailable_after_ms(&hub, &d);
    assert_true(took < 1500); /* 2 attempts x 300 ms timeout + backoff */
    assert_int_equal(fc_hub_client_outcomes(hub.c, 0, FC_HUB_TIMEOUT), 2);
    one_hub_stop(&hub);
}

struct budget_worker {
    struct fc_hub_client *c;
};

static void *budget_thread(void *arg)
{
    struct budget_worker *w = arg;
    struct fc_hub_conn *conn = fc_hub_conn_new(w->c);
    struct hashes h = {FC_BUF_INIT, 0};
    struct fc_diag d;
    /* some requests are refused by the budget on purpose: the test counts
     * what reached the hub, not these results */
    for (int i = 0; i < 5; i++)
        fc_err_ignore(fc_hub_get(conn, "/v1/userDataByFid?fid=2", FC_PAGE_MESSAGES, -1,
                                 collect_hash, &h, NULL, &d));
    fc_buf_cleanup(&h.list);
    fc_hub_conn_free(conn);
    return NULL;
}

static void budget_is_shared_by_workers(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--fids", "100", NULL}, &port);
    struct fc_hub_conf hubs[] = {hub_conf(url_of(0, port), 5000)};
    hubs[0].budget_rps = 20;
    hubs[0].budget_burst = 1;
    struct fc_hub_client_options o = {.hubs = hubs, .n_hubs = 1, .retries = 0};
    struct fc_hub_client *c;
    struct fc_diag d;
    assert_int_equal(fc_hub_client_new(&o, &c, &d), FC_OK);
    struct budget_worker w = {c};
    pthread_t t[3];
    int64_t t0 = fc_now_mono_ms();
    for (int i = 0; i < 3; i++)
        pthread_create(&t[i], NULL, budget_thread, &w);
    for (int i = 0; i < 3; i++)
        pthread_join(t[i], NULL);
    int64_t took = fc_now_mono_ms() - t0;
    /* 15 requests at 20/s after a burst of 1: at least 14/20 s */
    assert_true(took >= 650);
    assert_int_equal(fc_hub_client_outcomes(c, 0, FC_HUB_OK), 15);
    fc_hub_client_free(c);
    fct_hubsim_stop(pid);
}

static void end_of_pages_rule(void **state)
{
    (void)state;
    assert_true(fc_hub_token_is_end(NULL));
    assert_true(fc_hub_token_is_end(""));
    assert_true(fc_hub_token_is_end("W251bGwsbnVsbF0=")); /* [null,null] */
    assert_true(fc_hub_token_is_end("W251bGxd"));         /* [null] */
    assert_false(fc_hub_token_is_end("CJWdNW+N9leTc8Po4rXuuQynoWx7ibeZ"));
    assert_false(fc_hub_token_is_end("W1sxLDJdLG51bGxd")); /* [[1,2],null] */
}

struct id_list {
    uint64_t n, last, disorder, items;
};

static void collect_id(void *ud, const struct fc_item *it)
{
    struct id_list *l = ud;
    l->items++;
    if (it->kind != FC_ITEM_EVENT)
        return;
    if (it->event->id <= l->last && l->n)
        l->disorder++;
    l->last = it->event->id;
    l->n++;
}

/* Reading the whole stream in small pages gives every event once, in order,
 * in both flavours, and matches one big read. */
static void event_paging_per_flavour(void **state)
{
    (void)state;
    const char *flavours[] = {"snapchain", "hubble"};
    for (int f = 0; f < 2; f++) {
        struct one_hub hub;
        one_hub_start(&hub,
                      (const char *[]){"--flavour", flavours[f], "--fids", "200",
                                       "--history-ticks", "30", NULL},
                      5000, (struct fc_hub_client_options){.retries = 1});
        struct fc_diag d;
        unsigned shards = f == 0 ? 2 : 1;
        for (unsigned sh = 1; sh <= shards; sh++) {
            struct id_list small = {0}, big = {0};
            uint64_t from = 0, next;
            size_t n;
            for (int page = 0; page < 10000; page++) {
                assert_int_equal(fc_hub_events_page(hub.conn, f == 0, f == 0 ? sh : 0, from, 37, 0,
                                                    collect_id, &small, &next, &n, &d), FC_OK);
                if (!n)
                    break;
                assert_true(next > from);
                from = next;
            }
            /* an empty page leaves the cursor where it was */
            assert_int_equal(next, from);
            assert_int_equal(fc_hub_events_page(hub.conn, f == 0, f == 0 ? sh : 0, 0, 100000, 0,
                                                collect_id, &big, &next, &n, &d), FC_OK);
            if (f == 1) { /* Hubble serves 100 per page: read on */
                while (n) {
                    uint64_t nf = next;
                    assert_int_equal(fc_hub_events_page(hub.conn, false, 0, nf, 100, 0, collect_id,
                                                        &big, &next, &n, &d), FC_OK);
                }
            }
            assert_true(small.n > 50);
            assert_int_equal(small.n, big.n);
            assert_int_equal(small.disorder, 0);
        }
        one_hub_stop(&hub);
    }
}

/* A hub's page token is escaped whole: it can never add a parameter (one
 * builder serves the client's pagination and the backfill workers'). */
static void page_token_cannot_inject_parameters(void **state)
{
    (void)state;
    struct fc_buf q = FC_BUF_INIT;
    fc_hub_page_query(&q, "/v1/castsByFid?fid=3", 1000, "a+b/c=&fid=9#x y%\x01\xff~._-");
    assert_string_equal(q.data, "/v1/castsByFid?fid=3&pageSize=1000&pageToken="
                                "a%2Bb%2Fc%3D%26fid%3D9%23x%20y%25%01%FF~._-");
    fc_buf_reset(&q);
    fc_hub_page_query(&q, "/v1/fids", 7, "");
    assert_string_equal(q.data, "/v1/fids?pageSize=7");
    fc_buf_cleanup(&q);
}

static void count_items(void *ud, const struct fc_item *it)
{
    (void)it;
    (*(size_t *)ud)++;
}

/* A large page's memory is given back once the page is done, and the next
 * request starts from the small reserve too. */
static void page_memory_is_released(void **state)
{
    (void)state;
    struct one_hub hub;
    one_hub_start(&hub,
                  (const char *[]){"--fids", "300", "--history-ticks", "120", "--events-per-sec",
                                   "100", NULL},
                  20000, (struct fc_hub_client_options){.retries = 1});
    struct fc_diag d;
    size_t n = 0;
    uint64_t next;
    size_t events;
    assert_int_equal(fc_hub_events_page(hub.conn, true, 1, 0, 10000, -1, count_items, &n, &next,
                                        &events, &d), FC_OK);
    assert_true(events > 4000);
    size_t during = fc_hub_conn_retained_bytes(hub.conn);
    fc_hub_conn_release(hub.conn);
    size_t after = fc_hub_conn_retained_bytes(hub.conn);
    fprintf(stderr, "retained: %zu bytes with a %zu-event page, %zu after release\n", during,
            events, after);
    assert_true(during > (2u << 20));
    assert_true(after < (1u << 20));
    one_hub_stop(&hub);
}

/* Error items seen by a page's callback, copied only after the whole page
 * was delivered (the client holds items until the page is complete). */
struct bad_items {
    const struct fc_item *kept[16];
    size_t n_kept;
    size_t items;
    size_t index[16];
};

static void keep_errors(void *ud, const struct fc_item *it)
{
    struct bad_items *b = ud;
    b->items++;
    if (it->kind == FC_ITEM_ERROR && b->n_kept < 16) {
        b->index[b->n_kept] = it->index;
        b->kept[b->n_kept++] = it;
    }
}

/* Under the sanitizers: a bad item at the first, middle and last position
 * of the largest pages of every endpoint the indexer reads (1,000 messages
 * where the network has them; Hubble event pages hold 100), in both
 * dialects. Every bad item arrives as an error whose raw bytes are exactly
 * that element of the page as the hub sent it, read after the page ended. */
static void bad_items_anywhere_in_a_page(void **state)
{
    (void)state;
    const char *flavours[] = {"snapchain", "hubble"};
    for (int f = 0; f < 2; f++) {
        bool snap = f == 0;
        struct one_hub hub;
        one_hub_start(&hub,
                      (const char *[]){"--flavour", flavours[f], "--fids", "20000",
                                       "--history-ticks", "60", "--events-per-sec", "40", NULL},
                      20000, (struct fc_hub_client_options){.retries = 1});
        fct_hubsim_faults(hub.port, "{\"endpoint\":\"*\",\"bad_item_at\":[0,500,-1]}");
        fct_hubsim_faults(hub.port, "{\"endpoint\":\"/v1/events\",\"bad_item_at\":[0,50,-1]}");
        struct fc_diag d;
        /* with seed 1 and 20,000 fids: 1948 has 1,000+ casts and links, 11008 reactions */
        const struct {
            const char *path;
            enum fc_page_kind kind;
            size_t min_items;
        } eps[] = {
            {"/v1/castsByFid?fid=1948&pageSize=1000", FC_PAGE_MESSAGES, 1000},
            {"/v1/linksByFid?fid=1948&pageSize=1000", FC_PAGE_MESSAGES, 1000},
            {snap ? "/v1/reactionsByFid?fid=11008&reaction_type=None&pageSize=1000"
                  : "/v1/reactionsByFid?fid=11008&pageSize=1000", FC_PAGE_MESSAGES, 1000},
            {"/v1/verificationsByFid?fid=11008&pageSize=1000", FC_PAGE_MESSAGES, 2},
            {"/v1/userDataByFid?fid=11008&pageSize=1000", FC_PAGE_MESSAGES, 2},
            {"/v1/userNameProofsByFid?fid=1948", FC_PAGE_PROOFS, 1},
            {"/v1/onChainEventsByFid?fid=1948&event_type=EVENT_TYPE_ID_REGISTER",
             FC_PAGE_ONCHAIN_EVENTS, 1},
            {"/v1/onChainEventsByFid?fid=1948&event_type=EVENT_TYPE_SIGNER",
             FC_PAGE_ONCHAIN_EVENTS, 1},
            {snap ? "/v1/events?shard_index=1&from_event_id=0&page_size=1000"
                  : "/v1/events?from_event_id=0", FC_PAGE_HUB_EVENTS, snap ? 1000 : 100},
        };
        for (size_t e = 0; e < sizeof(eps) / sizeof(eps[0]); e++) {
            char u[256];
            snprintf(u, sizeof(u), "http://127.0.0.1:%d%s", hub.port, eps[e].path);
            struct fct_http h;
            fct_http_do(u, NULL, 20000, &h); /* the same page, as sent (faults are by position) */
            assert_int_equal(h.status, 200);
            struct bad_items b;
            memset(&b, 0, sizeof(b));
            if (fc_hub_get(hub.conn, eps[e].path, eps[e].kind, -1, keep_errors, &b, NULL, &d))
                fail_msg("%s: %s", eps[e].path, d.msg);
            if (b.items < eps[e].min_items)
                fail_msg("%s: %zu items, wanted %zu or more", eps[e].path, b.items,
                         eps[e].min_items);
            /* distinct positions 0, the middle one asked for, and the last */
            size_t mid = strstr(eps[e].path, "/v1/events") ? 50 : 500;
            size_t want = 1 + (mid < b.items - 1) + (b.items > 1);
            if (b.n_kept != want)
                fail_msg("%s %s: %zu bad items, wanted %zu", flavours[f], eps[e].path, b.n_kept, want);
            /* the last item is always among them; the first is unless it could
             * not carry the fault (a block confirmation), then the next one is */
            assert_int_equal(b.index[b.n_kept - 1], b.items - 1);
            assert_true(b.index[0] <= 1);
            for (size_t k = 0; k < b.n_kept; k++) {
                const struct fc_item *it = b.kept[k];
                assert_non_null(it->raw);
                assert_false(it->raw_truncated);
                /* exactly one element of the page: found in the body, between
                 * the array's separators */
                const char *at = memmem(h.body.data, h.body.len, it->raw, it->raw_len);
                if (!at)
                    fail_msg("%s: item %zu's raw bytes are not in the page", eps[e].path,
                             it->index);
                assert_true(at[-1] == '[' || at[-1] == ',');
                assert_true(at[it->raw_len] == ']' || at[it->raw_len] == ',');
                assert_true(it->raw[0] == '{' && it->raw[it->raw_len - 1] == '}');
            }
            fc_hub_conn_release(hub.conn);
            fct_http_cleanup(&h);
        }
        one_hub_stop(&hub);
    }
}

FCT_MAIN(NULL, NULL, end_of_pages_rule, page_token_cannot_inject_parameters,
         page_memory_is_released, bad_items_anywhere_in_a_page, pagination_and_flavours,
         fails_over_in_order, retry_after_is_respected, breaker_opens_and_closes,
         pagination_survives_faults, every_call_is_bounded_in_time, budget_is_shared_by_workers,
         event_paging_per_flavour)
