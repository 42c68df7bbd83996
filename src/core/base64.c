#include "core/base64.h"

#include <stdbool.h>
#include <string.h>

static const char alphabet[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Decoding table: 0..63 for the alphabet, -1 otherwise (a table beats
 * branches on the decoder's hot path: every signature is base64). */
static signed char table[256];
static bool table_ready;

static void build_table(void)
{
    memset(table, -1, sizeof(table));
    for (int i = 0; i < 64; i++)
        table[(unsigned char)alphabet[i]] = (signed char)i;
    table_ready = true; /* idempotent: concurrent first calls write the same bytes */
}

static int value(char c)
{
    return table[(unsigned char)c];
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
    if (!table_ready)
        build_table();
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
    size_t o = 0, i = 0;
    /* Fast path: every quad but the last has no padding. */
    for (; i + 4 < len; i += 4) {
        int a = value(s[i]), b = value(s[i + 1]), c = value(s[i + 2]), e = value(s[i + 3]);
        if ((a | b | c | e) < 0)
            break; /* let the careful loop below name the bad character */
        uint32_t w = (uint32_t)a << 18 | (uint32_t)b << 12 | (uint32_t)c << 6 | (uint32_t)e;
        out[o++] = (uint8_t)(w >> 16);
        out[o++] = (uint8_t)(w >> 8);
        out[o++] = (uint8_t)w;
    }
    for (; i < len; i += 4) {
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
