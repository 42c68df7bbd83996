/* No leaks: a password planted in the database URL, the Redis URL and a hub
 * URL never appears in /metrics, /readyz, /admin/status, error responses,
 * the process's logs or its start-up errors; /readyz names the dependency
 * that is down without the driver's text and does not open a Redis
 * connection per call. */
#include "security/secsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PLANTED "PLANTEDpw4711"
#define PASSWORD "a correct horse battery staple"

static int setup(void **state)
{
    (void)state;
    return sec_db_setup("sec_leak");
}

/* url with user:PLANTED (the test server trusts local connections, so the
 * password is carried but not needed) */
static void planted_db_url(char *out, size_t size, const char *url)
{
    const char *at = strstr(url, "://");
    const char *user_end = at + 3 + strcspn(at + 3, ":@/");
    snprintf(out, size, "%.*s:" PLANTED "%s", (int)(user_end - url), url,
             user_end + strcspn(user_end, "@"));
}

static void no_planted(const char *where, const char *text)
{
    if (text && strstr(text, PLANTED))
        fail_msg("the planted password leaked in %s: %s", where, text);
}

/* Connections Redis has accepted since it started. */
static long redis_connections_received(const struct sec_redis *r)
{
    char *out = sec_redis_cli(r, (const char *[]){"-a", PLANTED, "--no-auth-warning", "INFO",
                                                  "stats", NULL});
    const char *p = strstr(out, "total_connections_received:");
    long n = p ? atol(p + strlen("total_connections_received:")) : -1;
    free(out);
    return n;
}

static void planted_password_never_shows(void **state)
{
    (void)state;
    struct sec_redis r;
    sec_redis_start(&r);
    char *ok = sec_redis_cli(&r, (const char *[]){"CONFIG", "SET", "requirepass", PLANTED, NULL});
    assert_non_null(strstr(ok, "OK"));
    free(ok);
    char e_db[700], e_redis[160], e_hub[160], url[640];
    planted_db_url(url, sizeof(url), sec_db_url);
    snprintf(e_db, sizeof(e_db), "DATABASE_URL=%s", url);
    snprintf(e_redis, sizeof(e_redis), "REDIS_URL=redis://:" PLANTED "@127.0.0.1:%d/0", r.port);
    int sim_port;
    int sim = fct_hubsim_start((const char *[]){"--fids", "20", "--seed", "3", NULL}, &sim_port);
    snprintf(e_hub, sizeof(e_hub), "FCINDEX_HUBS_URLS=http://indexer:" PLANTED "@127.0.0.1:%d",
             sim_port);
    const char *env[] = {e_db, e_redis, e_hub, "FCINDEX_API_LISTEN=127.0.0.1:0",
                         "FCINDEX_AUTH_ADMIN_PASSWORD=" PASSWORD,
                         "FCINDEX_AUTH_COOKIE_SECURE=false", "FCINDEX_LOG_LEVEL=debug",
                         "FCINDEX_API_ACCESS_LOG=true", "FCINDEX_HUBS_RETRIES=0", NULL};
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    if (sec_server_start(&s, (const char *[]){"--role=all", NULL}, env) != 0)
        fail_msg("serve did not start: %s", s.out.data);
    long st;
    char *token = sec_login(&s, PASSWORD, NULL, &st);
    assert_non_null(token);
    char cookie[2300];
    snprintf(cookie, sizeof(cookie), "Cookie: token=%s", token);
    free(token);
    const char *paths[] = {"/metrics", "/readyz", "/admin/status", "/v1/users/0",
                           "/v1/nothing", "/v1/feed/3?cursor=bad", "/v1/search/casts?q="};
    for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        struct fct_http h;
        sec_call(&s, "GET", paths[i], (const char *[]){cookie, NULL}, NULL, &h);
        assert_true(h.status > 0);
        no_planted(paths[i], h.body.data);
        no_planted(paths[i], h.headers.data);
        fct_http_cleanup(&h);
    }
    /* /readyz keeps one Redis connection however often it is asked */
    long before = redis_connections_received(&r);
    for (int i = 0; i < 30; i++) {
        struct fct_http h;
        sec_call(&s, "GET", "/readyz", NULL, NULL, &h);
        assert_int_equal(h.status, 200);
        fct_http_cleanup(&h);
    }
    /* the redis-cli call that asks counts as one */
    long after = redis_connections_received(&r);
    fprintf(stderr, "redis connections accepted during 30 /readyz: %ld\n", after - before);
    assert_true(before > 0 && after - before <= 2);
    /* Redis down: /readyz names it, in its own words */
    sec_redis_stop(&r);
    struct fct_http h;
    sec_call(&s, "GET", "/readyz", NULL, NULL, &h);
    assert_int_equal(h.status, 503);
    assert_non_null(strstr(h.body.data, "\"redis\":\"unavailable\""));
    assert_non_null(strstr(h.body.data, "\"database\":\"ok\""));
    assert_null(strstr(h.body.data, "refused"));
    assert_null(strstr(h.body.data, "127.0.0.1"));
    fct_http_cleanup(&h);
    sec_call(&s, "GET", "/metrics", NULL, NULL, &h);
    no_planted("/metrics with Redis down", h.body.data);
    fct_http_cleanup(&h);
    sec_server_stop(&s);
    char *out = sec_server_output(&s);
    no_planted("the server's output", out);
    free(out);
    sec_server_free(&s);

    /* start-up errors: an unreachable database named with its password */
    char bad[700];
    snprintf(bad, sizeof(bad), "DATABASE_URL=postgresql://postgres:" PLANTED "@127.0.0.1:1/x");
    int rc = sec_server_start(&s, NULL, (const char *[]){bad, e_hub, NULL});
    assert_int_not_equal(rc, 0);
    no_planted("a start-up error", s.out.data);
    sec_server_free(&s);
    /* and a configuration error quoting the value */
    struct fc_buf o = FC_BUF_INIT;
    fct_run((const char *[]){fct_fcindex_bin(), "config", "check", NULL},
            (const char *[]){"FCINDEX_HUBS_URLS=http://u:" PLANTED "@h:1,ftp://u:" PLANTED "@x",
                             NULL},
            &o);
    no_planted("config check", o.data);
    fc_buf_cleanup(&o);
    fct_hubsim_stop(sim);
}

FCT_MAIN(setup, sec_db_teardown, planted_password_never_shows)
