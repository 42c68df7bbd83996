#include "api/parse.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool fc_api_match(const char *pattern, const char *path, size_t off[FC_API_MAX_PARAMS],
                  size_t len[FC_API_MAX_PARAMS], size_t *n)
{
    size_t k = 0;
    const char *p = pattern, *s = path;
    while (*p && *s) {
        if (*p != '/' || *s != '/')
            return false;
        p++;
        s++;
        const char *pend = strchr(p, '/'), *send = strchr(s, '/');
        size_t plen = pend ? (size_t)(pend - p) : strlen(p);
        size_t slen = send ? (size_t)(send - s) : strlen(s);
        if (*p == ':') {
            if (!slen || k == FC_API_MAX_PARAMS)
                return false;
            off[k] = (size_t)(s - path);
            len[k++] = slen;
        } else if (plen != slen || memcmp(p, s, plen) != 0) {
            return false;
        }
        p += plen;
        s += slen;
    }
    if (*p || *s)
        return false;
    *n = k;
    return true;
}

static bool digits(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (!n || n > max)
        return false;
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

bool fc_api_parse_limit(const char *s, int max, int *out)
{
    if (!digits(s, 4) || atoi(s) < 1 || atoi(s) > max)
        return false;
    *out = atoi(s);
    return true;
}

bool fc_api_parse_keyset(const char *s, char ts[40], char hash[48])
{
    const char *colon = strchr(s, ':');
    if (!colon || colon == s || colon - s > 18 || strlen(colon + 1) != 40)
        return false;
    for (const char *p = s; p < colon; p++)
        if (*p < '0' || *p > '9')
            return false;
    for (const char *p = colon + 1; *p; p++)
        if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
            return false;
    /* without leading zeros: one cursor, one cache key */
    const char *digits_start = s;
    while (digits_start < colon - 1 && *digits_start == '0')
        digits_start++;
    memcpy(ts, digits_start, (size_t)(colon - digits_start));
    ts[colon - digits_start] = '\0';
    memcpy(hash, colon + 1, 41);
    return true;
}

bool fc_api_parse_offset(const char *s, int *out)
{
    if (!digits(s, 5) || atoi(s) > 10000)
        return false;
    *out = atoi(s);
    return true;
}

bool fc_api_parse_hash_prefix(const char *s, char lo[48], char hi[48], bool *has_hi)
{
    size_t n = strlen(s);
    if (n < 2 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X'))
        return false;
    size_t hexlen = n - 2;
    if (hexlen < 8 || hexlen > 40 || hexlen % 2)
        return false;
    for (size_t i = 0; i < hexlen; i++) {
        char c = s[2 + i];
        if (c >= 'A' && c <= 'F')
            c = (char)(c - 'A' + 'a');
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')))
            return false;
        lo[i] = c;
    }
    lo[hexlen] = '\0';
    memcpy(hi, lo, hexlen + 1);
    *has_hi = false;
    for (size_t i = hexlen; i-- > 0;) {
        if (hi[i] != 'f') {
            hi[i] = hi[i] == '9' ? 'a' : (char)(hi[i] + 1);
            *has_hi = true;
            break;
        }
        hi[i] = '0';
    }
    return true;
}

bool fc_api_parse_username(const char *s, char out[72])
{
    size_t n = strlen(s);
    if (n < 1 || n > 64)
        return false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '_' || c == '.'))
            return false;
        out[i] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
    }
    out[n] = '\0';
    return true;
}

bool fc_api_host_name(const char *h, char out[256])
{
    size_t n = 0;
    if (*h == '[') { /* IPv6 literal: keep the brackets */
        const char *close = strchr(h, ']');
        if (!close || close - h > 60)
            return false;
        for (const char *c = h + 1; c < close; c++)
            if (!((*c >= '0' && *c <= '9') || (*c >= 'a' && *c <= 'f') ||
                  (*c >= 'A' && *c <= 'F') || *c == ':' || *c == '.'))
                return false;
        n = (size_t)(close - h) + 1;
        for (size_t i = 0; i < n; i++)
            out[i] = (h[i] >= 'A' && h[i] <= 'Z') ? (char)(h[i] - 'A' + 'a') : h[i];
        h = close + 1;
    } else {
        for (; *h && *h != ':'; h++) {
            char c = *h;
            if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '-' || c == '.' || c == '_') || n == 253)
                return false;
            out[n++] = (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
        }
        while (n && out[n - 1] == '.')
            n--;
    }
    if (!n)
        return false;
    if (*h == ':') { /* a port: 1..5 digits and nothing after */
        size_t d = strspn(h + 1, "0123456789");
        if (!d || d > 5 || h[1 + d])
            return false;
    } else if (*h) {
        return false;
    }
    out[n] = '\0';
    return true;
}

bool fc_api_origin_host(const char *origin, char out[256])
{
    const char *rest;
    if (strncmp(origin, "http://", 7) == 0)
        rest = origin + 7;
    else if (strncmp(origin, "https://", 8) == 0)
        rest = origin + 8;
    else
        return false;
    return fc_api_host_name(rest, out);
}

bool fc_api_forwarded_client(const char *xff, bool (*is_proxy)(void *, const char *, size_t),
                             void *arg, char *ip, size_t ip_size)
{
    const char *end = xff + strlen(xff);
    while (end > xff) {
        const char *start = end;
        while (start > xff && start[-1] != ',')
            start--;
        const char *a = start, *b = end;
        while (a < b && *a == ' ')
            a++;
        while (b > a && b[-1] == ' ')
            b--;
        size_t len = (size_t)(b - a);
        if (len && !is_proxy(arg, a, len)) {
            /* an address, nothing else: it becomes a rate-limit key and a log field */
            char tmp[64];
            unsigned char bin[16];
            if (len >= sizeof(tmp) || len >= ip_size)
                return false;
            memcpy(tmp, a, len);
            tmp[len] = '\0';
            if (inet_pton(AF_INET, tmp, bin) != 1 && inet_pton(AF_INET6, tmp, bin) != 1)
                return false;
            memcpy(ip, tmp, len + 1);
            return true;
        }
        end = start > xff ? start - 1 : xff;
    }
    return false;
}

void fc_api_client_bucket(const char *ip, char *out, size_t out_size)
{
    unsigned char b[16];
    static const unsigned char v4_mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    if (strchr(ip, ':') && inet_pton(AF_INET6, ip, b) == 1) {
        if (memcmp(b, v4_mapped, 12) == 0) { /* ::ffff:a.b.c.d is an IPv4 client */
            inet_ntop(AF_INET, b + 12, out, (socklen_t)out_size);
            return;
        }
        memset(b + 8, 0, 8);
        char text[64];
        inet_ntop(AF_INET6, b, text, sizeof(text));
        snprintf(out, out_size, "%s/64", text);
        return;
    }
    snprintf(out, out_size, "%s", ip);
}
