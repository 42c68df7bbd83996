#include "fc/bytes.h"

#include <string.h>

static const char b58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

enum fc_err fc_base58_decode(const char *s, size_t n, uint8_t *out, size_t out_cap,
                             size_t *out_len, struct fc_diag *diag)
{
    uint8_t tmp[128];
    size_t len = 0, zeros = 0;
    if (n > 160)
        return fc_diag_set(diag, FC_ERR_LIMIT, "base58 value of %zu characters is too long", n);
    while (zeros < n && s[zeros] == '1')
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        const char *p = memchr(b58, s[i], 58);
        if (!p || !s[i])
            return fc_diag_set(diag, FC_ERR_INVALID, "invalid base58 character at offset %zu", i);
        unsigned carry = (unsigned)(p - b58);
        for (size_t j = 0; j < len; j++) {
            carry += (unsigned)tmp[j] * 58;
            tmp[j] = (uint8_t)carry;
            carry >>= 8;
        }
        while (carry) {
            if (len == sizeof(tmp))
                return fc_diag_set(diag, FC_ERR_LIMIT, "base58 value too large");
            tmp[len++] = (uint8_t)carry;
            carry >>= 8;
        }
    }
    if (zeros + len > out_cap)
        return fc_diag_set(diag, FC_ERR_LIMIT, "base58 value of %zu bytes exceeds %zu",
                           zeros + len, out_cap);
    memset(out, 0, zeros);
    for (size_t i = 0; i < len; i++)
        out[zeros + i] = tmp[len - 1 - i];
    *out_len = zeros + len;
    return FC_OK;
}

void fc_base58_encode(const uint8_t *in, size_t n, char *out, size_t out_size)
{
    uint8_t digits[256] = {0};
    size_t nd = 0, zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n && i < 180; i++) {
        unsigned carry = in[i];
        for (size_t j = 0; j < nd; j++) {
            carry += (unsigned)digits[j] << 8;
            digits[j] = (uint8_t)(carry % 58);
            carry /= 58;
        }
        while (carry && nd < sizeof(digits)) {
            digits[nd++] = (uint8_t)(carry % 58);
            carry /= 58;
        }
    }
    size_t o = 0;
    for (size_t i = 0; i < zeros && o + 1 < out_size; i++)
        out[o++] = '1';
    for (size_t i = nd; i > 0 && o + 1 < out_size; i--)
        out[o++] = b58[digits[i - 1]];
    out[o] = '\0';
}

bool fc_utf8_valid(const char *str, size_t n)
{
    const unsigned char *s = (const unsigned char *)str;
    size_t i = 0;
    while (i < n) {
        /* Most text is ASCII: pass eight such bytes at once. */
        for (uint64_t w; i + 8 <= n; i += 8) {
            memcpy(&w, s + i, 8);
            if (w & 0x8080808080808080ull)
                break;
        }
        if (i == n)
            break;
        unsigned c = s[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t len;
        unsigned min;
        if ((c & 0xe0) == 0xc0) {
            len = 2;
            min = 0x80;
            c &= 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            len = 3;
            min = 0x800;
            c &= 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            len = 4;
            min = 0x10000;
            c &= 0x07;
        } else {
            return false;
        }
        if (i + len > n)
            return false;
        for (size_t k = 1; k < len; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return false;
            c = c << 6 | (s[i + k] & 0x3f);
        }
        if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
            return false;
        i += len;
    }
    return true;
}

/* Reads a 32-byte big-endian word as uint64, requiring the top 24 bytes zero. */
static bool word_u64(const uint8_t *w, uint64_t *out)
{
    for (int i = 0; i < 24; i++)
        if (w[i])
            return false;
    uint64_t v = 0;
    for (int i = 24; i < 32; i++)
        v = v << 8 | w[i];
    *out = v;
    return true;
}

enum fc_err fc_signed_key_request_fid(const uint8_t *md, size_t n, uint64_t *request_fid,
                                      struct fc_diag *diag)
{
    /* Layout (Solidity abi.encode of a tuple with a dynamic member): word 0
     * is the tuple's offset T; requestFid is the word at T; the signature's
     * offset (relative to T) at T+64 must point inside the data. */
    uint64_t t, fid, sig_off, sig_len;
    if (n < 160)
        return fc_diag_set(diag, FC_ERR_INVALID, "metadata is %zu bytes, shorter than 160", n);
    if (n % 32)
        return fc_diag_set(diag, FC_ERR_INVALID, "metadata length %zu is not a multiple of 32", n);
    if (!word_u64(md, &t) || t % 32 || t + 128 > n)
        return fc_diag_set(diag, FC_ERR_INVALID, "bad tuple offset");
    if (!word_u64(md + t, &fid))
        return fc_diag_set(diag, FC_ERR_INVALID, "requestFid does not fit in 64 bits");
    if (!word_u64(md + t + 64, &sig_off) || t + sig_off + 32 > n)
        return fc_diag_set(diag, FC_ERR_INVALID, "bad signature offset");
    if (!word_u64(md + t + sig_off, &sig_len) || t + sig_off + 32 + sig_len > n)
        return fc_diag_set(diag, FC_ERR_INVALID, "bad signature length");
    if (fid == 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "requestFid is 0");
    *request_fid = fid;
    return FC_OK;
}
