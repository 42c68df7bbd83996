#include "core/hex.h"

/* Digit values plus one, 0 for anything else: a table keeps the decoder's
 * hot path (every hash and key) branch-light. */
static const unsigned char digit_value[256] = {
    ['0'] = 1, ['1'] = 2, ['2'] = 3, ['3'] = 4, ['4'] = 5, ['5'] = 6, ['6'] = 7, ['7'] = 8,
    ['8'] = 9, ['9'] = 10, ['a'] = 11, ['b'] = 12, ['c'] = 13, ['d'] = 14, ['e'] = 15,
    ['f'] = 16, ['A'] = 11, ['B'] = 12, ['C'] = 13, ['D'] = 14, ['E'] = 15, ['F'] = 16,
};

static inline int digit(char c)
{
    return digit_value[(unsigned char)c] - 1;
}

enum fc_err fc_hex_decode(const char *s, size_t len, bool require_prefix,
                          uint8_t *out, size_t out_cap, size_t *out_len,
                          struct fc_diag *diag)
{
    size_t i = 0;
    if (len >= 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
        i = 2;
    else if (require_prefix)
        return fc_diag_set(diag, FC_ERR_INVALID, "expected 0x prefix");
    size_t digits = len - i;
    if (digits % 2)
        return fc_diag_set(diag, FC_ERR_INVALID, "odd number of hex digits (%zu)", digits);
    if (digits / 2 > out_cap)
        return fc_diag_set(diag, FC_ERR_LIMIT, "%zu bytes exceed the limit of %zu",
                           digits / 2, out_cap);
    for (size_t o = 0; i < len; i += 2, o++) {
        int hi = digit(s[i]), lo = digit(s[i + 1]);
        if ((hi | lo) < 0) /* one test for both */
            return fc_diag_set(diag, FC_ERR_INVALID, "invalid hex digit at offset %zu",
                               hi < 0 ? i : i + 1);
        out[o] = (uint8_t)(hi << 4 | lo);
    }
    *out_len = digits / 2;
    return FC_OK;
}

void fc_hex_encode_bare(const uint8_t *in, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = d[in[i] >> 4];
        out[2 * i + 1] = d[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void fc_hex_encode(const uint8_t *in, size_t n, char *out)
{
    out[0] = '0';
    out[1] = 'x';
    fc_hex_encode_bare(in, n, out + 2);
}
