/* A Redis that hangs (it takes connections and never answers) costs the
 * shared state backends one connection attempt per backoff interval, not
 * one per call: while the link waits out its backoff, calls fail at once;
 * and the change publisher logs the failure once, not at every commit.
 * The server here is a bare listener that counts the connections it takes. */
#include "support/listener.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "state/changes.h"
#include "state/ratelimit.h"

struct mute_server {
    struct fct_listener listener; /* listener.port: the server's */
    int fds[256]; /* connections held open, never answered */
    atomic_int taken;
};

static void take_connection(void *arg, int c)
{
    struct mute_server *s = arg;
    int n = atomic_load(&s->taken);
    if (n < (int)(sizeof(s->fds) / sizeof(s->fds[0])))
        s->fds[n] = c;
    else
        close(c);
    atomic_fetch_add(&s->taken, 1);
}

static void mute_start(struct mute_server *s)
{
    memset(s, 0, sizeof(*s));
    fct_listener_start(&s->listener, take_connection, s);
}

static void mute_stop(struct mute_server *s)
{
    fct_listener_stop(&s->listener);
    int n = atomic_load(&s->taken);
    for (int i = 0; i < n && i < (int)(sizeof(s->fds) / sizeof(s->fds[0])); i++)
        close(s->fds[i]);
}

/* Calls fn for 2.5 s; fails unless the calls far outnumber the connections
 * the server took. Each attempt waits out the 1 s command timeout; calls
 * between attempts (the backoff) must fail at once without one. */
static void expect_backoff(const char *what, struct mute_server *s, void (*fn)(void *), void *arg)
{
    int taken_before = atomic_load(&s->taken);
    long long end = fct_now_ms() + 2500;
    int calls = 0;
    while (fct_now_ms() < end) {
        fn(arg);
        calls++;
        usleep(1000);
    }
    int attempts = atomic_load(&s->taken) - taken_before;
    fprintf(stderr, "%s: %d calls, %d connection attempts\n", what, calls, attempts);
    if (attempts < 1 || calls < 10 * attempts)
        fail_msg("%s: %d calls made %d connection attempts to a Redis that never answers", what,
                 calls, attempts);
}

static void take_one(void *arg)
{
    struct fc_rate_result res;
    struct fc_diag d;
    /* unavailable, as it must be: the caller decides */
    assert_int_equal(fc_ratelimit_take(arg, "public", "10.0.0.1", 60, &res, &d),
                     FC_ERR_UNAVAILABLE);
}

static void publish_one(void *arg)
{
    const uint64_t fids[] = {1, 2};
    fc_changes_publish(arg, fids, 2);
}

static void shared_state_backs_off(void **state)
{
    (void)state;
    struct mute_server s;
    mute_start(&s);
    char url[64];
    snprintf(url, sizeof(url), "redis://127.0.0.1:%d", s.listener.port);
    struct fc_diag d;
    struct fc_ratelimit *rl = NULL;
    assert_int_equal(fc_ratelimit_open_redis(url, "t:", &rl, &d), FC_OK);
    expect_backoff("rate limiter", &s, take_one, rl);
    fc_ratelimit_free(rl);
    struct fc_changes_pub *p = NULL;
    assert_int_equal(fc_changes_pub_open(url, "t:", &p, &d), FC_OK);
    FILE *log = tmpfile();
    assert_non_null(log);
    fc_log_setup(FC_LOG_INFO, FC_LOG_TEXT, fileno(log));
    expect_backoff("change publisher", &s, publish_one, p);
    fc_log_setup(FC_LOG_INFO, FC_LOG_TEXT, 2);
    fc_changes_pub_free(p);
    rewind(log);
    char line[1024];
    int lines = 0;
    while (fgets(line, sizeof(line), log))
        lines += strstr(line, "component=changes") != NULL;
    fclose(log);
    if (lines < 1 || lines > 2)
        fail_msg("the change publisher logged %d lines over a 2.5 s outage (want the failure "
                 "once, a summary at most)", lines);
    mute_stop(&s);
}

FCT_MAIN(NULL, NULL, shared_state_backs_off)
