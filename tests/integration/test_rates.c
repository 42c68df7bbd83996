/* The throughput history: one contract for both backends (buckets summed
 * over processes, absolute counts so a repeated write cannot count twice,
 * the hour's window), and for Redis that the history outlives the handle
 * and the recorder that wrote it, that unreadable buckets are left out, and
 * that buckets a write could not store go with the next write once Redis
 * answers again. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include "state/rates.h"

/* a bucket boundary: 1790000000 s is a multiple of FC_RATES_BUCKET_S */
#define T0_MS 1790000000000LL
#define T0_S 1790000000LL

static void record(struct fc_rate_recorder *rec, uint64_t read, uint64_t applied,
                   uint64_t messages, int64_t at_ms)
{
    struct fc_rate_counts c = {read, applied, messages};
    struct fc_diag d;
    if (fc_rate_recorder_record(rec, &c, at_ms, &d))
        fail_msg("record: %s", d.msg);
}

static void expect_counts(const struct fc_rate_counts *c, uint64_t read, uint64_t applied,
                          uint64_t messages, const char *what)
{
    if (c->events_read != read || c->events_applied != applied || c->messages != messages)
        fail_msg("%s: %llu/%llu/%llu, expected %llu/%llu/%llu", what,
                 (unsigned long long)c->events_read, (unsigned long long)c->events_applied,
                 (unsigned long long)c->messages, (unsigned long long)read,
                 (unsigned long long)applied, (unsigned long long)messages);
}

static void history(struct fc_rates *r, int64_t now_ms, struct fc_rate_history *h)
{
    struct fc_diag d;
    if (fc_rates_history(r, now_ms, h, &d))
        fail_msg("history: %s", d.msg);
}

/* The history at now_ms into h: its window starts at since_s and processes
 * processes wrote in it. */
static void expect_history(struct fc_rates *r, int64_t now_ms, struct fc_rate_history *h,
                           int64_t since_s, size_t processes)
{
    history(r, now_ms, h);
    assert_int_equal(h->since_unix_s, since_s);
    assert_int_equal(h->processes, processes);
}

static void contract(struct fc_rates *r)
{
    struct fc_rate_history *h = calloc(1, sizeof(*h));
    struct fc_rate_recorder *a = fc_rate_recorder_new(r, "box:1:1");
    struct fc_rate_recorder *b = fc_rate_recorder_new(r, "box:2:2");
    /* process a: 5 events read, 1 applied, 100 messages in its first second
     * of the bucket at T0, 3 and 1 more later in it, then 50 messages in the next */
    record(a, 5, 1, 100, T0_MS + 500);
    record(a, 8, 2, 100, T0_MS + 9900);
    record(a, 8, 2, 150, T0_MS + 10000);
    /* process b, in the second bucket only */
    record(b, 1, 1, 7, T0_MS + 12000);
    expect_history(r, T0_MS + 15000, h, T0_S + 10 - 3590, 2);
    assert_int_equal(h->bucket_s, FC_RATES_BUCKET_S);
    assert_int_equal(h->n, 360);
    expect_counts(&h->bucket[358], 8, 2, 100, "bucket T0");
    expect_counts(&h->bucket[359], 1, 1, 57, "bucket T0+10 (both processes)");
    expect_counts(&h->total, 9, 3, 157, "total");
    for (int i = 0; i < 358; i++)
        expect_counts(&h->bucket[i], 0, 0, 0, "an older bucket");
    /* the same totals again: nothing grew, nothing is counted twice */
    record(a, 8, 2, 150, T0_MS + 15000);
    record(b, 1, 1, 7, T0_MS + 15000);
    history(r, T0_MS + 15000, h);
    expect_counts(&h->total, 9, 3, 157, "total after repeated totals");
    /* an hour later the bucket at T0 has left the window; T0+10 is its first */
    expect_history(r, T0_MS + 3605000, h, T0_S + 10, 2);
    expect_counts(&h->bucket[0], 1, 1, 57, "the window's first bucket");
    expect_counts(&h->total, 1, 1, 57, "total an hour later");
    /* a writes again an hour on: 10 messages in the bucket at T0+3620,
     * whose window starts at T0+30: both buckets of the first minute are out */
    record(a, 8, 2, 160, T0_MS + 3620000);
    expect_history(r, T0_MS + 3625000, h, T0_S + 30, 1);
    expect_counts(&h->bucket[359], 0, 0, 10, "the bucket running now");
    expect_counts(&h->total, 0, 0, 10, "total with the new bucket");
    /* totals that went down (a counter reset) count from zero again */
    record(a, 0, 0, 4, T0_MS + 3621000);
    history(r, T0_MS + 3625000, h);
    expect_counts(&h->bucket[359], 0, 0, 14, "after a reset");
    fc_rate_recorder_free(a);
    fc_rate_recorder_free(b);
    free(h);
}

static void embedded_backend(void **state)
{
    (void)state;
    struct fc_rates *r = fc_rates_new_embedded();
    contract(r);
    fc_rates_free(r);
}

static void redis_cli(const char *url, const char *const *args, struct fc_buf *out)
{
    const char *argv[12] = {"/usr/bin/redis-cli", "-u", url};
    size_t n = 3;
    for (; *args && n < 11; args++)
        argv[n++] = *args;
    argv[n] = NULL;
    assert_int_equal(fct_run(argv, NULL, out), 0);
}

