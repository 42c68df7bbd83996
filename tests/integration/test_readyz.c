/* /readyz's indexer check: an API process whose own database and Redis are
 * fine answers 503 naming the indexer while the indexer (another process,
 * reporting through Redis) cannot reach PostgreSQL, and 200 again once it
 * can. The indexer reaches PostgreSQL through a TCP relay the test cuts and
 * restores, so only the indexer's side goes down. */
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
    int listen_fd, port, target_port;
    atomic_bool cut, stop;
    atomic_int pumps; /* connections being carried */
    pthread_t thread;
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

static void *accept_loop(void *arg)
{
    struct relay *r = arg;
    while (!atomic_load(&r->stop)) {
        struct pollfd pfd = {r->listen_fd, POLLIN, 0};
        if (poll(&pfd, 1, 100) <= 0)
            continue;
        int c = accept(r->listen_fd, NULL, NULL);
        if (c < 0)
            continue;
        if (atomic_load(&r->cut)) {
            close(c);
            continue;
        }
        int up = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)r->target_port)};
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        if (up < 0 || connect(up, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
            close(c);
            if (up >= 0)
                close(up);
            continue;
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
    return NULL;
}

static void relay_start(struct relay *r, int target_port)
{
    memset(r, 0, sizeof(*r));
    r->target_port = target_port;
    r->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(r->listen_fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(r->listen_fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(r->listen_fd, 64), 0);
    socklen_t len = sizeof(sa);
    getsockname(r->listen_fd, (struct sockaddr *)&sa, &len);
    r->port = ntohs(sa.sin_port);
    assert_int_equal(pthread_create(&r->thread, NULL, accept_loop, r), 0);
}

static void relay_stop(struct relay *r)
{
    atomic_store(&r->stop, true);
    pthread_join(r->thread, NULL);
    close(r->listen_fd);
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

static void indexer_losing_the_database_makes_the_api_not_ready(void **state)
{
    (void)state;
    const char *redis = fct_redis_or_skip();
    int sim_port;
    int sim = fct_hubsim_start((const char *[]){"--seed", "5", "--fids", "100", "--events-per-sec",
                                                "20", "--tick-ms", "500", NULL}, &sim_port);
    char db[512];
    fct_db_create("readyz", db, sizeof(db));
    /* the database's port, for the relay: postgresql://user@host:PORT/name */
    const char *at = strrchr(db, '@');
    const char *colon = at ? strchr(at, ':') : NULL;
    assert_non_null(colon);
    int pg_port = atoi(colon + 1);
    struct relay r;
    relay_start(&r, pg_port);
    char relayed[600];
    snprintf(relayed, sizeof(relayed), "%.*s:%d%s", (int)(colon - db), db, r.port,
             strchr(colon + 1, '/'));

    char e_db[700], e_ix_db[700], e_redis[300], e_prefix[100], e_hubs[100];
    snprintf(e_db, sizeof(e_db), "DATABASE_URL=%s", db);
    snprintf(e_ix_db, sizeof(e_ix_db), "DATABASE_URL=%s", relayed);
    snprintf(e_redis, sizeof(e_redis), "REDIS_URL=%s", redis);
    snprintf(e_prefix, sizeof(e_prefix), "FCINDEX_REDIS_PREFIX=fctest:readyz:%d:", (int)getpid());
    snprintf(e_hubs, sizeof(e_hubs), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", sim_port);
    const char *api_env[] = {e_db, e_redis, e_prefix, e_hubs, "FCINDEX_API_LISTEN=127.0.0.1:0",
                             "FCINDEX_LOG_LEVEL=error", "FCINDEX_STRATEGY_ROOT_TARGETS=1",
                             NULL};
    const char *ix_env[] = {e_ix_db, e_redis, e_prefix, e_hubs, "FCINDEX_LOG_LEVEL=error",
                            "FCINDEX_STRATEGY_ROOT_TARGETS=1", NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL}, api_env, &out),
                     0);
    fc_buf_cleanup(&out);
    struct fct_serve ix, api;
    fct_serve_start(&ix, "indexer", ix_env);
    fct_serve_start(&api, "api", api_env);
    /* both up: ready (the indexer has reported itself healthy) */
    char *body = readyz_until(api.port, 200, 30000);
    assert_non_null(strstr(body, "\"status\":\"ready\""));
    free(body);

    /* the indexer's PostgreSQL goes away; the API's stays */
    atomic_store(&r.cut, true);
    body = readyz_until(api.port, 503, 60000);
    if (!strstr(body, "\"indexer\":\"database unreachable\"") ||
        !strstr(body, "\"database\":\"ok\"") || !strstr(body, "\"status\":\"not ready\""))
        fail_msg("/readyz while the indexer cannot reach PostgreSQL: %s", body);
    free(body);

    /* back: ready again, without a restart */
    atomic_store(&r.cut, false);
    body = readyz_until(api.port, 200, 60000);
    assert_null(strstr(body, "\"indexer\""));
    free(body);

    fct_serve_stop(&api, SIGTERM);
    fct_serve_stop(&ix, SIGTERM);
    relay_stop(&r);
    fct_db_drop(db);
    fct_hubsim_stop(sim);
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    signal(SIGPIPE, SIG_IGN);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(indexer_losing_the_database_makes_the_api_not_ready),
    };
    return fct_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
