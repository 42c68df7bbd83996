#include "jspan.h"

#include <string.h>

static const char *skip_ws(const char *p, const char *end)
{
    while (p < end && (*p == ' ' || *p == '\n' || *p == '\r' || *p == '\t'))
        p++;
    return p;
}

static const char *string_end(const char *p, const char *end)
{
    for (p++; p < end; p++) {
        if (*p == '\\')
            p++;
        else if (*p == '"')
            return p + 1;
    }
    return NULL;
}

const char *jspan_value_end(const char *p, const char *end)
{
    p = skip_ws(p, end);
    if (p >= end)
        return NULL;
    if (*p == '"')
        return string_end(p, end);
    if (*p == '{' || *p == '[') {
        int depth = 0;
        for (; p < end; p++) {
            if (*p == '"') {
                p = string_end(p, end);
                if (!p)
                    return NULL;
                p--;
            } else if (*p == '{' || *p == '[') {
                depth++;
            } else if (*p == '}' || *p == ']') {
                if (--depth == 0)
                    return p + 1;
            }
        }
        return NULL;
    }
    const char *s = p;
    while (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\n')
        p++;
    return p > s ? p : NULL;
}

bool jspan_get(struct jspan obj, const char *key, struct jspan *out)
{
    const char *end = obj.p + obj.n, *p = skip_ws(obj.p, end);
    if (p >= end || *p != '{')
        return false;
    p++;
    size_t klen = strlen(key);
    while (1) {
        p = skip_ws(p, end);
        if (p >= end || *p == '}')
            return false;
        if (*p != '"')
            return false;
        const char *kend = string_end(p, end);
        if (!kend)
            return false;
        bool match = (size_t)(kend - p - 2) == klen && memcmp(p + 1, key, klen) == 0;
        p = skip_ws(kend, end);
        if (p >= end || *p != ':')
            return false;
        p = skip_ws(p + 1, end);
        const char *vend = jspan_value_end(p, end);
        if (!vend)
            return false;
        if (match) {
            out->p = p;
            out->n = (size_t)(vend - p);
            return true;
        }
        p = skip_ws(vend, end);
        if (p < end && *p == ',')
            p++;
    }
}

bool jspan_next(struct jspan arr, const char **cursor, struct jspan *elem)
{
    const char *end = arr.p + arr.n, *p;
    if (!*cursor) {
        p = skip_ws(arr.p, end);
        if (p >= end || *p != '[')
            return false;
        p++;
    } else {
        p = skip_ws(*cursor, end);
        if (p < end && *p == ',')
            p++;
    }
    p = skip_ws(p, end);
    if (p >= end || *p == ']')
        return false;
    const char *vend = jspan_value_end(p, end);
    if (!vend)
        return false;
    elem->p = p;
    elem->n = (size_t)(vend - p);
    *cursor = vend;
    return true;
}

bool jspan_u64(struct jspan v, uint64_t *out)
{
    uint64_t x = 0;
    if (!v.n)
        return false;
    for (size_t i = 0; i < v.n; i++) {
        if (v.p[i] < '0' || v.p[i] > '9')
            return false;
        x = x * 10 + (uint64_t)(v.p[i] - '0');
    }
    *out = x;
    return true;
}

bool jspan_str(struct jspan v, char *out, size_t out_size)
{
    if (v.n < 2 || v.p[0] != '"' || v.n - 2 >= out_size)
        return false;
    memcpy(out, v.p + 1, v.n - 2);
    out[v.n - 2] = '\0';
    return true;
}
