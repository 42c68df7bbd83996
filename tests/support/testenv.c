#include "support/testenv.h"

#include "state/redis_conn.h"

#include <curl/curl.h>
#include <libpq-fe.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static bool ci_mode(void);

static void missing(const char *what)
{
    if (ci_mode()) {
        fprintf(stderr, "FAIL: %s is required under CI (start it with scripts/services up)\n",
                what);
        exit(1);
    }
    fprintf(stderr, "SKIP: %s not available (run scripts/services up)\n", what);
    exit(77);
}

const char *fct_require_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v)
        missing(name);
    return v;
}

static bool ci_mode(void)
{
    const char *ci = getenv("CI");
    return ci && *ci && strcmp(ci, "false") != 0;
}

static int skipped_for_redis;

/* Opens REDIS_URL; NULL with the reason in diag when unset or unreachable. */
static struct fc_redis *redis_open(struct fc_diag *diag)
{
    const char *url = getenv("REDIS_URL");
    if (!url || !*url) {
        snprintf(diag->msg, sizeof(diag->msg), "REDIS_URL is not set");
        return NULL;
    }
    struct fc_redis *r = NULL;
    if (fc_redis_open(url, 2000, &r, diag) != FC_OK)
        return NULL;
    if (fc_redis_ping(r, diag) != FC_OK) {
        fc_redis_close(r);
        return NULL;
    }
    return r;
}

const char *fct_redis_or_skip(void)
{
    struct fc_diag diag = {{0}};
    struct fc_redis *r = redis_open(&diag);
    if (r) {
        fc_redis_close(r);
        return getenv("REDIS_URL");
    }
    if (ci_mode())
        fail_msg("Redis is required under CI=true and unavailable: %s "
                 "(start it with scripts/services up)", diag.msg);
    fprintf(stderr, "SKIP: Redis unavailable (%s); this test needs it\n", diag.msg);
    skipped_for_redis++;
    skip();
    return NULL;
}

void fct_test_filter(void)
{
    const char *only = getenv("FCT_ONLY");
    if (only && *only)
        cmocka_set_test_filter(only);
}

int fct_exit_status(int failures)
{
    if (failures)
        return failures;
    return skipped_for_redis ? 77 : 0;
}

static long long redis_vint(const char *fmt, va_list ap)
{
    struct fc_diag diag = {{0}};
    struct fc_redis *r = redis_open(&diag);
    if (!r)
        fail_msg("Redis: %s", diag.msg);
    struct fc_redis_reply *rep = fc_redis_vcommand(r, &diag, fmt, ap);
    if (fc_redis_reply_type(rep) != FC_REDIS_INTEGER) {
        char why[256];
        snprintf(why, sizeof(why), "%s", fc_redis_reply_type(rep) == FC_REDIS_ERROR
                                             ? fc_redis_reply_str(rep) : "no integer reply");
        fc_redis_reply_free(rep);
        fc_redis_close(r);
        fail_msg("Redis command %s: %s", fmt, why);
    }
    long long v = fc_redis_reply_int(rep);
    fc_redis_reply_free(rep);
    fc_redis_close(r);
    return v;
}

long long fct_redis_int(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    long long v = redis_vint(fmt, ap);
    va_end(ap);
    return v;
}

long long fct_redis_keys_with_prefix(const char *prefix)
{
    struct fc_diag diag = {{0}};
    struct fc_redis *r = redis_open(&diag);
    if (!r)
        fail_msg("Redis: %s", diag.msg);
    char pattern[300];
    snprintf(pattern, sizeof(pattern), "%s*", prefix);
    long long n = 0;
    char cursor[32] = "0";
    do {
        struct fc_redis_reply *rep = fc_redis_command(r, &diag, "SCAN %s MATCH %s COUNT 1000",
                                                      cursor, pattern);
        if (fc_redis_reply_count(rep) != 2 || !fc_redis_reply_str(fc_redis_reply_at(rep, 0))) {
            fc_redis_reply_free(rep);
            fc_redis_close(r);
            fail_msg("Redis SCAN failed");
        }
        snprintf(cursor, sizeof(cursor), "%s", fc_redis_reply_str(fc_redis_reply_at(rep, 0)));
        n += (long long)fc_redis_reply_count(fc_redis_reply_at(rep, 1));
        fc_redis_reply_free(rep);
    } while (strcmp(cursor, "0") != 0);
    fc_redis_close(r);
    return n;
}

