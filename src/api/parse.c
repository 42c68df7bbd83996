#include "api/parse.h"

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
    memcpy(ts, s, (size_t)(colon - s));
    ts[colon - s] = '\0';
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
