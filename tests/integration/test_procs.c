/* The process registry: its text form, and one contract for both backends
 * (embedded and Redis), including how a silent process is reported gone. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"
#include "state/procs.h"

static struct fc_proc_status sample(const char *id, const char *role, int64_t started)
{
    struct fc_proc_status s;
    memset(&s, 0, sizeof(s));
    snprintf(s.id, sizeof(s.id), "%s", id);
    snprintf(s.role, sizeof(s.role), "%s", role);
    snprintf(s.host, sizeof(s.host), "box-1");
    snprintf(s.version, sizeof(s.version), "9.9.9");
    s.pid = 4242;
    s.started_unix_ms = started;
    return s;
}

static struct fc_proc_status indexer_sample(void)
{
    struct fc_proc_status s = sample("box-1:4242:1700000000000", "indexer", 1700000000000);
    s.indexer = true;
    s.follower = true;
    s.events_read = 18446744073709551615ULL; /* the largest counter survives */
    s.events_applied = 77;
    s.backfill_messages = 123456;
    s.dead_letters = 3;
    s.retention_resyncs = 1;
    s.block_rereads = 2;
    s.events_per_s = 201.5;
    s.messages_per_s = 40000.25;
    s.n_streams = 2;
    s.stream[0] = (struct fc_proc_stream){1, 99887766, 0.0};
    s.stream[1] = (struct fc_proc_stream){2, 5, 12.5};
    s.n_hubs = 2;
    snprintf(s.hub[0].name, sizeof(s.hub[0].name), "primary");
    s.hub[0].latency_ms = 3.25;
    s.hub[0].n_outcomes = 2;
    snprintf(s.hub[0].outcome[0].name, sizeof(s.hub[0].outcome[0].name), "ok");
    s.hub[0].outcome[0].count = 1000;
    snprintf(s.hub[0].outcome[1].name, sizeof(s.hub[0].outcome[1].name), "timeout");
    s.hub[0].outcome[1].count = 4;
    snprintf(s.hub[1].name, sizeof(s.hub[1].name), "backup");
    s.hub[1].breaker_open = true;
    snprintf(s.hub[1].last_error, sizeof(s.hub[1].last_error), "connect: refused\nsecond line");
    return s;
}

static void text_form_round_trips(void **state)
{
    (void)state;
    struct fc_proc_status s = indexer_sample(), back;
    s.heartbeat_unix_ms = 1700000005000;
    struct fc_buf text = FC_BUF_INIT;
    fc_proc_status_encode(&s, &text);
    struct fc_diag d;
    assert_int_equal(fc_proc_status_decode(text.data, text.len, &back, &d), FC_OK);
    assert_string_equal(back.id, "box-1:4242:1700000000000");
    assert_string_equal(back.role, "indexer");
    assert_string_equal(back.host, "box-1");
    assert_string_equal(back.version, "9.9.9");
    assert_int_equal(back.pid, 4242);
    assert_int_equal(back.started_unix_ms, 1700000000000);
    assert_int_equal(back.heartbeat_unix_ms, 1700000005000);
    assert_true(back.indexer);
    assert_true(back.follower);
    assert_true(back.events_read == 18446744073709551615ULL);
    assert_int_equal(back.events_applied, 77);
    assert_int_equal(back.backfill_messages, 123456);
    assert_int_equal(back.dead_letters, 3);
    assert_int_equal(back.retention_resyncs, 1);
    assert_int_equal(back.block_rereads, 2);
    assert_float_equal(back.events_per_s, 201.5, 0.001);
    assert_float_equal(back.messages_per_s, 40000.25, 0.001);
    assert_int_equal(back.n_streams, 2);
    assert_int_equal(back.stream[0].shard, 1);
    assert_int_equal(back.stream[0].cursor, 99887766);
    assert_int_equal(back.stream[1].shard, 2);
    assert_float_equal(back.stream[1].lag_s, 12.5, 0.001);
    assert_int_equal(back.n_hubs, 2);
    assert_string_equal(back.hub[0].name, "primary");
    assert_false(back.hub[0].breaker_open);
    assert_float_equal(back.hub[0].latency_ms, 3.25, 0.001);
    assert_int_equal(back.hub[0].n_outcomes, 2);
    assert_string_equal(back.hub[0].outcome[1].name, "timeout");
    assert_int_equal(back.hub[0].outcome[1].count, 4);
    assert_string_equal(back.hub[1].name, "backup");
    assert_true(back.hub[1].breaker_open);
    /* a newline in an error cannot break the line format */
    assert_string_equal(back.hub[1].last_error, "connect: refused second line");
    fc_buf_cleanup(&text);
}