static void redis_backend(void **state)
{
    (void)state;
    const char *url = fct_require_env("REDIS_URL");
    char prefix[64];
    snprintf(prefix, sizeof(prefix), "fctest:rates:%d:", (int)getpid());
    struct fc_rates *r;
    struct fc_diag d;
    if (fc_rates_open_redis(url, prefix, &r, &d))
        fail_msg("%s", d.msg);
    contract(r);
    /* the history outlives the handle and the recorders that wrote it: a
     * new handle (a restarted process) reads it whole */
    fc_rates_free(r);
    assert_int_equal(fc_rates_open_redis(url, prefix, &r, &d), FC_OK);
    struct fc_rate_history *h = calloc(1, sizeof(*h));
    history(r, T0_MS + 3625000, h);
    expect_counts(&h->bucket[359], 0, 0, 14, "the bucket read by a new handle");
    expect_counts(&h->total, 0, 0, 14, "total read by a new handle");
    assert_int_equal(h->processes, 1);
    /* each process's hash has an expiry of about the window */
    char key[256];
    snprintf(key, sizeof(key), "%sthroughput:box:1:1", prefix);
    struct fc_buf out = FC_BUF_INIT;
    redis_cli(url, (const char *[]){"PTTL", key, NULL}, &out);
    long ttl = strtol(out.data, NULL, 10);
    if (ttl < FC_RATES_WINDOW_S * 1000L || ttl > (FC_RATES_WINDOW_S + 120) * 1000L)
        fail_msg("expected an expiry of about an hour on %s, got '%s'", key, out.data);
    fc_buf_reset(&out);
    /* buckets this version cannot read are left out, the rest still counts */
    redis_cli(url, (const char *[]){"HSET", key, "1790003610", "12 x 3", "abc", "1 2 3",
                                    "1790003600", "1 2 3 4", NULL}, &out);
    history(r, T0_MS + 3625000, h);
    expect_counts(&h->total, 0, 0, 14, "total beside unreadable buckets");
    fc_buf_reset(&out);
    snprintf(key, sizeof(key), "%sthroughput", prefix);
    redis_cli(url, (const char *[]){"DEL", key, NULL}, &out);
    snprintf(key, sizeof(key), "%sthroughput:box:1:1", prefix);
    redis_cli(url, (const char *[]){"DEL", key, NULL}, &out);
    snprintf(key, sizeof(key), "%sthroughput:box:2:2", prefix);
    redis_cli(url, (const char *[]){"DEL", key, NULL}, &out);
    fc_buf_cleanup(&out);
    free(h);
    fc_rates_free(r);
}

/* Redis unreachable: recording and reading say so. */
static void redis_down(void **state)
{
    (void)state;
    struct fc_rates *r;
    struct fc_diag d;
    /* port 1 on the loopback refuses at once */
    assert_int_equal(fc_rates_open_redis("redis://127.0.0.1:1", "x:", &r, &d), FC_OK);
    struct fc_rate_recorder *a = fc_rate_recorder_new(r, "box:1:1");
    struct fc_rate_counts c = {1, 1, 1};
    assert_int_equal(fc_rate_recorder_record(a, &c, T0_MS, &d), FC_ERR_UNAVAILABLE);
    struct fc_rate_history *h = calloc(1, sizeof(*h));
    assert_int_equal(fc_rates_history(r, T0_MS, h, &d), FC_ERR_UNAVAILABLE);
    free(h);
    fc_rate_recorder_free(a);
    fc_rates_free(r);
}

/* A loopback port nobody listens on now. */
static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof(a);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* Buckets a write could not store are not lost: once Redis answers (here a
 * Redis of the test's own, started after the failed write), the next
 * record writes them, though nothing grew since. */
static void buckets_wait_for_redis(void **state)
{
    (void)state;
    char port[16], url[64];
    snprintf(port, sizeof(port), "%d", free_port());
    snprintf(url, sizeof(url), "redis://127.0.0.1:%s", port);
    struct fc_rates *r;
    struct fc_diag d;
    assert_int_equal(fc_rates_open_redis(url, "fctest:later:", &r, &d), FC_OK);
    struct fc_rate_recorder *a = fc_rate_recorder_new(r, "box:1:1");
    struct fc_rate_counts c = {7, 3, 40};
    assert_int_equal(fc_rate_recorder_record(a, &c, T0_MS + 1000, &d), FC_ERR_UNAVAILABLE);
    int fd = -1;
    int pid = fct_spawn((const char *[]){"/usr/bin/redis-server", "--port", port, "--bind",
                                         "127.0.0.1", "--save", "", "--appendonly", "no", NULL},
                        NULL, &fd);
    struct fc_buf out = FC_BUF_INIT;
    bool up = fct_read_until(fd, &out, 0, "Ready to accept connections", 20000);
    if (!up) {
        fct_signal(pid, SIGKILL);
        fct_wait(pid, fd, &out);
        fail_msg("redis-server did not start: %s", out.data);
    }
    /* the same totals: only the pending bucket is written (once the link's
     * backoff from the failed write has passed) */
    enum fc_err err;
    long long until = fct_now_ms() + 5000;
    while ((err = fc_rate_recorder_record(a, &c, T0_MS + 2000, &d)) == FC_ERR_UNAVAILABLE &&
           fct_now_ms() < until)
        usleep(50000);
    struct fc_rate_history *h = calloc(1, sizeof(*h));
    enum fc_err herr = err ? err : fc_rates_history(r, T0_MS + 3000, h, &d);
    fct_signal(pid, SIGTERM);
    fct_wait(pid, fd, &out);
    fc_buf_cleanup(&out);
    if (err || herr)
        fail_msg("with Redis back: %s", d.msg);
    expect_counts(&h->bucket[359], 7, 3, 40, "the bucket written once Redis answered");
    expect_counts(&h->total, 7, 3, 40, "total once Redis answered");
    free(h);
    fc_rate_recorder_free(a);
    fc_rates_free(r);
}

FCT_MAIN(NULL, NULL, embedded_backend, redis_backend, redis_down, buckets_wait_for_redis)
