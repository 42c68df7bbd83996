/* The hubsim binary over real HTTP: response shapes in both flavours,
 * determinism across instances, every fault kind, corpus byte-exactness,
 * live mode and truth. */
#define _GNU_SOURCE
#include "support/hubsim_ctl.h"
#include "support/json.h"
#include "support/testenv.h"

#include <curl/curl.h>
#include <stdbool.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static yajl_val parse(const char *text)
{
    char err[256];
    return yajl_tree_parse(text, err, sizeof(err));
}

static void url(char *out, size_t n, int port, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d%.1000s", port, path);
}

static void get_ok(int port, const char *path, struct fct_http *h)
{
    char u[1100];
    url(u, sizeof(u), port, path);
    fct_http_do(u, NULL, 10000, h);
    if (h->status != 200)
        fail_msg("GET %s: status %ld curl %d body %s", path, h->status, h->curl_code, h->body.data);
}

/* GET path answers 200, its body holding needle (has) or not (!has). */
static void body_says(int port, const char *path, const char *needle, bool has)
{
    struct fct_http h;
    get_ok(port, path, &h);
    if ((strstr(h.body.data, needle) != NULL) != has)
        fail_msg("GET %s: %s \"%s\" in %.500s", path, has ? "no" : "an unexpected", needle,
                 h.body.data);
    fct_http_cleanup(&h);
}

static bool has_key(yajl_val obj, const char *key, yajl_type type)
{
    const char *p[] = {key, NULL};
    return yajl_tree_get(obj, p, type) != NULL;
}

static void snapchain_shapes(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--seed", "3", "--fids", "500", "--history-ticks",
                                                 "5", NULL}, &port);
    struct fct_http h;
    get_ok(port, "/v1/info", &h);
    yajl_val v = parse(h.body.data);
    assert_true(has_key(v, "numShards", yajl_t_number));
    assert_true(has_key(v, "shardInfos", yajl_t_array));
    assert_true(has_key(v, "dbStats", yajl_t_object));
    yajl_tree_free(v);
    fct_http_cleanup(&h);

    get_ok(port, "/v1/castsByFid?fid=2&pageSize=3", &h);
    v = parse(h.body.data);
    assert_true(has_key(v, "messages", yajl_t_array));
    assert_true(has_key(v, "nextPageToken", yajl_t_string));
    yajl_val first = YAJL_GET_ARRAY(yajl_tree_get(v, (const char *[]){"messages", NULL}, yajl_t_array))->values[0];
    assert_true(has_key(first, "data", yajl_t_object));
    assert_true(has_key(first, "hash", yajl_t_string));
    assert_true(has_key(first, "signer", yajl_t_string));
    assert_null(strstr(h.body.data, "dataBytes")); /* Snapchain never sends it */
    yajl_tree_free(v);
    fct_http_cleanup(&h);

    body_says(port, "/v1/linksByFid?fid=2", "\"displayTimestamp\":null", true);

    get_ok(port, "/v1/events?shard_index=1&from_event_id=0&page_size=5", &h);
    v = parse(h.body.data);
    assert_true(has_key(v, "events", yajl_t_array));
    assert_false(has_key(v, "nextPageEventId", yajl_t_any));
    assert_non_null(strstr(h.body.data, "HUB_EVENT_TYPE_BLOCK_CONFIRMED"));
    yajl_tree_free(v);
    fct_http_cleanup(&h);

    body_says(port, "/v1/fids?shard_id=2&pageSize=10", "\"fids\":[", true);
    body_says(port, "/v1/onChainSignersByFid?fid=2", "\"tier_purchase_event_body\":null", true);
    body_says(port, "/v1/onChainEventsByFid?fid=2&event_type=EVENT_TYPE_ID_REGISTER",
              "\"eventType\":\"Register\"", true);
    body_says(port, "/v1/userNameProofsByFid?fid=2", "USERNAME_TYPE_FNAME", true);
    body_says(port, "/v1/userDataByFid?fid=2", "USER_DATA_TYPE_USERNAME", true);
    fct_hubsim_stop(pid);
}

static void hubble_shapes(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--flavour", "hubble", "--fids", "300",
                                                 "--history-ticks", "10", NULL}, &port);
    struct fct_http h;
    body_says(port, "/v1/info", "numShards", false);
    get_ok(port, "/v1/events?from_event_id=0", &h);
    yajl_val v = parse(h.body.data);
    assert_true(has_key(v, "nextPageEventId", yajl_t_number));
    yajl_val evs = yajl_tree_get(v, (const char *[]){"events", NULL}, yajl_t_array);
    assert_non_null(evs);
    assert_true(YAJL_GET_ARRAY(evs)->len <= 100);
    assert_null(strstr(h.body.data, "BLOCK_CONFIRMED"));
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    body_says(port, "/v1/linksByFid?fid=2", "displayTimestamp", false);
    body_says(port, "/v1/onChainEventsByFid?fid=2&event_type=3", "ID_REGISTER_EVENT_TYPE_REGISTER",
              true);
    fct_hubsim_stop(pid);
}

