/* The scan loop of core/json_scan, inline so that a caller whose sink is a
 * constant (the hub decoder) gets its callbacks called directly, and inlined
 * where the compiler sees fit, instead of through pointers. Include only
 * from json_scan.c and from such a caller; everything else uses
 * fc_json_scan_feed. */
#ifndef FC_CORE_JSON_SCAN_LOOP_H
#define FC_CORE_JSON_SCAN_LOOP_H

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "core/json_scan.h"

__attribute__((format(printf, 3, 4)))
static inline enum fc_json_status bad(struct fc_json_scan *s, size_t at, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(s->error, sizeof(s->error), fmt, ap);
    va_end(ap);
    s->error_at = at;
    return FC_JSON_INVALID;
}

/* A byte as an error message shows it. */
static inline const char *shown(unsigned char c, char out[12])
{
    if (c >= 0x21 && c < 0x7f)
        snprintf(out, 12, "'%c'", c);
    else
        snprintf(out, 12, "byte 0x%02x", c);
    return out;
}

static inline enum fc_json_expect after_value(const struct fc_json_scan *s)
{
    return s->depth ? FC_JX_COMMA_OR_END : FC_JX_DONE;
}

/* ---- strings ---- */

#define JS_ONES 0x0101010101010101ull
#define JS_HIGHS 0x8080808080808080ull

/* The high bit of the first byte of v that is '"', '\\' or below 0x20 is the
 * lowest set bit (a borrow only ever marks bytes above a true match). */
static inline uint64_t special_bytes(uint64_t v)
{
    uint64_t q = v ^ (JS_ONES * '"'), b = v ^ (JS_ONES * '\\');
    return (((q - JS_ONES) & ~q) | ((b - JS_ONES) & ~b) | ((v - JS_ONES * 0x20) & ~v)) & JS_HIGHS;
}

enum js_str_end { JS_STR_DONE, JS_STR_CUT, JS_STR_BAD };

/* Finds the closing quote of a string whose body starts at p (text offset
 * body_at). On JS_STR_DONE
 * *close is the quote and *has_escape says whether the body has escapes; on
 * JS_STR_CUT *cut_in_escape says whether the chunk ended right after a '\'. */
static inline __attribute__((always_inline)) enum js_str_end string_end(struct fc_json_scan *s, const char *p, const char *end,
                               size_t body_at, const char **close, bool *has_escape,
                               bool *cut_in_escape)
{
    const char *start = p;
    bool esc = false;
    for (;;) {
#if defined(__SSE2__) && !defined(NOSSE)
        while (end - p >= 16) {
            __m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
            __m128i hit = _mm_or_si128(
                _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8('"')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\\'))),
                _mm_cmpeq_epi8(_mm_max_epu8(v, _mm_set1_epi8(0x1f)), _mm_set1_epi8(0x1f)));
            unsigned m = (unsigned)_mm_movemask_epi8(hit);
            if (m) {
                p += __builtin_ctz(m);
                goto found;
            }
            p += 16;
        }
#endif
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        while (end - p >= 8) {
            uint64_t v;
            memcpy(&v, p, 8);
            uint64_t m = special_bytes(v);
            if (m) {
                p += __builtin_ctzll(m) >> 3;
                break;
            }
            p += 8;
        }
#endif
        while (p < end && *p != '"' && *p != '\\' && (unsigned char)*p >= 0x20)
            p++;
#if defined(__SSE2__) && !defined(NOSSE)
    found:
#endif
        if (p == end) {
            *has_escape = esc;
            *cut_in_escape = false;
            return JS_STR_CUT;
        }
        unsigned char c = (unsigned char)*p;
        if (c == '"') {
            *close = p;
            *has_escape = esc;
            return JS_STR_DONE;
        }
        if (c == '\\') {
            esc = true;
            if (end - p < 2) {
                *has_escape = true;
                *cut_in_escape = true;
                return JS_STR_CUT;
            }
            p += 2; /* the escaped byte is checked when unescaping */
            continue;
        }
        char b[12];
        bad(s, body_at + (size_t)(p - start), "%s (a control character) inside a string",
            shown(c, b));
        return JS_STR_BAD;
    }
}