const char *fct_fcindex_bin(void)
{
    return fct_require_env("FCINDEX_BIN");
}

/* Replaces the database name in a postgresql:// URL. */
static void with_dbname(const char *url, const char *db, char *out, size_t out_size)
{
    const char *scheme = strstr(url, "://");
    const char *slash = scheme ? strchr(scheme + 3, '/') : NULL;
    const char *query = strchr(url, '?');
    if (!slash || (query && slash > query)) {
        snprintf(out, out_size, "%.*s/%s%s", (int)(query ? query - url : (long)strlen(url)), url,
                 db, query ? query : "");
        return;
    }
    snprintf(out, out_size, "%.*s/%s%s", (int)(slash - url), url, db, query ? query : "");
}

static PGconn *connect_or_skip(const char *url)
{
    PGconn *c = PQconnectdb(url);
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "cannot connect: %s", PQerrorMessage(c));
        PQfinish(c);
        missing("PostgreSQL");
    }
    return c;
}

static void exec_or_die(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) {
        fprintf(stderr, "SQL failed: %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        exit(1);
    }
    PQclear(r);
}

void fct_db_create(const char *tag, char *url_out, size_t url_size)
{
    const char *admin = fct_require_env("DATABASE_URL");
    char name[96], sql[256];
    snprintf(name, sizeof(name), "fct_%s_%d_%ld", tag, (int)getpid(), (long)random() % 100000);
    PGconn *c = connect_or_skip(admin);
    snprintf(sql, sizeof(sql), "CREATE DATABASE \"%s\"", name);
    exec_or_die(c, sql);
    PQfinish(c);
    with_dbname(admin, name, url_out, url_size);
}

void fct_db_create_migrated(const char *tag, char *url_out, size_t url_size)
{
    fct_db_create(tag, url_out, url_size);
    char env[600];
    snprintf(env, sizeof(env), "DATABASE_URL=%s", url_out);
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_run((const char *[]){fct_fcindex_bin(), "migrate", NULL},
                     (const char *[]){env, NULL}, &out);
    if (rc)
        fail_msg("migrate: %s", out.data);
    fc_buf_cleanup(&out);
}

void fct_db_drop(const char *url)
{
    if (!url || !*url)
        return; /* a setup that failed before creating it */
    const char *admin = fct_require_env("DATABASE_URL");
    const char *slash = strrchr(url, '/');
    char name[128], sql[256];
    snprintf(name, sizeof(name), "%s", slash ? slash + 1 : url);
    char *q = strchr(name, '?');
    if (q)
        *q = '\0';
    PGconn *c = connect_or_skip(admin);
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS \"%s\" WITH (FORCE)", name);
    exec_or_die(c, sql);
    PQfinish(c);
}

char *fct_sql_value(const char *url, const char *sql)
{
    PGconn *c = connect_or_skip(url);
    PGresult *r = PQexec(c, sql);
    if (PQresultStatus(r) != PGRES_TUPLES_OK && PQresultStatus(r) != PGRES_COMMAND_OK) {
        fprintf(stderr, "SQL failed: %s: %s", sql, PQresultErrorMessage(r));
        PQclear(r);
        PQfinish(c);
        fail_msg("SQL failed");
    }
    char *v = fc_xstrdup(PQntuples(r) > 0 && !PQgetisnull(r, 0, 0) ? PQgetvalue(r, 0, 0) : "");
    PQclear(r);
    PQfinish(c);
    return v;
}

long long fct_sql_ll(const char *url, const char *sql)
{
    char *v = fct_sql_value(url, sql);
    long long n = strtoll(v, NULL, 10);
    free(v);
    return n;
}

void fct_assert_sql(const char *url, const char *sql, const char *want)
{
    char *got = fct_sql_value(url, sql);
    if (strcmp(got, want) != 0)
        fail_msg("%s\n  got  [%s]\n  want [%s]", sql, got, want);
    free(got);
}