static void hostile_text_is_refused(void **state)
{
    (void)state;
    static const char *bad[] = {
        "id a\nrole api\npid x\n",                                      /* pid not a number */
        "id a\nrole api\npid -3\n",                                     /* pid not positive */
        "id a\nrole api\npid 1\nevents_read -1\n",                      /* negative counter */
        "id a\nrole api\npid 1\nevents_read 99999999999999999999999\n", /* overflow */
        "id a\nrole api\npid 1\nstream 1 2\n",                          /* missing lag */
        "id a\nrole api\npid 1\nstream 1 2 nan\n",                      /* not a number */
        "id a\nrole api\npid 1\nhub 99 0 1.0 x\n",                      /* hub index out of range */
        "id a\nrole api\npid 1\nhub 0 2 1.0 x\n",    /* breaker neither 0 nor 1 */
        "id a\nrole api\npid 1\nhub_outcome 0 ok\n", /* count missing */
        "id a\nrole api\npid 1\nnospace\n",
        "role api\npid 1\n", /* id missing */
        "",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        struct fc_proc_status s;
        struct fc_diag d = {{0}};
        if (fc_proc_status_decode(bad[i], strlen(bad[i]), &s, &d) != FC_ERR_INVALID)
            fail_msg("accepted hostile status %zu: %s", i, bad[i]);
        assert_true(d.msg[0] != '\0');
    }
    /* 65 streams overflow the fixed table: refused, not written past it */
    struct fc_buf many = FC_BUF_INIT;
    fc_buf_puts(&many, "id a\nrole api\npid 1\n");
    for (int i = 0; i <= FC_PROC_MAX_STREAMS; i++)
        fc_buf_printf(&many, "stream %d 1 0\n", i);
    struct fc_proc_status s;
    struct fc_diag d;
    assert_int_equal(fc_proc_status_decode(many.data, many.len, &s, &d), FC_ERR_INVALID);
    fc_buf_cleanup(&many);
    /* fields from a newer version are ignored */
    const char *newer = "id a\nrole api\npid 1\nshiny_new_field 12\n";
    assert_int_equal(fc_proc_status_decode(newer, strlen(newer), &s, &d), FC_OK);
}

static struct fc_proc_status *find(struct fc_proc_status *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i].id, id) == 0)
            return &list[i];
    return NULL;
}

