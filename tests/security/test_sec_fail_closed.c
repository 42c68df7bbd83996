/* Fail closed: with Redis refusing writes and with Redis down, logout still
 * ends the session (kept in PostgreSQL) or says it could not, never a false
 * 200; logins are refused with 503 rather than unlimited; an ended session
 * stays ended across a restart. Login limits hold per client, per IPv6 /64
 * and for all clients together, with growing delays after failures, on the
 * embedded and the Redis limiter. */
#include "security/secsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PASSWORD "a correct horse battery staple"

static int setup(void **state)
{
    (void)state;
    return sec_db_setup("sec_closed");
}

static void start(struct sec_server *s, const char *redis_url, const char *const *more)
{
    char e_redis[128], e_prefix[96];
    snprintf(e_redis, sizeof(e_redis), "REDIS_URL=%s", redis_url);
    snprintf(e_prefix, sizeof(e_prefix), "FCINDEX_REDIS_PREFIX=sec:%d:", (int)getpid());
    sec_api_start(s,
                  (const char *[]){e_redis, e_prefix, "FCINDEX_API_LISTEN=127.0.0.1:0",
                                   "FCINDEX_AUTH_ADMIN_PASSWORD=" PASSWORD,
                                   "FCINDEX_AUTH_COOKIE_SECURE=false", "FCINDEX_LOG_LEVEL=warn",
                                   NULL},
                  more);
}

static long admin_call(const struct sec_server *s, const char *method, const char *path,
                       const char *token)
{
    char cookie[2300], origin[96];
    snprintf(cookie, sizeof(cookie), "Cookie: token=%s", token);
    snprintf(origin, sizeof(origin), "Origin: %s", s->base);
    struct fct_http h;
    sec_call(s, method, path, (const char *[]){cookie, origin, NULL},
             strcmp(method, "POST") == 0 ? "" : NULL, &h);
    long st = h.status;
    fct_http_cleanup(&h);
    return st;
}

static void logout_and_login_with_redis_failing(void **state)
{
    (void)state;
    struct sec_redis r;
    sec_redis_start(&r);
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    start(&s, r.url, (const char *[]){"FCINDEX_API_RATE_LOGIN_PER_MIN=1000", NULL});
    long st;
    char *t1 = sec_login(&s, PASSWORD, NULL, &st);
    char *t2 = sec_login(&s, PASSWORD, NULL, &st);
    char *t3 = sec_login(&s, PASSWORD, NULL, &st);
    assert_non_null(t1);
    assert_non_null(t2);
    assert_non_null(t3);

    /* Redis refuses writes (a replica of a master that does not exist) */
    char *reply = sec_redis_cli(&r, (const char *[]){"REPLICAOF", "127.0.0.1", "1", NULL});
    assert_non_null(strstr(reply, "OK"));
    free(reply);
    assert_int_equal(admin_call(&s, "POST", "/auth/logout", t1), 200);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t1), 403); /* ended */
    for (int i = 0; i < 3; i++) { /* no guessing while the limiter cannot count */
        char *t = sec_login(&s, "wrong password guess", NULL, &st);
        assert_null(t);
        assert_int_equal(st, 503);
    }
    char *t = sec_login(&s, PASSWORD, NULL, &st);
    assert_null(t);
    assert_int_equal(st, 503);

    /* Redis down */
    sec_redis_stop(&r);
    assert_int_equal(admin_call(&s, "POST", "/auth/logout", t2), 200);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t2), 403);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t1), 403);
    for (int i = 0; i < 12; i++) {
        t = sec_login(&s, "wrong password guess", NULL, &st);
        assert_null(t);
        assert_int_equal(st, 503);
    }
    sec_server_free(&s);

    /* a restart (and an empty new Redis) does not bring ended sessions back */
    sec_redis_start(&r);
    start(&s, r.url, NULL);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t1), 403);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t2), 403);
    assert_int_equal(admin_call(&s, "GET", "/admin/status", t3), 200); /* never ended */
    sec_server_free(&s);
    sec_redis_stop(&r);
    free(t1);
    free(t2);
    free(t3);
}

/* A failed login attempt from addr (through the trusted proxy): status and
 * Retry-After. */