static void same_seed_same_bytes_across_instances(void **state)
{
    (void)state;
    int pa, pb;
    const char *args[] = {"--seed", "11", "--fids", "800", "--history-ticks", "8", NULL};
    int a = fct_hubsim_start(args, &pa), b = fct_hubsim_start(args, &pb);
    const char *paths[] = {"/v1/castsByFid?fid=17", "/v1/reactionsByFid?fid=17&reaction_type=None",
                           "/v1/events?shard_index=1&from_event_id=0",
                           "/v1/events?shard_index=2&from_event_id=0", "/v1/userDataByFid?fid=3"};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct fct_http x, y;
        get_ok(pa, paths[i], &x);
        get_ok(pb, paths[i], &y);
        assert_string_equal(x.body.data, y.body.data);
        fct_http_cleanup(&x);
        fct_http_cleanup(&y);
    }
    fct_hubsim_stop(a);
    fct_hubsim_stop(b);
}

static void each_fault_does_what_it_says(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--fids", "200", NULL}, &port);
    char u[256];
    struct fct_http h;
    url(u, sizeof(u), port, "/v1/castsByFid?fid=3");

    fct_hubsim_faults(port, "{\"endpoint\":\"/v1/castsByFid\",\"error_rate\":1}");
    for (int i = 0; i < 6; i++) {
        fct_http_do(u, NULL, 5000, &h);
        assert_true(h.status == 500 || h.status == 502 || h.status == 503);
        fct_http_cleanup(&h);
    }
    /* Other endpoints are untouched by a per-endpoint rule. */
    get_ok(port, "/v1/linksByFid?fid=3", &h);
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"rate_limit_rate\":1,\"retry_after_s\":7}");
    fct_http_do(u, NULL, 5000, &h);
    assert_int_equal(h.status, 429);
    assert_non_null(strcasestr(h.headers.data, "Retry-After: 7"));
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"truncate_rate\":1}");
    fct_http_do(u, NULL, 5000, &h);
    assert_int_equal(h.status, 200);
    yajl_val v = parse(h.body.data);
    assert_null(v); /* cut in half: not JSON */
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"broken_json_rate\":1}");
    fct_http_do(u, NULL, 5000, &h);
    assert_null(parse(h.body.data));
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"reset_rate\":1}");
    fct_http_do(u, NULL, 5000, &h);
    assert_int_not_equal(h.curl_code, 0); /* connection closed mid-body */
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"hang_rate\":1,\"hang_ms\":3000}");
    fct_http_do(u, NULL, 400, &h);
    assert_int_equal(h.curl_code, 28); /* CURLE_OPERATION_TIMEDOUT */
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"latency_ms\":300}");
    fct_http_do(u, NULL, 5000, &h);
    assert_int_equal(h.status, 200);
    assert_true(h.seconds >= 0.29);
    fct_http_cleanup(&h);

    fct_hubsim_faults(port, "{\"clear\":true,\"slow_rate\":1,\"slow_bytes_per_sec\":20000}");
    fct_http_do(u, NULL, 20000, &h);
    assert_int_equal(h.status, 200);
    yajl_val slow = parse(h.body.data);
    assert_non_null(slow); /* slow but whole */
    yajl_tree_free(slow);
    assert_true(h.seconds >= (double)(h.body.len / 2000) * 0.1 * 0.7);
    fct_http_cleanup(&h);

    /* Bad control input is refused with a reason. */
    char cu[256];
    url(cu, sizeof(cu), port, "/_sim/faults");
    fct_http_do(cu, "{\"error_rate\":2}", 5000, &h);
    assert_int_equal(h.status, 400);
    assert_non_null(strstr(h.body.data, "out of range"));
    fct_http_cleanup(&h);
    fct_http_do(cu, "{\"errror_rate\":1}", 5000, &h);
    assert_int_equal(h.status, 400);
    assert_non_null(strstr(h.body.data, "unknown key"));
    fct_http_cleanup(&h);

    /* Stats count requests per endpoint and faults injected. */
    get_ok(port, "/_sim/stats", &h);
    assert_non_null(strstr(h.body.data, "\"/v1/castsByFid\":"));
    assert_non_null(strstr(h.body.data, "\"truncate\":1"));
    assert_non_null(strstr(h.body.data, "\"hang\":1"));
    fct_http_cleanup(&h);

    /* Whole server down: connections refused, then it comes back. */
    fct_hubsim_faults(port, "{\"clear\":true,\"down_ms\":800}");
    int refused = 0;
    for (long long end = fct_now_ms() + 800; !refused && fct_now_ms() < end; usleep(20000)) {
        fct_http_do(u, NULL, 500, &h);
        refused = h.curl_code == 7; /* CURLE_COULDNT_CONNECT */
        fct_http_cleanup(&h);
    }
    assert_true(refused);
    int ok = 0;
    for (int i = 0; i < 50 && !ok; i++) {
        usleep(100000);
        fct_http_do(u, NULL, 1000, &h);
        ok = h.status == 200;
        fct_http_cleanup(&h);
    }
    assert_true(ok);
    fct_hubsim_stop(pid);
}

