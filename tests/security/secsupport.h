/* Shared by the attack tests in tests/security: a real `fcindex serve`
 * process on a throwaway migrated database (its whole output captured, so
 * tests can scan it for leaked secrets), a private Redis the test may break,
 * and raw sockets for slow clients. */
#ifndef FC_TESTS_SECSUPPORT_H
#define FC_TESTS_SECSUPPORT_H

#include <pthread.h>
#include <stdbool.h>

#include "support/testenv.h"

struct sec_server {
    int pid, fd;
    unsigned port;
    char base[64];
    pthread_t reader;
    bool reading;
    pthread_mutex_t lock;
    struct fc_buf out; /* everything the process wrote (stdout and stderr) */
};

/* The migrated database the tests of one file share, its URL in sec_db_url:
 * sec_db_setup (from the file's group setup) creates it under a name made
 * from tag; sec_db_teardown, a cmocka group teardown, drops it. */
extern char sec_db_url[512];
int sec_db_setup(const char *tag);
int sec_db_teardown(void **state);

/* Starts `fcindex serve ARGS` with env ("NAME=value", NULL-terminated)
 * added to the environment and waits up to 30 s for it to listen. Returns
 * 0 once it listens; when the process exits first, its exit status (and
 * s->out holds what it said). */
int sec_server_start(struct sec_server *s, const char *const *args, const char *const *env);
/* Starts `fcindex serve --role=api` on sec_db_url with the file's env
 * entries, then the test's own (more; either may be NULL), and fails the
 * test unless it listens. */
void sec_api_start(struct sec_server *s, const char *const *env, const char *const *more);
/* SIGTERM, wait, keep the output; sec_server_free releases it. */
void sec_server_stop(struct sec_server *s);
void sec_server_free(struct sec_server *s);
/* A copy of the output so far (caller frees). */
char *sec_server_output(struct sec_server *s);

/* A private redis-server on a free port, for tests that break it. */
struct sec_redis {
    int pid, port;
    char url[64];
};
void sec_redis_start(struct sec_redis *r);
void sec_redis_stop(struct sec_redis *r);
/* Runs one redis-cli command against it; the reply text (caller frees). */
char *sec_redis_cli(const struct sec_redis *r, const char *const *args);

/* method on s->base + path with extra headers; body may be NULL. */
void sec_call(const struct sec_server *s, const char *method, const char *path,
              const char *const *headers, const char *body, struct fct_http *out);
/* The value of JSON field error.code in a response ("" when none), into out. */
const char *sec_error_code(const struct fct_http *h, char *out, size_t out_size);

/* POST /auth/login; returns the session token (caller frees) on 200, NULL
 * otherwise; *status gets the status. */
char *sec_login(const struct sec_server *s, const char *password, const char *const *headers,
                long *status);

/* A TCP connection to 127.0.0.1:port from local address from_ip. */
int sec_connect(const char *from_ip, unsigned port);

/* Milliseconds on a monotonic clock. */
long long sec_now_ms(void);

#endif
