#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fctime.h"

_Atomic enum fc_log_level fc_log_threshold = FC_LOG_INFO;
static enum fc_log_format log_format = FC_LOG_TEXT;
static int log_fd = 2;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void fc_log_setup(enum fc_log_level level, enum fc_log_format format, int fd)
{
    fc_log_threshold = level;
    log_format = format;
    log_fd = fd;
}

void fc_log_set_level(enum fc_log_level level)
{
    fc_log_threshold = level;
}

bool fc_log_level_parse(const char *s, enum fc_log_level *out)
{
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, level_names[i]) == 0) {
            *out = (enum fc_log_level)i;
            return true;
        }
    }
    if (strcasecmp(s, "warning") == 0) {
        *out = FC_LOG_WARN;
        return true;
    }
    return false;
}

bool fc_log_format_parse(const char *s, enum fc_log_format *out)
{
    if (strcasecmp(s, "text") == 0 || strcasecmp(s, "logfmt") == 0)
        *out = FC_LOG_TEXT;
    else if (strcasecmp(s, "json") == 0)
        *out = FC_LOG_JSON;
    else
        return false;
    return true;
}

/* Length of a masked span starting at p, ending at any of the stop chars. */
static size_t span_until(const char *p, const char *stops)
{
    return strcspn(p, stops);
}

void fc_redact(const char *s, char *out, size_t out_size)
{
    struct fc_buf b = FC_BUF_INIT;
    const char *p = s;
    while (*p) {
        const char *scheme = strstr(p, "://");
        const char *pw = strstr(p, "password=");
        const char *next = scheme && (!pw || scheme < pw) ? scheme : pw;
        if (!next) {
            fc_buf_puts(&b, p);
            break;
        }
        if (next == scheme) {
            /* scheme://user:secret@host -> scheme://user:***@host */
            const char *auth = scheme + 3;
            size_t auth_len = span_until(auth, "/ \t\"'?#");
            const char *at = memchr(auth, '@', auth_len);
            const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
            if (colon) {
                fc_buf_append(&b, p, (size_t)(colon + 1 - p));
                fc_buf_puts(&b, "***");
                p = at;
            } else if (at) { /* scheme://token@host: the user part is the secret */
                fc_buf_append(&b, p, (size_t)(auth - p));
                fc_buf_puts(&b, "***");
                p = at;
            } else {
                fc_buf_append(&b, p, (size_t)(auth - p));
                p = auth;
            }
        } else {
            const char *val = pw + strlen("password=");
            fc_buf_append(&b, p, (size_t)(val - p));
            fc_buf_puts(&b, "***");
            p = val + span_until(val, " \t&\"'");
        }
    }
    size_t n = b.len < out_size - 1 ? b.len : out_size - 1;
    if (n)
        memcpy(out, b.data, n);
    out[n] = '\0';
    fc_buf_cleanup(&b);
}

static bool needs_quotes(const char *s)
{
    if (!*s)
        return true;
    for (; *s; s++)
        if (*s == ' ' || *s == '"' || *s == '=' || (unsigned char)*s < 0x20)
            return true;
    return false;
}

void fc_log_write(enum fc_log_level level, const char *component, const char *fmt, ...)
{
    char msg[4096], safe[4096], ts[32];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    fc_redact(msg, safe, sizeof(safe));

    int64_t now = fc_now_unix_ms();
    fc_time_format_rfc3339(now / 1000, ts, sizeof(ts));
    ts[19] = '\0'; /* drop the Z; milliseconds are added below */

    struct fc_buf line = FC_BUF_INIT;
    if (log_format == FC_LOG_JSON) {
        fc_buf_printf(&line, "{\"ts\":\"%s.%03dZ\",\"level\":\"%s\",\"component\":", ts,
                      (int)(now % 1000), level_names[level]);
        fc_buf_json_str(&line, component, strlen(component));
        fc_buf_puts(&line, ",\"msg\":");
        fc_buf_json_str(&line, safe, strlen(safe));
        fc_buf_puts(&line, "}\n");
    } else {
        fc_buf_printf(&line, "ts=%s.%03dZ level=%s component=%s msg=", ts, (int)(now % 1000),
                      level_names[level], component);
        if (needs_quotes(safe))
            fc_buf_json_str(&line, safe, strlen(safe));
        else
            fc_buf_puts(&line, safe);
        fc_buf_putc(&line, '\n');
    }
    ssize_t w = write(log_fd, line.data, line.len);
    (void)w; /* nowhere to report a failed log write */
    fc_buf_cleanup(&line);
}
