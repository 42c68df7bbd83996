/* Safe first start: no secret ships in the code. A token forged with the
 * old public default secret (or any guess) is refused; an empty or default
 * password does not log in; the generated admin password is printed once
 * and only its hash is stored; every API process of the instance uses the
 * same generated JWT secret; a non-loopback listen address with development
 * defaults and a weak configured password refuse to start. */
#include "api/auth.h"
#include "security/secsupport.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int setup(void **state)
{
    (void)state;
    return sec_db_setup("sec_first");
}

static long status_with_cookie(const struct sec_server *s, const char *method, const char *path,
                               const char *token, const char *body)
{
    char cookie[2300], origin[96];
    snprintf(cookie, sizeof(cookie), "Cookie: token=%s", token);
    snprintf(origin, sizeof(origin), "Origin: %s", s->base);
    struct fct_http h;
    sec_call(s, method, path,
             (const char *[]){cookie, origin, "Content-Type: application/json", NULL}, body, &h);
    long st = h.status;
    fct_http_cleanup(&h);
    return st;
}

static char *forged_token(const char *secret)
{
    struct fc_auth *a;
    struct fc_diag d;
    assert_int_equal(fc_auth_new(secret, "any password at all", "", 3600, &a, &d), FC_OK);
    struct fc_buf t = FC_BUF_INIT;
    fc_auth_issue(a, "admin", (int64_t)time(NULL), &t);
    fc_auth_free(a);
    return fc_buf_take(&t);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;
    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static void forged_tokens_and_default_passwords_are_refused(void **state)
{
    (void)state;
    const char *env[] = {"REDIS_URL=", "FCINDEX_API_LISTEN=127.0.0.1:0",
                         "FCINDEX_AUTH_COOKIE_SECURE=false", NULL};
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    sec_api_start(&s, env, NULL);
    char *out = sec_server_output(&s);
    const char *mark = "generated one-time password (shown only now; its hash is stored in "
                       "the database): ";
    const char *at = strstr(out, mark);
    if (!at)
        fail_msg("no one-time password printed: %s", out);
    char password[128];
    snprintf(password, sizeof(password), "%.*s", (int)strcspn(at + strlen(mark), "\n"),
             at + strlen(mark));
    assert_true(strlen(password) >= 16);
    free(out);

    /* the old public default secret, and a guessed one, sign nothing here */
    const char *guesses[] = {"dev-insecure-jwt-secret", "secret", "changeme",
                             "0123456789abcdef0123456789abcdef"};
    for (size_t i = 0; i < sizeof(guesses) / sizeof(guesses[0]); i++) {
        char *forged = forged_token(guesses[i]);
        assert_int_equal(status_with_cookie(&s, "GET", "/admin/status", forged, NULL), 403);
        assert_int_equal(status_with_cookie(&s, "POST", "/admin/targets", forged,
                                            "{\"fid\":3,\"root\":true}"), 403);
        free(forged);
    }
    /* empty and default passwords do not log in */
    const char *bad[] = {"", "admin", "password", "changeme"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        long st;
        char *t = sec_login(&s, bad[i], NULL, &st);
        assert_null(t);
        assert_true(st == 401 || st == 429);
    }
    /* only the hash is stored */
    char *stored = fct_sql_value(sec_db_url, "SELECT value FROM instance_secrets WHERE name = "
                                             "'admin_password_hash'");
    assert_true(strncmp(stored, "$argon2id$", 10) == 0);
    assert_null(strstr(stored, password));
    free(stored);
    char *secret = fct_sql_value(sec_db_url, "SELECT value FROM instance_secrets WHERE name = "
                                             "'jwt_secret'");
    assert_int_equal(strlen(secret), 64);
    free(secret);

    /* a second API process of the instance: same secret, no new password */
    static struct sec_server s2;
    sec_api_start(&s2, env, NULL);
    long st;
    char *token = sec_login(&s2, password, NULL, &st);
    assert_int_equal(st, 200);
    assert_int_equal(status_with_cookie(&s, "GET", "/admin/status", token, NULL), 200);
    free(token);
    sec_server_stop(&s2);
    out = sec_server_output(&s2);
    assert_null(strstr(out, "one-time password"));
    assert_null(strstr(out, password));
    free(out);
    sec_server_free(&s2);
    sec_server_stop(&s);
    out = sec_server_output(&s);
    assert_int_equal(count(out, password), 1); /* printed once, never logged */
    free(out);
    sec_server_free(&s);
}

/* serve --role=api on the file's database with env must refuse to start
 * and say hint; complaint heads the failure message otherwise. */
static void refuses_to_start(const char *const *env, const char *hint, const char *complaint)
{
    char env_db[600];
    snprintf(env_db, sizeof(env_db), "DATABASE_URL=%s", sec_db_url);
    const char *all[8] = {env_db};
    for (size_t i = 0; env[i] && i < 6; i++)
        all[i + 1] = env[i];
    static struct sec_server s; /* static: its reader thread outlives a failed assertion */
    int rc = sec_server_start(&s, (const char *[]){"--role=api", NULL}, all);
    assert_int_not_equal(rc, 0);
    if (!strstr(s.out.data, hint))
        fail_msg("%s: %s", complaint, s.out.data);
    sec_server_free(&s);
}

static void unsafe_configurations_refuse_to_start(void **state)
{
    (void)state;
    /* reachable from other machines with development defaults */
    refuses_to_start((const char *[]){"REDIS_URL=", "FCINDEX_API_LISTEN=0.0.0.0:0", NULL},
                     "set general.profile=production", "no hint of what to set");
    /* production on every address without naming the hosts it answers to */
    refuses_to_start((const char *[]){"REDIS_URL=", "FCINDEX_PROFILE=production",
                                      "FCINDEX_API_LISTEN=0.0.0.0:0", NULL},
                     "api.allowed_hosts: set the host names", "no hint of what to set");
    /* a weak configured password */
    refuses_to_start((const char *[]){"REDIS_URL=", "FCINDEX_API_LISTEN=127.0.0.1:0",
                                      "FCINDEX_AUTH_ADMIN_PASSWORD=admin", NULL},
                     "auth.admin_password: the password is shorter than 12",
                     "weak password accepted or unexplained");
}

FCT_MAIN(setup, sec_db_teardown, forged_tokens_and_default_passwords_are_refused,
         unsafe_configurations_refuse_to_start)
