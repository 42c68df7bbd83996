/* /readyz's indexer check: an API process whose own database and Redis are
 * fine answers 503 naming the indexer while the indexer (another process,
 * reporting through Redis) cannot reach PostgreSQL, and 200 again once it
 * can; and the same when PostgreSQL goes away while the indexer starts. The
 * indexer reaches PostgreSQL through a TCP relay the test cuts and restores,
 * so only the indexer's side goes down. */
#include "support/listener.h"
#include "support/serve.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* A relay from 127.0.0.1:port to PostgreSQL: while cut, it refuses new
 * connections and drops the ones it carries. */
struct relay {
    struct fct_listener listener; /* listener.port: the relay's */
    int target_port;
    atomic_bool cut, stop;
    atomic_int allow;    /* connections it carries at most (-1: any number) */
    atomic_int accepted; /* connections carried so far */
    atomic_int pumps; /* connections being carried */
};

struct pipe_pair {
    struct relay *r;
    int a, b;
};

static void *pump(void *arg)
{
    struct pipe_pair *pp = arg;
    char buf[16384];
    struct pollfd fds[2] = {{pp->a, POLLIN, 0}, {pp->b, POLLIN, 0}};
    while (!atomic_load(&pp->r->cut) && !atomic_load(&pp->r->stop)) {
        int n = poll(fds, 2, 100);
        if (n < 0)
            break;
        bool done = false;
        for (int i = 0; i < 2 && !done; i++) {
            if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t got = read(fds[i].fd, buf, sizeof(buf));
            if (got <= 0 || write(fds[1 - i].fd, buf, (size_t)got) != got)
                done = true;
        }
        if (done)
            break;
    }
    close(pp->a);
    close(pp->b);
    atomic_fetch_sub(&pp->r->pumps, 1);
    free(pp);
    return NULL;
}

/* A connection the relay accepted: carried to PostgreSQL, or closed. */
static void carry(void *arg, int c)
{
    struct relay *r = arg;
    int allow = atomic_load(&r->allow);
    if (atomic_load(&r->cut) || (allow >= 0 && atomic_load(&r->accepted) >= allow)) {
        close(c);
        return;
    }
    atomic_fetch_add(&r->accepted, 1);
    int up = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)r->target_port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (up < 0 || connect(up, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
        close(c);
        if (up >= 0)
            close(up);
        return;
    }
    struct pipe_pair *pp = fc_xmalloc(sizeof(*pp));
    *pp = (struct pipe_pair){r, c, up};
    pthread_t t;
    atomic_fetch_add(&r->pumps, 1);
    if (pthread_create(&t, NULL, pump, pp) == 0) {
        pthread_detach(t);
    } else {
        atomic_fetch_sub(&r->pumps, 1);
        close(c);
        close(up);
        free(pp);
    }
}

static void relay_start(struct relay *r, int target_port)
{
    memset(r, 0, sizeof(*r));
    r->target_port = target_port;
    atomic_store(&r->allow, -1);
    fct_listener_start(&r->listener, carry, r);
}

static void relay_stop(struct relay *r)
{
    atomic_store(&r->stop, true);
    fct_listener_stop(&r->listener);
    while (atomic_load(&r->pumps) > 0) /* each sees stop within 100 ms */
        usleep(20000);
}

/* GET /readyz until its status is want (deadline poll); returns the last body. */
static char *readyz_until(unsigned port, long want, int timeout_ms)
{
    char url[96];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/readyz", port);
    long long end = fct_now_ms() + timeout_ms;
    for (;;) {
        struct fct_http h;
        fct_http_do(url, NULL, 5000, &h);
        char *body = fc_buf_take(&h.body);
        long st = h.status;
        fct_http_cleanup(&h);
        if (st == want)
            return body;
        if (fct_now_ms() > end)
            fail_msg("/readyz stayed %ld (wanted %ld): %s", st, want, body);
        free(body);
        usleep(200000);
    }
}

/* A small live network, its database, the relay to it, and the two
 * processes' environments: the API reaches PostgreSQL directly, the indexer
 * through the relay. */
struct deployment {
    int sim;
    char db[512];
    struct relay relay;
    char e_db[700], e_ix_db[700], e_redis[300], e_prefix[100], e_hubs[100];
    const char *api_env[8], *ix_env[8];
    struct fct_serve ix, api;
};