static void faults_are_reproducible(void **state)
{
    (void)state;
    char seq[2][64];
    for (int run = 0; run < 2; run++) {
        int port;
        int pid = fct_hubsim_start((const char *[]){"--fids", "100", "--fault-seed", "9",
                                                     "--faults", "{\"error_rate\":0.5}", NULL},
                                   &port);
        char u[256];
        url(u, sizeof(u), port, "/v1/castsByFid?fid=1");
        for (int i = 0; i < 40; i++) {
            struct fct_http h;
            fct_http_do(u, NULL, 5000, &h);
            seq[run][i] = h.status == 200 ? '.' : 'E';
            fct_http_cleanup(&h);
        }
        seq[run][40] = '\0';
        fct_hubsim_stop(pid);
    }
    assert_string_equal(seq[0], seq[1]);
    assert_non_null(strchr(seq[0], 'E'));
    assert_non_null(strchr(seq[0], '.'));
}


static void corpus_serves_fixture_bytes(void **state)
{
    (void)state;
    const char *dir = fct_require_env("FCINDEX_FIXTURES");
    yajl_val m = fct_json_fixture("manifest.json");
    yajl_val files = yajl_tree_get(m, (const char *[]){"files", NULL}, yajl_t_array);
    assert_non_null(files);
    const char *dialects[] = {"snapchain", "hubble"};
    for (int d = 0; d < 2; d++) {
        int port;
        int pid = fct_hubsim_start((const char *[]){"--corpus", dir, "--flavour", dialects[d],
                                                     NULL}, &port);
        size_t checked = 0;
        for (size_t i = 0; i < YAJL_GET_ARRAY(files)->len; i++) {
            yajl_val f = YAJL_GET_ARRAY(files)->values[i];
            const char *dia = YAJL_GET_STRING(yajl_tree_get(f, (const char *[]){"dialect", NULL}, yajl_t_string));
            if (strcmp(dia, dialects[d]) != 0)
                continue;
            const char *u = YAJL_GET_STRING(yajl_tree_get(f, (const char *[]){"url", NULL}, yajl_t_string));
            const char *file = YAJL_GET_STRING(yajl_tree_get(f, (const char *[]){"file", NULL}, yajl_t_string));
            struct fct_http h;
            get_ok(port, u, &h);
            char fpath[1024];
            snprintf(fpath, sizeof(fpath), "%s/%s", dir, file);
            size_t len;
            char *want = fc_read_file(fpath, &len);
            assert_non_null(want);
            if (h.body.len != len || memcmp(h.body.data, want, len) != 0)
                fail_msg("%s: served bytes differ from %s", u, file);
            free(want);
            fct_http_cleanup(&h);
            checked++;
        }
        assert_true(checked > 300);
        /* Re-paginated with another page size: same messages, in order. */
        struct fct_http all, page;
        get_ok(port, "/v1/castsByFid?fid=18307&pageSize=1000", &all);
        size_t count_all = 0;
        for (char *p = all.body.data; (p = strstr(p, "\"hashScheme\"")); p++)
            count_all++;
        size_t count = 0;
        char token[128] = "";
        for (int i = 0; i < 100; i++) {
            char path[512];
            snprintf(path, sizeof(path), "/v1/castsByFid?fid=18307&pageSize=2%s%s",
                     *token ? "&pageToken=" : "", token);
            get_ok(port, path, &page);
            for (char *p = page.body.data; (p = strstr(p, "\"hashScheme\"")); p++)
                count++;
            yajl_val v = parse(page.body.data);
            const char *t = YAJL_GET_STRING(yajl_tree_get(v, (const char *[]){"nextPageToken", NULL}, yajl_t_string));
            /* tokens are base64 and may hold + / =: percent-encode them */
            char *esc = curl_escape(t, 0);
            snprintf(token, sizeof(token), "%s", esc);
            curl_free(esc);
            yajl_tree_free(v);
            fct_http_cleanup(&page);
            if (!*token)
                break;
        }
        assert_true(count_all > 5);
        assert_int_equal(count, count_all);
        fct_http_cleanup(&all);
        /* Followers by fan-out match the recorded ground truth (fid 2079: 3). */
        get_ok(port, d == 0 ? "/v1/linksByTargetFid?target_fid=2079&link_type=follow"
                            : "/v1/linksByTargetFid?target_fid=2079", &page);
        size_t followers = 0;
        for (char *p = page.body.data; (p = strstr(p, "MESSAGE_TYPE_LINK_ADD")); p++)
            followers++;
        assert_int_equal(followers, 3);
        if (d == 0)
            assert_non_null(strstr(page.body.data, "\"nextPageToken\":\"W251bGwsbnVsbF0=\""));
        fct_http_cleanup(&page);
        /* Data the corpus lacks: an empty page, as a real server answers. */
        get_ok(port, "/v1/castsByFid?fid=424242", &page);
        assert_string_equal(page.body.data, "{\"messages\":[],\"nextPageToken\":\"\"}");
        fct_http_cleanup(&page);
        fct_hubsim_stop(pid);
    }
    yajl_tree_free(m);
}

