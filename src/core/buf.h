/* A growable byte buffer (always NUL-terminated for convenience).
 *
 * The caller owns the struct; fc_buf_cleanup frees the storage. Appends abort
 * the process on allocation failure: memory exhaustion is not an input error
 * and every caller would do the same. Not thread-safe. */
#ifndef FC_CORE_BUF_H
#define FC_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct fc_buf {
    char *data;  /* NULL until the first append */
    size_t len;
    size_t cap;
};

#define FC_BUF_INIT {NULL, 0, 0}

void fc_buf_cleanup(struct fc_buf *b);
void fc_buf_reset(struct fc_buf *b);          /* length 0, keeps storage */
void fc_buf_reserve(struct fc_buf *b, size_t extra);
void fc_buf_append(struct fc_buf *b, const void *p, size_t n);
void fc_buf_puts(struct fc_buf *b, const char *s);
void fc_buf_putc(struct fc_buf *b, char c);
void fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void fc_buf_vprintf(struct fc_buf *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));
/* Appends s as a JSON string literal, quotes included. */
void fc_buf_json_str(struct fc_buf *b, const char *s, size_t n);
/* Moves the contents out (caller frees); the buffer is left empty. */
char *fc_buf_take(struct fc_buf *b);

/* Reads a whole file into a new NUL-terminated string (caller frees);
 * NULL with errno set when it cannot be read. */
char *fc_read_file(const char *path, size_t *len);

/* Never-failing allocation helpers for the same reason as above. */
void *fc_xmalloc(size_t n);
void *fc_xcalloc(size_t n, size_t size);
void *fc_xrealloc(void *p, size_t n);
char *fc_xstrdup(const char *s);
char *fc_xstrndup(const char *s, size_t n);

#endif