static void deployment_up(struct deployment *d)
{
    memset(d, 0, sizeof(*d));
    const char *redis = fct_redis_or_skip();
    int sim_port;
    d->sim = fct_hubsim_start((const char *[]){"--seed", "5", "--fids", "100",
                                               "--events-per-sec", "20", "--tick-ms", "500",
                                               NULL},
                              &sim_port);
    fct_db_create("readyz", d->db, sizeof(d->db));
    /* the database's port, for the relay: postgresql://user@host:PORT/name */
    const char *at = strrchr(d->db, '@');
    const char *colon = at ? strchr(at, ':') : NULL;
    assert_non_null(colon);
    relay_start(&d->relay, atoi(colon + 1));
    snprintf(d->e_db, sizeof(d->e_db), "DATABASE_URL=%s", d->db);
    snprintf(d->e_ix_db, sizeof(d->e_ix_db), "DATABASE_URL=%.*s:%d%s", (int)(colon - d->db),
             d->db, d->relay.listener.port, strchr(colon + 1, '/'));
    snprintf(d->e_redis, sizeof(d->e_redis), "REDIS_URL=%s", redis);
    snprintf(d->e_prefix, sizeof(d->e_prefix), "FCINDEX_REDIS_PREFIX=fctest:readyz:%d:",
             (int)getpid());
    snprintf(d->e_hubs, sizeof(d->e_hubs), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", sim_port);
    const char *api_env[] = {d->e_db, d->e_redis, d->e_prefix, d->e_hubs,
                             "FCINDEX_API_LISTEN=127.0.0.1:0", "FCINDEX_LOG_LEVEL=error",
                             "FCINDEX_STRATEGY_ROOT_TARGETS=1", NULL};
    const char *ix_env[] = {d->e_ix_db, d->e_redis, d->e_prefix, d->e_hubs,
                            "FCINDEX_LOG_LEVEL=error", "FCINDEX_STRATEGY_ROOT_TARGETS=1", NULL};
    memcpy(d->api_env, api_env, sizeof(api_env));
    memcpy(d->ix_env, ix_env, sizeof(ix_env));
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(
        fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, d->api_env, &out), 0);
    fc_buf_cleanup(&out);
}

static void deployment_down(struct deployment *d)
{
    fct_serve_stop(&d->api, SIGTERM);
    fct_serve_stop(&d->ix, SIGTERM);
    relay_stop(&d->relay);
    fct_db_drop(d->db);
    fct_hubsim_stop(d->sim);
}

static void expect_indexer_db_unreachable(struct deployment *d, const char *when)
{
    char *body = readyz_until(d->api.port, 503, 60000);
    if (!strstr(body, "\"indexer\":\"database unreachable\"") ||
        !strstr(body, "\"database\":\"ok\"") || !strstr(body, "\"status\":\"not ready\""))
        fail_msg("/readyz while the indexer cannot reach PostgreSQL %s: %s", when, body);
    free(body);
}

static void expect_ready(struct deployment *d)
{
    char *body = readyz_until(d->api.port, 200, 60000);
    assert_null(strstr(body, "\"indexer\""));
    free(body);
}

static void indexer_losing_the_database_makes_the_api_not_ready(void **state)
{
    (void)state;
    struct deployment d;
    deployment_up(&d);
    fct_serve_start(&d.ix, "indexer", d.ix_env);
    fct_serve_start(&d.api, "api", d.api_env);
    /* both up: ready (the indexer has reported itself healthy) */
    char *body = readyz_until(d.api.port, 200, 30000);
    assert_non_null(strstr(body, "\"status\":\"ready\""));
    free(body);
    /* the indexer's PostgreSQL goes away; the API's stays */
    atomic_store(&d.relay.cut, true);
    expect_indexer_db_unreachable(&d, "");
    /* back: ready again, without a restart */
    atomic_store(&d.relay.cut, false);
    expect_ready(&d);
    deployment_down(&d);
}

/* PostgreSQL going away while serve starts (the relay carries the first
 * connections, then no more): an outage like any other, waited out.
 * Before, the start of the backfill workers failed, the stream was never
 * followed and the process either stayed up doing nothing or exited. */
static void indexer_losing_the_database_while_starting_waits_for_it(void **state)
{
    (void)state;
    struct deployment d;
    deployment_up(&d);
    /* serve's first connection and the indexer's own get through; every
     * backfill worker's is refused (with 1, serve cannot start at all and
     * exits, as it should) */
    atomic_store(&d.relay.allow, 2);
    fct_serve_start(&d.ix, "indexer", d.ix_env);
    fct_serve_start(&d.api, "api", d.api_env);
    expect_indexer_db_unreachable(&d, "since it started");
    atomic_store(&d.relay.allow, -1);
    expect_ready(&d);
    /* and it follows the stream and backfills */
    if (!fct_wait_sql(d.db, "SELECT count(*) > 0 FROM hub_cursors", "t", 60000) ||
        !fct_wait_sql(d.db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL", "0",
                      60000))
        fail_msg("the indexer did not follow the stream and backfill once PostgreSQL was back");
    deployment_down(&d);
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indexer_losing_the_database_makes_the_api_not_ready),
        cmocka_unit_test(indexer_losing_the_database_while_starting_waits_for_it),
    };
    return fct_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