static void live_mode_advances_and_stays_consistent(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--fids", "200", "--events-per-sec", "400",
                                                 "--tick-ms", "50", NULL}, &port);
    /* three blocks on within 10 s */
    fct_hubsim_wait_tick(port, fct_hubsim_head_tick(port) + 3, 10000);
    /* The first cast merged by the stream is listed by castsByFid. */
    struct fct_http h;
    get_ok(port, "/v1/events?shard_index=1&from_event_id=0&page_size=200", &h);
    static const char merge[] =
        "\"mergeMessageBody\":{\"message\":{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\",\"fid\":";
    char *m = strstr(h.body.data, merge);
    assert_non_null(m);
    unsigned long long fid = strtoull(m + strlen(merge), NULL, 10);
    /* the message's own hash comes after its body */
    char *hash = strstr(m, "},\"hash\":\"");
    assert_non_null(hash);
    char want[43];
    memcpy(want, hash + 10, 42);
    want[42] = '\0';
    fct_http_cleanup(&h);
    char path[256];
    snprintf(path, sizeof(path), "/v1/castsByFid?fid=%llu&reverse=true&pageSize=1000", fid);
    get_ok(port, path, &h);
    bool present = strstr(h.body.data, want) != NULL;
    fct_http_cleanup(&h);
    if (!present) {
        /* it may have been deleted since: then an event names it */
        get_ok(port, "/v1/events?shard_index=1&from_event_id=0&page_size=100000", &h);
        char *first = strstr(h.body.data, want);
        assert_non_null(first);
        assert_non_null(strstr(first + 42, want));
        fct_http_cleanup(&h);
    }
    fct_hubsim_stop(pid);
}

static void truth_prints_expected_state(void **state)
{
    (void)state;
    struct fc_buf out = FC_BUF_INIT;
    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", "--seed", "4", "--fids", "300",
                          "--roots", "1,2", "--clients", "9152", "--history-ticks", "20", NULL};
    assert_int_equal(fct_run(argv, NULL, &out), 0);
    yajl_val v = parse(out.data);
    assert_non_null(v);
    yajl_val targets = yajl_tree_get(v, (const char *[]){"targets", NULL}, yajl_t_array);
    assert_non_null(targets);
    size_t roots = 0, follows = 0;
    for (size_t i = 0; i < YAJL_GET_ARRAY(targets)->len; i++) {
        yajl_val t = YAJL_GET_ARRAY(targets)->values[i];
        assert_true(has_key(t, "casts", yajl_t_array));
        assert_true(has_key(t, "profile", yajl_t_object));
        assert_true(has_key(t, "app_fid", yajl_t_number));
        roots += YAJL_IS_TRUE(yajl_tree_get(t, (const char *[]){"is_root", NULL}, yajl_t_any));
        const char *src = YAJL_GET_STRING(yajl_tree_get(t, (const char *[]){"source", NULL}, yajl_t_string));
        follows += strcmp(src, "follow") == 0;
    }
    assert_true(roots >= 2);
    assert_true(follows > 0);
    yajl_tree_free(v);
    /* The same arguments give the same truth. */
    struct fc_buf again = FC_BUF_INIT;
    assert_int_equal(fct_run(argv, NULL, &again), 0);
    assert_string_equal(out.data, again.data);
    fc_buf_cleanup(&again);
    fc_buf_cleanup(&out);
    const char *bad[] = {fct_require_env("HUBSIM_BIN"), "truth", "--fids", "abc", NULL};
    assert_int_equal(fct_run(bad, NULL, &out), 2);
    fc_buf_cleanup(&out);
}

FCT_MAIN(NULL, NULL, snapchain_shapes, hubble_shapes, same_seed_same_bytes_across_instances,
         each_fault_does_what_it_says, faults_are_reproducible, corpus_serves_fixture_bytes,
         live_mode_advances_and_stays_consistent, truth_prints_expected_state)
