/* `fcindex serve` processes started by a test: spawn one with a role and
 * an environment, wait for its API port, log in as the admin (session
 * cookie and CSRF header ready to send), stop it with a signal. */
#ifndef FC_TESTS_SERVE_H
#define FC_TESTS_SERVE_H

#include "support/testenv.h"

struct fct_serve {
    int pid, fd;
    unsigned port;    /* 0 for --role=indexer, which serves no API */
    char cookie[1200]; /* "Cookie: token=..." after fct_serve_login */
    char csrf[80];     /* "X-CSRF-Token: ..." */
};

/* The environment of a deployment's processes (serve and the commands run
 * beside it): DATABASE_URL=db, FCINDEX_HUBS_URLS=hubs, REDIS_URL=redis (""
 * for the embedded backends), FCINDEX_REDIS_PREFIX=prefix unless prefix is
 * NULL, FCINDEX_API_LISTEN=127.0.0.1:0 (a free port); with admin_password,
 * an admin API the test logs into over plain HTTP (that password, a fixed
 * JWT secret every process shares, cookies without Secure, no admin rate
 * limit); then the test's own entries (more, NULL-terminated). vars is
 * NULL-terminated. */
struct fct_env {
    char db[600], hubs[600], redis[600], prefix[200], password[200];
    const char *vars[26];
};
void fct_env_init(struct fct_env *e, const char *db, const char *hubs, const char *redis,
                  const char *prefix, const char *admin_password, const char *const *more);

/* Starts `fcindex serve --role=ROLE` with env (NULL-terminated "NAME=value"
 * entries); for roles with an API, waits up to 30 s for its port. */
void fct_serve_start(struct fct_serve *p, const char *role, const char *const *env);
/* Sends sig and collects the process (its output is discarded). */
void fct_serve_stop(struct fct_serve *p, int sig);
/* POST /auth/login with password; fails the test unless it answers 200. */
void fct_serve_login(struct fct_serve *p, const char *password);

#endif
