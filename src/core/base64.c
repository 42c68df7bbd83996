#include "core/base64.h"

#include <stdbool.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int value(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '+')
        return 62;
    if (c == '/')
        return 63;
    return -1;
}

size_t fc_base64_encoded_size(size_t n)
{
    return (n + 2) / 3 * 4 + 1;
}

void fc_base64_encode(const uint8_t *in, size_t n, char *out)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = alphabet[(v >> 6) & 63];
        out[o++] = alphabet[v & 63];
    }
    if (i < n) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        out[o++] = alphabet[v >> 18];
        out[o++] = alphabet[(v >> 12) & 63];
        out[o++] = i + 1 < n ? alphabet[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
}

enum fc_err fc_base64_decode(const char *s, size_t len, uint8_t *out, size_t out_cap,
                             size_t *out_len, struct fc_diag *diag)
{
    if (len % 4)
        return fc_diag_set(diag, FC_ERR_INVALID,
                           "base64 length %zu is not a multiple of 4", len);
    size_t pad = 0;
    if (len && s[len - 1] == '=')
        pad++;
    if (len > 1 && s[len - 2] == '=')
        pad++;
    size_t n = len / 4 * 3 - pad;
    if (n > out_cap)
        return fc_diag_set(diag, FC_ERR_LIMIT, "%zu bytes exceed the limit of %zu", n, out_cap);
    size_t o = 0;
    for (size_t i = 0; i < len; i += 4) {
        int v[4];
        bool last = i + 4 == len;
        for (int k = 0; k < 4; k++) {
            v[k] = value(s[i + (size_t)k]);
            if (v[k] < 0 && !(last && s[i + (size_t)k] == '=' && k >= 4 - (int)pad))
                return fc_diag_set(diag, FC_ERR_INVALID,
                                   "invalid base64 character at offset %zu", i + (size_t)k);
            if (v[k] < 0)
                v[k] = 0;
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 | (uint32_t)v[3];
        if (last && pad == 2 && (w & 0xffff))
            return fc_diag_set(diag, FC_ERR_INVALID, "non-zero trailing base64 bits");
        if (last && pad == 1 && (w & 0xff))
            return fc_diag_set(diag, FC_ERR_INVALID, "non-zero trailing base64 bits");
        out[o++] = (uint8_t)(w >> 16);
        if (o < n)
            out[o++] = (uint8_t)(w >> 8);
        if (o < n)
            out[o++] = (uint8_t)w;
    }
    *out_len = n;
    return FC_OK;
}
