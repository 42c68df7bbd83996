#include "security/secsupport.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

long long sec_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

char sec_db_url[512];

int sec_db_setup(const char *tag)
{
    fct_db_create_migrated(tag, sec_db_url, sizeof(sec_db_url));
    return 0;
}

int sec_db_teardown(void **state)
{
    (void)state;
    fct_db_drop(sec_db_url);
    return 0;
}

static void *read_output(void *arg)
{
    struct sec_server *s = arg;
    char buf[4096];
    ssize_t n;
    while ((n = read(s->fd, buf, sizeof(buf))) > 0) {
        pthread_mutex_lock(&s->lock);
        fc_buf_append(&s->out, buf, (size_t)n);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

char *sec_server_output(struct sec_server *s)
{
    pthread_mutex_lock(&s->lock);
    char *copy = fc_xstrdup(s->out.data ? s->out.data : "");
    pthread_mutex_unlock(&s->lock);
    return copy;
}

int sec_server_start(struct sec_server *s, const char *const *args, const char *const *env)
{
    memset(s, 0, sizeof(*s));
    pthread_mutex_init(&s->lock, NULL);
    fc_buf_puts(&s->out, "");
    const char *argv[16] = {fct_fcindex_bin(), "serve"};
    size_t n = 2;
    for (size_t i = 0; args && args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    s->pid = fct_spawn(argv, env, &s->fd);
    if (s->pid < 0)
        fail_msg("cannot start fcindex serve");
    pthread_create(&s->reader, NULL, read_output, s);
    s->reading = true;
    long long deadline = sec_now_ms() + 30000;
    while (sec_now_ms() < deadline) {
        char *o = sec_server_output(s);
        const char *l = strstr(o, "api: listening on port ");
        if (l && strchr(l, '\n')) {
            s->port = (unsigned)atoi(l + strlen("api: listening on port "));
            snprintf(s->base, sizeof(s->base), "http://127.0.0.1:%u", s->port);
            free(o);
            return 0;
        }
        free(o);
        int status;
        if (waitpid(s->pid, &status, WNOHANG) == s->pid) {
            pthread_join(s->reader, NULL);
            s->reading = false;
            close(s->fd);
            s->pid = -1;
            return WIFEXITED(status) ? WEXITSTATUS(status) : 255;
        }
        usleep(20000);
    }
    fail_msg("fcindex serve did not listen within 30 s: %s", s->out.data);
    return -1;
}

void sec_api_start(struct sec_server *s, const char *const *env, const char *const *more)
{
    char e_db[600];
    snprintf(e_db, sizeof(e_db), "DATABASE_URL=%s", sec_db_url);
    const char *all[24] = {e_db};
    size_t n = 1;
    for (size_t i = 0; env && env[i] && n < 23; i++)
        all[n++] = env[i];
    for (size_t i = 0; more && more[i] && n < 23; i++)
        all[n++] = more[i];
    all[n] = NULL;
    assert_int_equal(sec_server_start(s, (const char *[]){"--role=api", NULL}, all), 0);
}

void sec_server_stop(struct sec_server *s)
{
    if (s->pid > 0) {
        fct_signal(s->pid, SIGTERM);
        waitpid(s->pid, NULL, 0);
        s->pid = -1;
    }
    if (s->reading) {
        pthread_join(s->reader, NULL);
        s->reading = false;
        close(s->fd);
    }
}

void sec_server_free(struct sec_server *s)
{
    sec_server_stop(s);
    fc_buf_cleanup(&s->out);
    pthread_mutex_destroy(&s->lock);
}

/* ---- a private Redis ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        fail_msg("no free port");
    close(fd);
    return ntohs(a.sin_port);
}

char *sec_redis_cli(const struct sec_redis *r, const char *const *args)
{
    char port[16];
    snprintf(port, sizeof(port), "%d", r->port);
    const char *argv[16] = {"/usr/bin/redis-cli", "-h", "127.0.0.1", "-p", port};
    size_t n = 5;
    for (size_t i = 0; args[i] && n < 15; i++)
        argv[n++] = args[i];
    argv[n] = NULL;
    struct fc_buf out = FC_BUF_INIT;
    fct_run(argv, NULL, &out);
    return out.data ? fc_buf_take(&out) : fc_xstrdup("");
}

void sec_redis_start(struct sec_redis *r)
{
    r->port = free_port();
    char port[16];
    snprintf(port, sizeof(port), "%d", r->port);
    snprintf(r->url, sizeof(r->url), "redis://127.0.0.1:%d/0", r->port);
    const char *argv[] = {"/usr/bin/redis-server", "--bind", "127.0.0.1", "--port", port,
                          "--save", "", "--appendonly", "no", "--logfile", "/dev/null", NULL};
    int fd;
    r->pid = fct_spawn(argv, NULL, &fd);
    close(fd); /* its log is not needed; writes to a closed pipe are ignored by redis */
    long long deadline = sec_now_ms() + 10000;
    while (sec_now_ms() < deadline) {
        char *pong = sec_redis_cli(r, (const char *[]){"PING", NULL});
        bool up = strstr(pong, "PONG") != NULL;
        free(pong);
        if (up)
            return;
        usleep(50000);
    }
    fail_msg("private redis-server did not start");
}

void sec_redis_stop(struct sec_redis *r)
{
    if (r->pid > 0) {
        fct_signal(r->pid, SIGKILL);
        waitpid(r->pid, NULL, 0);
        r->pid = -1;
    }
}

/* ---- requests ---- */

void sec_call(const struct sec_server *s, const char *method, const char *path,
              const char *const *headers, const char *body, struct fct_http *out)
{
    char url[4096];
    snprintf(url, sizeof(url), "%s%s", s->base, path);
    fct_http_request(method, url, headers, body, 20000, out);
}

const char *sec_error_code(const struct fct_http *h, char *out, size_t out_size)
{
    out[0] = '\0';
    yajl_val v = yajl_tree_parse(h->body.data ? h->body.data : "", NULL, 0);
    const char *p[] = {"error", "code", NULL};
    yajl_val c = v ? yajl_tree_get(v, p, yajl_t_string) : NULL;
    if (c)
        snprintf(out, out_size, "%s", c->u.string);
    yajl_tree_free(v);
    return out;
}

char *sec_login(const struct sec_server *s, const char *password, const char *const *headers,
                long *status)
{
    char body[512];
    snprintf(body, sizeof(body), "{\"password\":\"%s\"}", password);
    const char *h[8] = {"Content-Type: application/json"};
    size_t n = 1;
    for (size_t i = 0; headers && headers[i] && n < 7; i++)
        h[n++] = headers[i];
    h[n] = NULL;
    struct fct_http r;
    sec_call(s, "POST", "/auth/login", h, body, &r);
    *status = r.status;
    char cookie[2200];
    char *token = NULL;
    if (r.status == 200 && fct_http_header_value(&r, "Set-Cookie", cookie, sizeof(cookie))) {
        char *semi = strchr(cookie, ';');
        if (semi)
            *semi = '\0';
        token = fc_xstrdup(cookie + strlen("token="));
    }
    fct_http_cleanup(&r);
    return token;
}

int sec_connect(const char *from_ip, unsigned port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in local = {.sin_family = AF_INET};
    inet_pton(AF_INET, from_ip, &local.sin_addr);
    if (bind(fd, (struct sockaddr *)&local, sizeof(local)) != 0) {
        close(fd);
        return -1;
    }
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}