static inline int hex4(const char *p)
{
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        int d = c >= '0' && c <= '9'   ? c - '0'
                : c >= 'a' && c <= 'f' ? c - 'a' + 10
                : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                       : -1;
        if (d < 0)
            return -1;
        v = v << 4 | d;
    }
    return v;
}

static inline void put_utf8(struct fc_buf *b, uint32_t cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) {
        u[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        u[0] = (char)(0xc0 | cp >> 6);
        u[1] = (char)(0x80 | (cp & 0x3f));
        n = 2;
    } else if (cp < 0x10000) { /* a lone surrogate lands here too: invalid UTF-8 on purpose */
        u[0] = (char)(0xe0 | cp >> 12);
        u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[2] = (char)(0x80 | (cp & 0x3f));
        n = 3;
    } else {
        u[0] = (char)(0xf0 | cp >> 18);
        u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
        u[3] = (char)(0x80 | (cp & 0x3f));
        n = 4;
    }
    fc_buf_append(b, u, n);
}

/* Unescapes a complete string body (n bytes at p, text offset at) into
 * s->unescaped. */
static inline enum fc_json_status unescape(struct fc_json_scan *s, const char *p, size_t n, size_t at)
{
    struct fc_buf *b = &s->unescaped;
    fc_buf_reset(b);
    const char *end = p + n;
    while (p < end) {
        const char *bs = memchr(p, '\\', (size_t)(end - p));
        if (!bs) {
            fc_buf_append(b, p, (size_t)(end - p));
            break;
        }
        fc_buf_append(b, p, (size_t)(bs - p));
        char e = bs[1]; /* string_end guaranteed a byte after each '\' */
        p = bs + 2;
        switch (e) {
        case '"': fc_buf_putc(b, '"'); continue;
        case '\\': fc_buf_putc(b, '\\'); continue;
        case '/': fc_buf_putc(b, '/'); continue;
        case 'b': fc_buf_putc(b, '\b'); continue;
        case 'f': fc_buf_putc(b, '\f'); continue;
        case 'n': fc_buf_putc(b, '\n'); continue;
        case 'r': fc_buf_putc(b, '\r'); continue;
        case 't': fc_buf_putc(b, '\t'); continue;
        case 'u': break;
        default: {
            char sh[12];
            return bad(s, at, "invalid escape '\\' then %s in a string", shown((unsigned char)e, sh));
        }
        }
        int cp = end - p >= 4 ? hex4(p) : -1;
        if (cp < 0)
            return bad(s, at, "\\u must be followed by four hex digits");
        p += 4;
        uint32_t out = (uint32_t)cp;
        if (cp >= 0xd800 && cp < 0xdc00 && end - p >= 6 && p[0] == '\\' && p[1] == 'u') {
            int lo = hex4(p + 2);
            if (lo >= 0xdc00 && lo < 0xe000) {
                out = 0x10000 + (((uint32_t)cp - 0xd800) << 10) + ((uint32_t)lo - 0xdc00);
                p += 6;
            }
        }
        put_utf8(b, out);
    }
    return FC_JSON_OK;
}

/* A complete string: body of n bytes at p (text offset at of its quote). */
static inline __attribute__((always_inline)) enum fc_json_status string_token(struct fc_json_scan *s, const struct fc_json_sink *k, const char *p, size_t n,
                                        bool has_escape, bool is_key, size_t at)
{
    if (has_escape) {
        enum fc_json_status st = unescape(s, p, n, at);
        if (st != FC_JSON_OK)
            return st;
        p = s->unescaped.data ? s->unescaped.data : "";
        n = s->unescaped.len;
    }
    if (!(is_key ? k->key(s->ud, p, n) : k->string(s->ud, p, n)))
        return FC_JSON_STOPPED;
    s->expect = is_key ? FC_JX_COLON : after_value(s);
    return FC_JSON_OK;
}

/* ---- numbers and literals ---- */