static long attempt(const struct sec_server *s, const char *addr, const char *password,
                    int *retry_after)
{
    char xff[128];
    snprintf(xff, sizeof(xff), "X-Forwarded-For: %s", addr);
    char body[256];
    snprintf(body, sizeof(body), "{\"password\":\"%s\"}", password);
    struct fct_http h;
    sec_call(s, "POST", "/auth/login", (const char *[]){xff, "Content-Type: application/json",
                                                        NULL}, body, &h);
    char ra[32] = "0";
    fct_http_header_value(&h, "Retry-After", ra, sizeof(ra));
    *retry_after = atoi(ra);
    long st = h.status;
    fct_http_cleanup(&h);
    return st;
}

static void login_limits(const char *redis_url)
{
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    start(&s, redis_url, (const char *[]){"FCINDEX_API_TRUSTED_PROXIES=127.0.0.1",
                                          "FCINDEX_API_RATE_LOGIN_PER_MIN=5", NULL});
    int ra;
    /* growing delays: the third failure locks the client 1 s, the next 2 s */
    assert_int_equal(attempt(&s, "198.51.100.7", "guess one!!!", &ra), 401);
    assert_int_equal(attempt(&s, "198.51.100.7", "guess two!!!", &ra), 401);
    assert_int_equal(attempt(&s, "198.51.100.7", "guess three!", &ra), 401);
    assert_int_equal(attempt(&s, "198.51.100.7", PASSWORD, &ra), 429);
    assert_int_equal(ra, 1);
    long long deadline = sec_now_ms() + 5000;
    long st;
    while ((st = attempt(&s, "198.51.100.7", "guess four!!", &ra)) == 429 &&
           sec_now_ms() < deadline)
        usleep(200000);
    assert_int_equal(st, 401);
    assert_int_equal(attempt(&s, "198.51.100.7", PASSWORD, &ra), 429);
    assert_int_equal(ra, 2);

    sec_server_free(&s);

    /* one IPv6 /64 is one client: one attempt a minute (a refill takes 60 s),
     * shared by every address in it */
    start(&s, redis_url, (const char *[]){"FCINDEX_API_TRUSTED_PROXIES=127.0.0.1",
                                          "FCINDEX_API_RATE_LOGIN_PER_MIN=1", NULL});
    assert_int_equal(attempt(&s, "2001:db8:1:2::1", PASSWORD, &ra), 200);
    assert_int_equal(attempt(&s, "2001:db8:1:2:ffff::9", PASSWORD, &ra), 429);
    assert_int_equal(attempt(&s, "2001:db8:1:2::1", PASSWORD, &ra), 429);
    assert_int_equal(attempt(&s, "2001:db8:1:3::1", PASSWORD, &ra), 200); /* another /64 */
    assert_int_equal(attempt(&s, "198.51.100.8", PASSWORD, &ra), 200);  /* IPv4: per address */
    assert_int_equal(attempt(&s, "198.51.100.9", PASSWORD, &ra), 200);
    sec_server_free(&s);

    /* all clients together: one a minute (a refill takes 60 s), so many
     * addresses do not multiply the guesses */
    start(&s, redis_url, (const char *[]){"FCINDEX_API_TRUSTED_PROXIES=127.0.0.1",
                                          "FCINDEX_API_RATE_LOGIN_GLOBAL_PER_MIN=1", NULL});
    long long t0 = sec_now_ms();
    assert_int_equal(attempt(&s, "203.0.113.1", "a wrong guess", &ra), 401);
    for (int i = 1; i < 6; i++) {
        char a[64];
        snprintf(a, sizeof(a), "203.0.113.%d", i + 1);
        assert_int_equal(attempt(&s, a, PASSWORD, &ra), 429);
        assert_true(ra >= 1);
    }
    assert_true(sec_now_ms() - t0 < 60000); /* no refill could have happened */
    sec_server_free(&s);
}

static void login_limits_embedded(void **state)
{
    (void)state;
    login_limits("");
}

static void login_limits_redis(void **state)
{
    (void)state;
    struct sec_redis r;
    sec_redis_start(&r);
    login_limits(r.url);
    sec_redis_stop(&r);
}

FCT_MAIN(setup, sec_db_teardown, logout_and_login_with_redis_failing, login_limits_embedded,
         login_limits_redis)
