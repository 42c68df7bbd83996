#include "core/buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void oom(void)
{
    static const char msg[] = "fcindex: out of memory\n";
    fwrite(msg, 1, sizeof(msg) - 1, stderr);
    abort();
}

void *fc_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *fc_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *fc_xrealloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        oom();
    return q;
}

char *fc_xstrdup(const char *s)
{
    return fc_xstrndup(s, strlen(s));
}

char *fc_xstrndup(const char *s, size_t n)
{
    char *p = fc_xmalloc(n + 1);
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void fc_buf_cleanup(struct fc_buf *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void fc_buf_reset(struct fc_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

void fc_buf_reserve(struct fc_buf *b, size_t extra)
{
    if (b->len + extra + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + extra + 1)
        cap *= 2;
    b->data = fc_xrealloc(b->data, cap);
    b->cap = cap;
}

void fc_buf_append(struct fc_buf *b, const void *p, size_t n)
{
    fc_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void fc_buf_puts(struct fc_buf *b, const char *s)
{
    fc_buf_append(b, s, strlen(s));
}

void fc_buf_putc(struct fc_buf *b, char c)
{
    fc_buf_reserve(b, 1);
    b->data[b->len++] = c;
    b->data[b->len] = '\0';
}

void fc_buf_vprintf(struct fc_buf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return;
    fc_buf_reserve(b, (size_t)n);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
}

void fc_buf_printf(struct fc_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fc_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void fc_buf_json_str(struct fc_buf *b, const char *s, size_t n)
{
    static const char hexd[] = "0123456789abcdef";
    fc_buf_reserve(b, n + 2);
    fc_buf_putc(b, '"');
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != '"' && c != '\\')
            continue;
        fc_buf_append(b, s + start, i - start);
        start = i + 1;
        switch (c) {
        case '"': fc_buf_puts(b, "\\\""); break;
        case '\\': fc_buf_puts(b, "\\\\"); break;
        case '\n': fc_buf_puts(b, "\\n"); break;
        case '\r': fc_buf_puts(b, "\\r"); break;
        case '\t': fc_buf_puts(b, "\\t"); break;
        default: {
            char esc[6] = {'\\', 'u', '0', '0', hexd[c >> 4], hexd[c & 15]};
            fc_buf_append(b, esc, sizeof(esc));
        }
        }
    }
    fc_buf_append(b, s + start, n - start);
    fc_buf_putc(b, '"');
}

char *fc_buf_take(struct fc_buf *b)
{
    char *p = b->data ? b->data : fc_xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return p;
}

char *fc_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    struct fc_buf b = FC_BUF_INIT;
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
        fc_buf_append(&b, tmp, n);
    fclose(f);
    if (len)
        *len = b.len;
    return fc_buf_take(&b);
}