char *fct_unhex(const char *hex, size_t *len)
{
    *len = strlen(hex) / 2;
    char *bytes = fc_xmalloc(*len + 1);
    for (size_t k = 0; k < *len; k++) {
        unsigned v;
        if (sscanf(hex + 2 * k, "%2x", &v) != 1)
            fail_msg("not hex at %zu: %.40s", 2 * k, hex + 2 * k);
        bytes[k] = (char)v;
    }
    bytes[*len] = '\0';
    return bytes;
}

void fct_assert_no_sanitizer_report(const char *what, const char *out)
{
    static const char *const marks[] = {"AddressSanitizer", "LeakSanitizer", "runtime error:",
                                        "UndefinedBehaviorSanitizer"};
    for (size_t i = 0; i < sizeof(marks) / sizeof(marks[0]); i++)
        if (out && strstr(out, marks[i]))
            fail_msg("%s: sanitizer report:\n%s", what, out);
}

int fct_spawn(const char *const *argv, const char *const *extra_env, int *out_fd)
{
    int fds[2];
    if (pipe(fds) != 0)
        return -1;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        dup2(fds[1], 1);
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        for (const char *const *e = extra_env; e && *e; e++)
            putenv((char *)*e);
        execv(argv[0], (char *const *)argv);
        fprintf(stderr, "exec %s failed\n", argv[0]);
        _exit(127);
    }
    close(fds[1]);
    *out_fd = fds[0];
    return pid;
}

int fct_wait(int pid, int fd, struct fc_buf *out)
{
    char buf[4096];
    ssize_t n;
    while ((n = read(fd, buf, sizeof(buf))) > 0)
        if (out)
            fc_buf_append(out, buf, (size_t)n);
    close(fd);
    int status;
    if (waitpid(pid, &status, 0) < 0)
        return -1;
    if (out && !out->data)
        fc_buf_puts(out, "");
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

int fct_run(const char *const *argv, const char *const *extra_env, struct fc_buf *out)
{
    int fd;
    int pid = fct_spawn(argv, extra_env, &fd);
    if (pid < 0)
        return -1;
    return fct_wait(pid, fd, out);
}

char *fct_write_temp(const char *text)
{
    char *path = fc_xstrdup("/tmp/fctest-XXXXXX");
    int fd = mkstemp(path);
    if (fd < 0)
        fail_msg("mkstemp failed");
    size_t len = strlen(text);
    if (write(fd, text, len) != (ssize_t)len)
        fail_msg("write failed");
    close(fd);
    return path;
}

int fct_fcindex(const char *const *args, const char *const *extra_env, struct fc_buf *out)
{
    const char *argv[16] = {fct_fcindex_bin()};
    int n = 1;
    for (; args[n - 1] && n < 15; n++)
        argv[n] = args[n - 1];
    argv[n] = NULL;
    fc_buf_reset(out);
    return fct_run(argv, extra_env, out);
}

int fct_validate_json(const char *name, const char *text)
{
    const char *src = fct_require_env("FCINDEX_SOURCE_DIR");
    char schema[1024], script[1024];
    snprintf(schema, sizeof(schema), "%s/docs/cli/%s.schema.json", src, name);
    snprintf(script, sizeof(script), "%s/tests/cli/validate_json.py", src);
    char *doc = fct_write_temp(text);
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_run((const char *[]){"/usr/bin/python3", script, schema, doc, NULL}, NULL, &out);
    if (rc)
        fprintf(stderr, "%s: %s\n", name, out.data);
    fc_buf_cleanup(&out);
    unlink(doc);
    free(doc);
    return rc;
}

static size_t collect(char *ptr, size_t size, size_t n, void *ud)
{
    fc_buf_append(ud, ptr, size * n);
    return size * n;
}

void fct_http_request(const char *method, const char *url, const char *const *headers,
                      const char *body, long timeout_ms, struct fct_http *out)
{
    memset(out, 0, sizeof(*out));
    fc_buf_puts(&out->body, "");
    fc_buf_puts(&out->headers, "");
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out->body);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &out->headers);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    struct curl_slist *hl = NULL;
    for (size_t i = 0; headers && headers[i]; i++)
        hl = curl_slist_append(hl, headers[i]);
    if (hl)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body)
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
    if (method && strcmp(method, "HEAD") == 0)
        curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
    else if (method && strcmp(method, body ? "POST" : "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    out->curl_code = (int)curl_easy_perform(c);
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &out->status);
    curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &out->seconds);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
}