/* Byte classes: what may continue a number or a literal. */
enum { JS_NUM = 1, JS_LIT = 2 };
static const unsigned char byte_class[256] = {
    ['0'] = JS_NUM, ['1'] = JS_NUM, ['2'] = JS_NUM, ['3'] = JS_NUM, ['4'] = JS_NUM, ['5'] = JS_NUM, ['6'] = JS_NUM,
    ['7'] = JS_NUM, ['8'] = JS_NUM, ['9'] = JS_NUM, ['-'] = JS_NUM, ['+'] = JS_NUM, ['.'] = JS_NUM,
    ['E'] = JS_NUM, ['e'] = JS_NUM | JS_LIT,
    ['a'] = JS_LIT, ['b'] = JS_LIT, ['c'] = JS_LIT, ['d'] = JS_LIT, ['f'] = JS_LIT, ['g'] = JS_LIT, ['h'] = JS_LIT,
    ['i'] = JS_LIT, ['j'] = JS_LIT, ['k'] = JS_LIT, ['l'] = JS_LIT, ['m'] = JS_LIT, ['n'] = JS_LIT, ['o'] = JS_LIT,
    ['p'] = JS_LIT, ['q'] = JS_LIT, ['r'] = JS_LIT, ['s'] = JS_LIT, ['t'] = JS_LIT, ['u'] = JS_LIT, ['v'] = JS_LIT,
    ['w'] = JS_LIT, ['x'] = JS_LIT, ['y'] = JS_LIT, ['z'] = JS_LIT,
};

static inline bool number_byte(unsigned char c)
{
    return byte_class[c] & JS_NUM;
}

static inline bool literal_byte(unsigned char c)
{
    return byte_class[c] & JS_LIT;
}

static inline bool digit(unsigned char c)
{
    return c >= '0' && c <= '9';
}

/* RFC 8259: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)? */
static inline bool number_valid(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (i < n && p[i] >= '1' && p[i] <= '9')
        while (i < n && digit((unsigned char)p[i]))
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        size_t from = ++i;
        while (i < n && digit((unsigned char)p[i]))
            i++;
        if (i == from)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t from = i;
        while (i < n && digit((unsigned char)p[i]))
            i++;
        if (i == from)
            return false;
    }
    return i == n;
}

static inline enum fc_json_status number_token(struct fc_json_scan *s, const struct fc_json_sink *k, const char *p, size_t n, size_t at)
{
    if (!number_valid(p, n))
        return bad(s, at, "invalid number \"%.*s\"", (int)(n > 40 ? 40 : n), p);
    if (!k->number(s->ud, p, n))
        return FC_JSON_STOPPED;
    s->expect = after_value(s);
    return FC_JSON_OK;
}

static inline enum fc_json_status literal_token(struct fc_json_scan *s, const struct fc_json_sink *k, const char *p, size_t n, size_t at)
{
    bool ok;
    if (n == 4 && memcmp(p, "null", 4) == 0)
        ok = k->null_value(s->ud);
    else if (n == 4 && memcmp(p, "true", 4) == 0)
        ok = k->bool_value(s->ud, true);
    else if (n == 5 && memcmp(p, "false", 5) == 0)
        ok = k->bool_value(s->ud, false);
    else
        return bad(s, at, "unexpected word \"%.*s\" (expected true, false or null)",
                   (int)(n > 20 ? 20 : n), p);
    if (!ok)
        return FC_JSON_STOPPED;
    s->expect = after_value(s);
    return FC_JSON_OK;
}

/* ---- a token cut by a chunk's end ---- */

static inline void keep_cut(struct fc_json_scan *s, enum fc_json_pending kind, const char *p,
                     const char *end)
{
    fc_buf_reset(&s->token);
    fc_buf_append(&s->token, p, (size_t)(end - p));
    s->pending = kind;
}

/* Where the cut token ends in the next chunk (just past it), or NULL when the
 * chunk does not end it either. */
