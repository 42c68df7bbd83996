/* Leveled logging to stderr as logfmt or JSON lines.
 *
 * The level is checked before any formatting (the macros test it inline), each
 * line goes out in a single write() so lines from threads never interleave,
 * and every line passes through fc_redact so URL passwords and password=
 * settings cannot leak even when a caller forgets. Thread-safe after
 * fc_log_setup; fc_log_setup itself is called once at start. */
#ifndef FC_CORE_LOG_H
#define FC_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

enum fc_log_level { FC_LOG_ERROR, FC_LOG_WARN, FC_LOG_INFO, FC_LOG_DEBUG };
enum fc_log_format { FC_LOG_TEXT, FC_LOG_JSON };

/* Atomic: `serve` lowers or raises it on SIGHUP while threads log. */
extern _Atomic enum fc_log_level fc_log_threshold;

/* Sets level, format and destination (a file descriptor, normally 2). */
void fc_log_setup(enum fc_log_level level, enum fc_log_format format, int fd);

/* Changes only the level; safe while other threads log. */
void fc_log_set_level(enum fc_log_level level);

/* Parses "error|warn|info|debug" / "text|json"; false when unknown. */
bool fc_log_level_parse(const char *s, enum fc_log_level *out);
bool fc_log_format_parse(const char *s, enum fc_log_format *out);

void fc_log_write(enum fc_log_level level, const char *component, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define FC_LOG_AT(lvl, comp, ...)                                      \
    do {                                                               \
        if ((lvl) <= fc_log_threshold)                                 \
            fc_log_write((lvl), (comp), __VA_ARGS__);                  \
    } while (0)
#define log_error(comp, ...) FC_LOG_AT(FC_LOG_ERROR, comp, __VA_ARGS__)
#define log_warn(comp, ...) FC_LOG_AT(FC_LOG_WARN, comp, __VA_ARGS__)
#define log_info(comp, ...) FC_LOG_AT(FC_LOG_INFO, comp, __VA_ARGS__)
#define log_debug(comp, ...) FC_LOG_AT(FC_LOG_DEBUG, comp, __VA_ARGS__)

/* Copies s into out (size out_size, always NUL-terminated) with secrets
 * masked: the password of any scheme://user:password@host, and the value of
 * password=..., so a URL or libpq conninfo can be printed safely. */
void fc_redact(const char *s, char *out, size_t out_size);

#endif