void fct_http_do(const char *url, const char *post_body, long timeout_ms, struct fct_http *out)
{
    fct_http_request(post_body ? "POST" : "GET", url, NULL, post_body, timeout_ms, out);
}

const char *fct_http_header_value(const struct fct_http *h, const char *name, char *out,
                                  size_t out_size)
{
    size_t n = strlen(name);
    for (const char *line = h->headers.data; line && *line;) {
        const char *end = strchr(line, '\n');
        if (strncasecmp(line, name, n) == 0 && line[n] == ':') {
            const char *v = line + n + 1;
            while (*v == ' ')
                v++;
            size_t len = end ? (size_t)(end - v) : strlen(v);
            while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
                len--;
            if (len >= out_size)
                len = out_size - 1;
            memcpy(out, v, len);
            out[len] = '\0';
            return out;
        }
        line = end ? end + 1 : NULL;
    }
    return NULL;
}

void fct_http_cleanup(struct fct_http *h)
{
    fc_buf_cleanup(&h->body);
    fc_buf_cleanup(&h->headers);
}

int fct_hubsim_start(const char *const *args, int *port)
{
    const char *argv[40] = {fct_require_env("HUBSIM_BIN"), "--port", "0"};
    int n = 3;
    for (; args && args[n - 3] && n < 39; n++)
        argv[n] = args[n - 3];
    argv[n] = NULL;
    int fd;
    int pid = fct_spawn(argv, NULL, &fd);
    if (pid < 0)
        fail_msg("cannot start hubsim");
    /* Read the "listening on http://host:port" line. */
    char line[512];
    size_t len = 0;
    while (len < sizeof(line) - 1) {
        ssize_t r = read(fd, line + len, 1);
        if (r <= 0)
            break;
        if (line[len++] == '\n')
            break;
    }
    line[len] = '\0';
    close(fd);
    char *colon = strrchr(line, ':');
    if (!strstr(line, "listening") || !colon) {
        fct_signal(pid, SIGKILL);
        waitpid(pid, NULL, 0);
        fail_msg("hubsim did not start: %s", line);
    }
    *port = atoi(colon + 1);
    return pid;
}

long long fct_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int fct_listen_loopback(int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = 0};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
    assert_int_equal(listen(fd, 64), 0);
    socklen_t len = sizeof(sa);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    *port = ntohs(sa.sin_port);
    return fd;
}

bool fct_wait_sql(const char *url, const char *sql, const char *want, int timeout_ms)
{
    long long deadline = fct_now_ms() + timeout_ms;
    for (;;) {
        char *got = fct_sql_value(url, sql);
        bool ok = strcmp(got, want) == 0;
        free(got);
        if (ok)
            return true;
        if (fct_now_ms() > deadline)
            return false;
        usleep(50000);
    }
}

bool fct_read_until(int fd, struct fc_buf *out, size_t from, const char *needle, int timeout_ms)
{
    long long deadline = fct_now_ms() + timeout_ms;
    for (;;) {
        if (out->data && out->len > from && strstr(out->data + from, needle))
            return true;
        long long left = deadline - fct_now_ms();
        if (left <= 0)
            return false;
        struct pollfd p = {.fd = fd, .events = POLLIN};
        int r = poll(&p, 1, (int)(left < 100 ? left : 100));
        if (r > 0) {
            char buf[4096];
            ssize_t n = read(fd, buf, sizeof(buf));
            if (n <= 0)
                return out->data && out->len > from && strstr(out->data + from, needle);
            fc_buf_append(out, buf, (size_t)n);
        }
    }
}

int fct_signal(int pid, int sig)
{
    if (pid <= 0)
        return -1;
    return kill(pid, sig);
}

void fct_hubsim_stop(int pid)
{
    if (pid <= 0)
        return;
    fct_signal(pid, SIGTERM);
    int status;
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, &status, WNOHANG) == pid)
            return;
        usleep(20000);
    }
    fct_signal(pid, SIGKILL);
    waitpid(pid, &status, 0);
}