/* Both backends: publish, list (ordered by start), refresh, remove. */
static void contract(struct fc_procs *p)
{
    struct fc_diag d;
    struct fc_proc_status idx = indexer_sample();
    struct fc_proc_status api = sample("box-2:7:1700000001000", "api", 1700000001000);
    assert_int_equal(fc_procs_publish(p, &api, &d), FC_OK);
    assert_int_equal(fc_procs_publish(p, &idx, &d), FC_OK);
    assert_true(idx.heartbeat_unix_ms > fc_now_unix_ms() - 2000);
    struct fc_proc_status *list = NULL;
    size_t n = 0;
    assert_int_equal(fc_procs_list(p, &list, &n, &d), FC_OK);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, idx.id); /* started first */
    assert_string_equal(list[1].role, "api");
    assert_true(list[0].alive);
    assert_true(list[1].alive);
    assert_int_equal(list[0].stream[0].cursor, 99887766);
    free(list);
    /* publishing again replaces, never duplicates */
    idx.events_applied = 78;
    assert_int_equal(fc_procs_publish(p, &idx, &d), FC_OK);
    assert_int_equal(fc_procs_list(p, &list, &n, &d), FC_OK);
    assert_int_equal(n, 2);
    assert_int_equal(find(list, n, idx.id)->events_applied, 78);
    free(list);
    assert_int_equal(fc_procs_remove(p, api.id, &d), FC_OK);
    assert_int_equal(fc_procs_list(p, &list, &n, &d), FC_OK);
    assert_int_equal(n, 1);
    assert_null(find(list, n, api.id));
    free(list);
    assert_int_equal(fc_procs_remove(p, idx.id, &d), FC_OK);
}

static void embedded_backend(void **state)
{
    (void)state;
    struct fc_procs *p = fc_procs_new_embedded();
    contract(p);
    fc_procs_free(p);
}

static void redis_backend(void **state)
{
    (void)state;
    const char *url = fct_require_env("REDIS_URL");
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "fctest:%d:", (int)getpid());
    struct fc_procs *p, *other;
    struct fc_diag d;
    if (fc_procs_open_redis(url, prefix, &p, &d))
        fail_msg("%s", d.msg);
    contract(p);
    /* another process's handle sees what this one publishes */
    assert_int_equal(fc_procs_open_redis(url, prefix, &other, &d), FC_OK);
    struct fc_proc_status idx = indexer_sample();
    assert_int_equal(fc_procs_publish(p, &idx, &d), FC_OK);
    struct fc_proc_status *list = NULL;
    size_t n = 0;
    assert_int_equal(fc_procs_list(other, &list, &n, &d), FC_OK);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].hub[1].name, "backup");
    free(list);
    /* the entry is really in Redis, under the prefix, with an expiry */
    char key[256];
    snprintf(key, sizeof(key), "%sproc:%s", prefix, idx.id);
    const char *argv[] = {"/usr/bin/redis-cli", "-u", url, "PTTL", key, NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run(argv, NULL, &out), 0);
    long ttl = strtol(out.data, NULL, 10);
    if (ttl <= 0 || ttl > FC_PROC_FORGET_MS)
        fail_msg("expected an expiry within %d ms on %s, got '%s'", FC_PROC_FORGET_MS, key,
                 out.data);
    fc_buf_cleanup(&out);
    assert_int_equal(fc_procs_remove(p, idx.id, &d), FC_OK);
    fc_procs_free(other);
    fc_procs_free(p);
}

/* A process that stops publishing is reported gone after FC_PROC_ALIVE_MS,
 * well within the 10 s an operator is promised. */
static void silent_process_is_gone(void **state)
{
    (void)state;
    struct fc_procs *p = fc_procs_new_embedded();
    struct fc_diag d;
    struct fc_proc_status s = sample("box-3:9:1", "indexer", 1);
    assert_int_equal(fc_procs_publish(p, &s, &d), FC_OK);
    int64_t stopped = fc_now_unix_ms();
    bool gone = false;
    while (!gone && fc_now_unix_ms() - stopped < 10000) {
        struct fc_proc_status *list = NULL;
        size_t n = 0;
        assert_int_equal(fc_procs_list(p, &list, &n, &d), FC_OK);
        assert_int_equal(n, 1); /* still listed, as gone */
        gone = !list[0].alive;
        free(list);
        if (!gone)
            usleep(100 * 1000);
    }
    int64_t took = fc_now_unix_ms() - stopped;
    assert_true(gone);
    assert_true(took >= FC_PROC_ALIVE_MS - 200);
    fc_procs_free(p);
}

FCT_MAIN(NULL, NULL, text_form_round_trips, hostile_text_is_refused, embedded_backend,
         redis_backend, silent_process_is_gone)
