/* Log line format and secret redaction. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

static void redacts_url_passwords_and_conninfo(void **state)
{
    (void)state;
    char out[256];
    fc_redact("connect postgresql://app:s3cret@db:5432/x failed", out, sizeof(out));
    assert_string_equal(out, "connect postgresql://app:***@db:5432/x failed");
    fc_redact("host=db password=hunter2 user=x", out, sizeof(out));
    assert_string_equal(out, "host=db password=*** user=x");
    fc_redact("redis://:pw@127.0.0.1:6379/0", out, sizeof(out));
    assert_string_equal(out, "redis://:***@127.0.0.1:6379/0");
    fc_redact("http://hub.example:3381/v1/info", out, sizeof(out));
    assert_string_equal(out, "http://hub.example:3381/v1/info");
}

static char *capture(enum fc_log_level threshold, enum fc_log_format fmt, void (*emit)(void))
{
    char path[] = "/tmp/fclog-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fc_log_setup(threshold, fmt, fd);
    emit();
    fc_log_setup(FC_LOG_INFO, FC_LOG_TEXT, 2);
    lseek(fd, 0, SEEK_SET);
    char *buf = calloc(1, 8192);
    ssize_t n = read(fd, buf, 8191);
    assert_true(n >= 0);
    close(fd);
    unlink(path);
    return buf;
}

static int formatted;
static const char *count_format(void)
{
    formatted++;
    return "x";
}

static void emit_lines(void)
{
    log_info("test", "hello %s", "world");
    log_debug("test", "hidden %s", count_format());
    log_error("store", "db postgresql://u:pw@h/db down");
}

static void text_lines_and_level_filter(void **state)
{
    (void)state;
    formatted = 0;
    char *out = capture(FC_LOG_INFO, FC_LOG_TEXT, emit_lines);
    assert_non_null(strstr(out, "level=info component=test msg=\"hello world\"\n"));
    assert_null(strstr(out, "hidden"));
    assert_int_equal(formatted, 0); /* arguments not even evaluated below the level */
    assert_non_null(strstr(out, "postgresql://u:***@h/db"));
    assert_null(strstr(out, "pw@"));
    free(out);
}

static void json_lines(void **state)
{
    (void)state;
    char *out = capture(FC_LOG_DEBUG, FC_LOG_JSON, emit_lines);
    assert_non_null(strstr(out, "\"level\":\"info\",\"component\":\"test\",\"msg\":\"hello world\"}\n"));
    assert_non_null(strstr(out, "\"msg\":\"hidden x\""));
    /* three lines, each a JSON object */
    int lines = 0;
    for (char *p = out; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, 3);
    assert_int_equal(out[0], '{');
    free(out);
}

FCT_MAIN(NULL, NULL, redacts_url_passwords_and_conninfo, text_lines_and_level_filter, json_lines)
