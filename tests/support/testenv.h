/* Helpers shared by the tests: service URLs, throwaway databases, running
 * the real binaries and capturing their output. */
#ifndef FC_TESTS_TESTENV_H
#define FC_TESTS_TESTENV_H

#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
/* cmocka needs the above first */
#include <cmocka.h>

#include "core/buf.h"

/* Returns the value of env var name (e.g. "DATABASE_URL"). When it is unset
 * the test process exits: 77 (skipped) locally, 1 (failed) under CI=true. */
const char *fct_require_env(const char *name);

/* REDIS_URL for a test that needs Redis, after a PING answered. When it is
 * unset or unreachable: under CI=true the test fails saying why; otherwise
 * it is skipped (cmocka skip) and fct_exit_status reports the process as
 * skipped (77), so ctest never counts it as passed. */
const char *fct_redis_or_skip(void);

/* The exit status for main: failures from cmocka_run_group_tests, else 77
 * when a test was skipped by fct_redis_or_skip, else 0. */
int fct_exit_status(int failures);

/* Runs only the test FCT_ONLY names, when it is set (while working on one). */
void fct_test_filter(void);

/* Runs a Redis command (hiredis format) on REDIS_URL and returns its integer
 * reply (e.g. "SCARD %s", "EXISTS %s"); fails the test on any error. */
long long fct_redis_int(const char *fmt, ...);

/* Number of Redis keys whose name starts with prefix (SCAN MATCH). */
long long fct_redis_keys_with_prefix(const char *prefix);

/* Creates an empty database with a unique name derived from tag; writes its
 * URL into url_out. Exits the process (skip/fail as above) if PostgreSQL is
 * unreachable. */
void fct_db_create(const char *tag, char *url_out, size_t url_size);

/* fct_db_create, then `fcindex migrate` on it; fails the test with
 * migrate's output when that fails. */
void fct_db_create_migrated(const char *tag, char *url_out, size_t url_size);

/* Drops a database made by fct_db_create (by its URL); "" is ignored. */
void fct_db_drop(const char *url);

/* Runs a SQL statement on url and returns the first value of the first row
 * as a new string ("" when no row); fails the test on a SQL error. */
char *fct_sql_value(const char *url, const char *sql);

/* fct_sql_value read as a number (0 when no row). */
long long fct_sql_ll(const char *url, const char *sql);

/* Fails the test, naming sql and both values, unless fct_sql_value(url, sql)
 * is want. */
void fct_assert_sql(const char *url, const char *sql, const char *want);

/* The bytes hex spells (two digits a byte; what SQL's encode(x, 'hex')
 * gives), NUL-terminated, their number in *len; fails the test on a
 * non-hex digit. Caller frees. */
char *fct_unhex(const char *hex, size_t *len);

/* Fails the test, naming what ran, on any AddressSanitizer, LeakSanitizer
 * or UndefinedBehaviorSanitizer report in its output (out may be NULL). */
void fct_assert_no_sanitizer_report(const char *what, const char *out);

/* Runs argv (argv[0] a path) with extra "NAME=value" environment entries
 * appended to the current environment; captures stdout+stderr into out.
 * Returns the exit status, or -1 if it did not exit normally. */
int fct_run(const char *const *argv, const char *const *extra_env, struct fc_buf *out);

/* Starts argv like fct_run but returns immediately with the pid and the
 * read end of its output pipe; fct_wait collects it. */
int fct_spawn(const char *const *argv, const char *const *extra_env, int *out_fd);
int fct_wait(int pid, int fd, struct fc_buf *out);

/* kill(pid, sig) for a child the test started; does nothing and returns -1
 * for pid <= 0, which kill() would take as "the whole process group" (0) or
 * "every process" (-1), e.g. when a setup failed before its child started. */
int fct_signal(int pid, int sig);

/* Deadline polls, instead of fixed sleeps: */
/* Polls the SQL value on url every 50 ms until it equals want; returns
 * whether it did within timeout_ms. */
bool fct_wait_sql(const char *url, const char *sql, const char *want, int timeout_ms);
/* Reads a child's output (from fct_spawn's fd) into out until needle appears
 * in it (searching from byte `from`); returns whether it did within
 * timeout_ms. fct_wait later appends the rest to the same buffer. */
bool fct_read_until(int fd, struct fc_buf *out, size_t from, const char *needle, int timeout_ms);
/* Monotonic milliseconds, for deadlines. */
long long fct_now_ms(void);
/* A TCP socket listening on 127.0.0.1 at a port the kernel picks (*port);
 * fails the test when it cannot. */
int fct_listen_loopback(int *port);

/* Path of a built binary from the FCINDEX_BIN environment (set by ctest). */
const char *fct_fcindex_bin(void);

/* Writes text to a new temporary file and returns its path (caller frees,
 * caller unlinks). */
char *fct_write_temp(const char *text);

/* Runs `fcindex args...` (args NULL-terminated, at most 14) with extra_env,
 * out reset first and filled with its output; returns its exit status. */
int fct_fcindex(const char *const *args, const char *const *extra_env, struct fc_buf *out);

/* validate_json.py's exit status for text against docs/cli/NAME.schema.json
 * (its complaint printed to stderr). */
int fct_validate_json(const char *name, const char *text);

#ifndef FC_TESTS_TESTENV_HTTP
#define FC_TESTS_TESTENV_HTTP
/* An HTTP exchange made by the tests (libcurl). */
struct fct_http {
    long status;         /* 0 when no response */
    int curl_code;       /* CURLcode */
    struct fc_buf body;
    struct fc_buf headers;
    double seconds;
};

/* GET (body NULL) or POST (body non-NULL) url with a total timeout. The
 * caller cleans up with fct_http_cleanup. */
void fct_http_do(const char *url, const char *post_body, long timeout_ms, struct fct_http *out);
/* Any method, with extra "Name: value" headers (NULL-terminated list or NULL). */
void fct_http_request(const char *method, const char *url, const char *const *headers,
                      const char *body, long timeout_ms, struct fct_http *out);
/* The value of response header name (case-insensitive) copied into out, or NULL. */
const char *fct_http_header_value(const struct fct_http *h, const char *name, char *out,
                                  size_t out_size);
void fct_http_cleanup(struct fct_http *h);

/* Starts `hubsim --port 0 ARGS...` and returns its pid and port; stops it
 * (a pid <= 0, from a setup that never started it, is ignored). */
int fct_hubsim_start(const char *const *args, int *port);
void fct_hubsim_stop(int pid);
#endif

/* FCT_MAIN, the main() every test file ends with */
#include "support/test_main.h"

#endif