static inline const char *cut_token_end(struct fc_json_scan *s, const char *p, const char *end)
{
    if (s->pending == FC_JP_STRING) {
        bool esc = s->pending_escape;
        for (; p < end; p++) {
            if (esc)
                esc = false;
            else if (*p == '\\')
                esc = true;
            else if (*p == '"')
                return p + 1;
        }
        s->pending_escape = esc;
        return NULL;
    }
    bool (*member)(unsigned char) = s->pending == FC_JP_NUMBER ? number_byte : literal_byte;
    while (p < end && member((unsigned char)*p))
        p++;
    return p < end ? p : NULL;
}

/* Reports the completed cut token held in s->token. */
static inline enum fc_json_status cut_token(struct fc_json_scan *s, const struct fc_json_sink *k)
{
    enum fc_json_pending kind = s->pending;
    s->pending = FC_JP_NONE;
    const char *t = s->token.data;
    size_t n = s->token.len, at = s->pos - n;
    if (kind == FC_JP_NUMBER)
        return number_token(s, k, t, n, at);
    if (kind == FC_JP_LITERAL)
        return literal_token(s, k, t, n, at);
    const char *close = NULL;
    bool has_escape = false, cut_in_escape = false;
    enum js_str_end r = string_end(s, t + 1, t + n, at + 1, &close, &has_escape, &cut_in_escape);
    if (r == JS_STR_BAD)
        return FC_JSON_INVALID;
    if (r == JS_STR_CUT) /* cut_token_end stopped at its closing quote: cannot happen */
        return bad(s, at, "unterminated string");
    return string_token(s, k, t + 1, (size_t)(close - t - 1), has_escape, s->pending_is_key, at);
}

/* ---- containers ---- */

static inline enum fc_json_status open_container(struct fc_json_scan *s, const struct fc_json_sink *k, bool is_map, size_t at)
{
    if (s->depth == FC_JSON_MAX_DEPTH)
        return bad(s, at, "nested deeper than %d", FC_JSON_MAX_DEPTH);
    s->is_map[s->depth++] = is_map;
    s->expect = is_map ? FC_JX_KEY_OR_END : FC_JX_VALUE_OR_END;
    return (is_map ? k->start_map(s->ud) : k->start_array(s->ud)) ? FC_JSON_OK
                                                                              : FC_JSON_STOPPED;
}

static inline enum fc_json_status close_container(struct fc_json_scan *s, const struct fc_json_sink *k, unsigned char c, size_t at)
{
    bool is_map = c == '}';
    if (s->is_map[s->depth - 1] != is_map)
        return bad(s, at, "'%c' closes an %s", c, is_map ? "array" : "object");
    s->depth--;
    s->expect = after_value(s);
    return (is_map ? k->end_map(s->ud) : k->end_array(s->ud)) ? FC_JSON_OK
                                                                          : FC_JSON_STOPPED;
}

/* ---- the scan ---- */

