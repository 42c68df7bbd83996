#include "support/serve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#include "core/fctime.h"

void fct_env_init(struct fct_env *e, const char *db, const char *hubs, const char *redis,
                  const char *prefix, const char *admin_password, const char *const *more)
{
    size_t n = 0;
    snprintf(e->db, sizeof(e->db), "DATABASE_URL=%s", db);
    e->vars[n++] = e->db;
    snprintf(e->hubs, sizeof(e->hubs), "FCINDEX_HUBS_URLS=%s", hubs);
    e->vars[n++] = e->hubs;
    snprintf(e->redis, sizeof(e->redis), "REDIS_URL=%s", redis);
    e->vars[n++] = e->redis;
    if (prefix) {
        snprintf(e->prefix, sizeof(e->prefix), "FCINDEX_REDIS_PREFIX=%s", prefix);
        e->vars[n++] = e->prefix;
    }
    e->vars[n++] = "FCINDEX_API_LISTEN=127.0.0.1:0";
    if (admin_password) {
        snprintf(e->password, sizeof(e->password), "FCINDEX_AUTH_ADMIN_PASSWORD=%s",
                 admin_password);
        e->vars[n++] = e->password;
        e->vars[n++] = "FCINDEX_AUTH_JWT_SECRET=deployment-test-secret-0123456789abcdef";
        e->vars[n++] = "FCINDEX_AUTH_COOKIE_SECURE=false";
        e->vars[n++] = "FCINDEX_API_RATE_ADMIN_PER_MIN=0";
    }
    const size_t cap = sizeof(e->vars) / sizeof(e->vars[0]) - 1; /* room for the NULL */
    for (size_t i = 0; more && more[i]; i++) {
        if (n == cap)
            fail_msg("fct_env_init: more than %zu entries", cap);
        e->vars[n++] = more[i];
    }
    e->vars[n] = NULL;
}

void fct_serve_start(struct fct_serve *p, const char *role, const char *const *env)
{
    memset(p, 0, sizeof(*p));
    char arg[32];
    snprintf(arg, sizeof(arg), "--role=%s", role);
    p->pid = fct_spawn((const char *[]){fct_fcindex_bin(), "serve", arg, NULL}, env, &p->fd);
    assert_true(p->pid > 0);
    if (strcmp(role, "indexer") == 0)
        return;
    char buf[8192];
    size_t got = 0;
    int64_t deadline = fc_now_mono_ms() + 30000;
    while (!p->port && fc_now_mono_ms() < deadline && got < sizeof(buf) - 1) {
        ssize_t r = read(p->fd, buf + got, sizeof(buf) - 1 - got);
        if (r <= 0) {
            usleep(20000);
            continue;
        }
        got += (size_t)r;
        buf[got] = '\0';
        const char *l = strstr(buf, "api: listening on port ");
        if (l && strchr(l, '\n'))
            p->port = (unsigned)atoi(l + strlen("api: listening on port "));
    }
    if (!p->port)
        fail_msg("serve --role=%s did not start listening", role);
}

void fct_serve_stop(struct fct_serve *p, int sig)
{
    if (p->pid <= 0)
        return;
    fct_signal(p->pid, sig);
    struct fc_buf out = FC_BUF_INIT;
    fct_wait(p->pid, p->fd, &out);
    fc_buf_cleanup(&out);
    p->pid = -1;
}

void fct_serve_login(struct fct_serve *p, const char *password)
{
    char url[128], body[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/auth/login", p->port);
    snprintf(body, sizeof(body), "{\"password\":\"%s\"}", password);
    struct fct_http h;
    fct_http_request("POST", url, (const char *[]){"Content-Type: application/json", NULL}, body,
                     5000, &h);
    if (h.status != 200)
        fail_msg("login on port %u: %ld %s", p->port, h.status, h.body.data);
    char cookie[1100];
    assert_non_null(fct_http_header_value(&h, "Set-Cookie", cookie, sizeof(cookie)));
    *strchr(cookie, ';') = '\0';
    snprintf(p->cookie, sizeof(p->cookie), "Cookie: %s", cookie);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    const char *path[] = {"csrf_token", NULL};
    const char *csrf = YAJL_GET_STRING(yajl_tree_get(v, path, yajl_t_string));
    assert_non_null(csrf);
    snprintf(p->csrf, sizeof(p->csrf), "X-CSRF-Token: %s", csrf);
    yajl_tree_free(v);
    fct_http_cleanup(&h);
}