static inline __attribute__((always_inline)) enum fc_json_status
fc_json_scan_feed_with(struct fc_json_scan *s, const struct fc_json_sink *k, const char *data,
                       size_t n)
{
    const char *p = data, *end = data + n;
    enum fc_json_status st;
    char sh[12];
#define AT(q) (s->base + (size_t)((q) - data))
    if (s->pending != FC_JP_NONE) {
        const char *stop = cut_token_end(s, p, end);
        if (!stop) {
            fc_buf_append(&s->token, p, n);
            s->base += n;
            return FC_JSON_OK;
        }
        fc_buf_append(&s->token, p, (size_t)(stop - p));
        p = stop;
        s->pos = AT(p);
        if ((st = cut_token(s, k)) != FC_JSON_OK)
            return st;
    }
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' && (c == ' ' || c == '\n' || c == '\r' || c == '\t')) {
            p++;
            continue;
        }
        const char *tok = p;
        switch (s->expect) {
        case FC_JX_COLON:
            if (c != ':')
                return bad(s, AT(p), "expected ':' after an object key, found %s", shown(c, sh));
            p++;
            s->expect = FC_JX_VALUE;
            continue;
        case FC_JX_COMMA_OR_END:
            if (c == ',') {
                p++;
                s->expect = s->is_map[s->depth - 1] ? FC_JX_KEY : FC_JX_VALUE;
                continue;
            }
            if (c == '}' || c == ']') {
                s->pos = AT(++p);
                if ((st = close_container(s, k, c, AT(tok))) != FC_JSON_OK)
                    return st;
                continue;
            }
            return bad(s, AT(p), "expected ',' or '%c', found %s",
                       s->is_map[s->depth - 1] ? '}' : ']', shown(c, sh));
        case FC_JX_KEY_OR_END:
        case FC_JX_KEY:
            if (c == '}' && s->expect == FC_JX_KEY_OR_END) {
                s->pos = AT(++p);
                if ((st = close_container(s, k, c, AT(tok))) != FC_JSON_OK)
                    return st;
                continue;
            }
            if (c != '"')
                return bad(s, AT(p), "expected a string as object key, found %s", shown(c, sh));
            break; /* a string, below */
        case FC_JX_VALUE_OR_END:
            if (c == ']') {
                s->pos = AT(++p);
                if ((st = close_container(s, k, c, AT(tok))) != FC_JSON_OK)
                    return st;
                continue;
            }
            break;
        case FC_JX_VALUE:
            break;
        case FC_JX_DONE:
            return bad(s, AT(p), "%s after the end of the JSON value", shown(c, sh));
        }
    token: /* a value, or a key, starts at p (its first byte c) */;
        bool is_key = s->expect == FC_JX_KEY_OR_END || s->expect == FC_JX_KEY;
        if (c == '"') {
            const char *close = NULL;
            bool has_escape = false, cut_in_escape = false;
            enum js_str_end r =
                string_end(s, p + 1, end, AT(p + 1), &close, &has_escape, &cut_in_escape);
            if (r == JS_STR_BAD)
                return FC_JSON_INVALID;
            if (r == JS_STR_CUT) {
                keep_cut(s, FC_JP_STRING, p, end);
                s->pending_is_key = is_key;
                s->pending_escape = cut_in_escape;
                break;
            }
            p = close + 1;
            s->pos = AT(p);
            st = string_token(s, k, tok + 1, (size_t)(close - tok - 1), has_escape, is_key, AT(tok));
        } else if (c == '{' || c == '[') {
            s->pos = AT(++p);
            st = open_container(s, k, c == '{', AT(tok));
        } else if (c == '-' || digit(c) || literal_byte(c)) {
            bool number = c == '-' || digit(c);
            unsigned char member = number ? JS_NUM : JS_LIT;
            while (p < end && (byte_class[(unsigned char)*p] & member))
                p++;
            if (p == end) { /* the next chunk may go on with it */
                keep_cut(s, number ? FC_JP_NUMBER : FC_JP_LITERAL, tok, end);
                break;
            }
            s->pos = AT(p);
            st = number ? number_token(s, k, tok, (size_t)(p - tok), AT(tok))
                        : literal_token(s, k, tok, (size_t)(p - tok), AT(tok));
        } else {
            return bad(s, AT(p), "unexpected %s where a value should be", shown(c, sh));
        }
        if (st != FC_JSON_OK)
            return st;
        /* Hub JSON has no whitespace: take the punctuation that usually
         * follows, and go straight on to the next key or value, without
         * another turn of the loop. */
        if (p == end)
            break;
        if (*p == ':' && s->expect == FC_JX_COLON) {
            p++;
            s->expect = FC_JX_VALUE;
        } else if (*p == ',' && s->expect == FC_JX_COMMA_OR_END) {
            p++;
            s->expect = s->is_map[s->depth - 1] ? FC_JX_KEY : FC_JX_VALUE;
        }
        if (p < end && (s->expect == FC_JX_VALUE || s->expect == FC_JX_KEY_OR_END ||
                        s->expect == FC_JX_KEY)) {
            c = (unsigned char)*p;
            if (c == '"' || (s->expect == FC_JX_VALUE && c > ' ')) {
                tok = p;
                goto token;
            }
        }
    }
#undef AT
    s->base += n;
    return FC_JSON_OK;
}

#endif
