/* The streaming JSON scanner (core/json_scan): its tokens are yajl's on
 * every recorded hub page and every decoder fuzz input, whatever the chunk
 * cuts; it rejects what RFC 8259 rejects, saying what and where; escapes
 * come out as UTF-8. yajl is the reference here only: it is not the code
 * under test. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <yajl/yajl_parse.h>

#include "core/buf.h"
#include "core/json_scan.h"
#include "support/test_main.h"

/* ---- the token log: one line per token, strings with their length ---- */

static void log_bytes(struct fc_buf *log, char tag, const char *s, size_t n)
{
    fc_buf_printf(log, "%c%zu:", tag, n);
    fc_buf_append(log, s, n);
    fc_buf_putc(log, '\n');
}

static bool s_null(void *ud) { fc_buf_puts(ud, "null\n"); return true; }
static bool s_bool(void *ud, bool v) { fc_buf_puts(ud, v ? "true\n" : "false\n"); return true; }
static bool s_number(void *ud, const char *s, size_t n) { log_bytes(ud, 'n', s, n); return true; }
static bool s_string(void *ud, const char *s, size_t n) { log_bytes(ud, 's', s, n); return true; }
static bool s_key(void *ud, const char *s, size_t n) { log_bytes(ud, 'k', s, n); return true; }
static bool s_start_map(void *ud) { fc_buf_puts(ud, "{\n"); return true; }
static bool s_end_map(void *ud) { fc_buf_puts(ud, "}\n"); return true; }
static bool s_start_array(void *ud) { fc_buf_puts(ud, "[\n"); return true; }
static bool s_end_array(void *ud) { fc_buf_puts(ud, "]\n"); return true; }

static const struct fc_json_sink log_sink = {
    .null_value = s_null, .bool_value = s_bool, .number = s_number, .string = s_string,
    .key = s_key, .start_map = s_start_map, .end_map = s_end_map,
    .start_array = s_start_array, .end_array = s_end_array,
};

static int y_null(void *ud) { return s_null(ud); }
static int y_bool(void *ud, int v) { return s_bool(ud, v); }
static int y_number(void *ud, const char *s, size_t n) { return s_number(ud, s, n); }
static int y_string(void *ud, const unsigned char *s, size_t n)
{
    return s_string(ud, (const char *)s, n);
}
static int y_key(void *ud, const unsigned char *s, size_t n)
{
    return s_key(ud, (const char *)s, n);
}
static int y_start_map(void *ud) { return s_start_map(ud); }
static int y_end_map(void *ud) { return s_end_map(ud); }
static int y_start_array(void *ud) { return s_start_array(ud); }
static int y_end_array(void *ud) { return s_end_array(ud); }

static const yajl_callbacks yajl_log = {
    y_null, y_bool, NULL, NULL, y_number, y_string,
    y_start_map, y_key, y_end_map, y_start_array, y_end_array,
};

/* yajl's reading of text: whether it is valid, and its tokens. */
static bool yajl_tokens(const char *text, size_t n, struct fc_buf *log)
{
    yajl_handle y = yajl_alloc(&yajl_log, NULL, log);
    yajl_config(y, yajl_dont_validate_strings, 1);
    bool ok = yajl_parse(y, (const unsigned char *)text, n) == yajl_status_ok &&
              yajl_complete_parse(y) == yajl_status_ok;
    yajl_free(y);
    return ok;
}

/* The scanner's reading of text fed in chunks of `chunk` bytes (the first
 * one `first` bytes long when first > 0). */
static enum fc_json_status scan_tokens(const char *text, size_t n, size_t first, size_t chunk,
                                       struct fc_buf *log, struct fc_json_scan *s)
{
    fc_json_scan_init(s, &log_sink, log);
    enum fc_json_status st = FC_JSON_OK;
    size_t off = 0;
    while (off < n && st == FC_JSON_OK) {
        size_t take = off == 0 && first ? first : chunk;
        if (take > n - off)
            take = n - off;
        st = fc_json_scan_feed(s, text + off, take);
        off += take;
    }
    if (st == FC_JSON_OK)
        st = fc_json_scan_finish(s);
    return st;
}

static void expect_same_tokens(const char *name, const char *text, size_t n, size_t first,
                               size_t chunk)
{
    struct fc_buf want = FC_BUF_INIT, got = FC_BUF_INIT;
    struct fc_json_scan s;
    bool yajl_ok = yajl_tokens(text, n, &want);
    enum fc_json_status st = scan_tokens(text, n, first, chunk, &got, &s);
    if (yajl_ok != (st == FC_JSON_OK))
        fail_msg("%s (first %zu, chunks of %zu): yajl says %s, the scanner %s (%s at %zu)", name,
                 first, chunk, yajl_ok ? "valid" : "invalid", st == FC_JSON_OK ? "valid" : "invalid",
                 s.error, s.error_at);
    if (yajl_ok && (want.len != got.len || memcmp(want.data, got.data, want.len) != 0))
        fail_msg("%s (first %zu, chunks of %zu): tokens differ from yajl's", name, first, chunk);
    fc_json_scan_cleanup(&s);
    fc_buf_cleanup(&want);
    fc_buf_cleanup(&got);
}

static bool read_file(const char *path, struct fc_buf *out)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return false;
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fc_buf_append(out, chunk, n);
    fclose(f);
    return true;
}

/* Calls fn on every regular file under dir (recursively); returns the count. */
static size_t each_file(const char *dir, void (*fn)(const char *path, const struct fc_buf *text))
{
    DIR *d = opendir(dir);
    assert_non_null(d);
    size_t count = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        if (S_ISDIR(st.st_mode)) {
            count += each_file(path, fn);
            continue;
        }
        struct fc_buf text = FC_BUF_INIT;
        assert_true(read_file(path, &text));
        fn(path, &text);
        fc_buf_cleanup(&text);
        count++;
    }
    closedir(d);
    return count;
}

/* Whole, cut at a pseudo-random point, and in 7-byte and 4096-byte chunks. */
static void compare_cuts(const char *path, const struct fc_buf *text)
{
    const char *t = text->data ? text->data : "";
    size_t n = text->len;
    expect_same_tokens(path, t, n, 0, n ? n : 1);
    size_t cut = n ? (n * 7919 + 13) % n : 0;
    expect_same_tokens(path, t, n, cut ? cut : 1, n ? n : 1);
    expect_same_tokens(path, t, n, 0, 7);
    expect_same_tokens(path, t, n, 0, 4096);
}

static void tokens_match_yajl_on_every_recorded_hub_page(void **state)
{
    (void)state;
    const char *dir = getenv("FCINDEX_FIXTURES");
    assert_non_null(dir);
    /* every page of the recorded hubs, both dialects */
    assert_true(each_file(dir, compare_cuts) > 1000);
}

static void tokens_and_verdicts_match_yajl_on_the_fuzz_corpus(void **state)
{
    (void)state;
    const char *src = getenv("FCINDEX_SOURCE_DIR");
    assert_non_null(src);
    char dir[4096];
    snprintf(dir, sizeof(dir), "%s/tests/fuzz/corpus/decode", src);
    /* hostile and broken pages: the same verdict, and the same tokens when valid */
    assert_true(each_file(dir, compare_cuts) > 500);
}

/* A page whose tokens straddle chunks every way: each cut point in turn,
 * then one byte at a time. */
static void every_cut_gives_the_same_tokens(void **state)
{
    (void)state;
    static const char page[] =
        "{\"messages\":[{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\",\"fid\":12345,"
        "\"timestamp\":-1.5e+3,\"castAddBody\":{\"text\":\"caf\\u00e9 \\ud83d\\ude80 \\\"q\\\" \\\\\","
        "\"embeds\":[],\"mentions\":[1,22,333],\"parentUrl\":null,\"flag\":true,\"off\":false}},"
        "\"hash\":\"0xa84b\",\"signer\":\"\"}],\"nextPageToken\":\"\"}";
    size_t n = sizeof(page) - 1;
    for (size_t cut = 1; cut < n; cut++)
        expect_same_tokens("cut", page, n, cut, n);
    expect_same_tokens("bytes", page, n, 0, 1);
    expect_same_tokens("pairs", page, n, 0, 2);
    /* whitespace everywhere it is allowed */
    static const char spaced[] = " \t\r\n{ \"a\" : [ 1 , \"x\" , { } , [ ] , null ] } \n";
    for (size_t cut = 1; cut < sizeof(spaced) - 1; cut++)
        expect_same_tokens("spaced", spaced, sizeof(spaced) - 1, cut, sizeof(spaced));
    expect_same_tokens("spaced bytes", spaced, sizeof(spaced) - 1, 0, 1);
}

/* The tokens of text, scanned whole; the scan must accept it. */
static char *tokens_of(const char *text)
{
    struct fc_buf log = FC_BUF_INIT;
    struct fc_json_scan s;
    enum fc_json_status st = scan_tokens(text, strlen(text), 0, strlen(text) + 1, &log, &s);
    if (st != FC_JSON_OK)
        fail_msg("%s: %s at %zu", text, s.error, s.error_at);
    fc_json_scan_cleanup(&s);
    fc_buf_putc(&log, '\0');
    return log.data;
}

static void escapes_come_out_as_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *json, *tokens;
    } cases[] = {
        {"\"\\u00e9\"", "s2:\xc3\xa9\n"},
        {"\"\\u20AC\"", "s3:\xe2\x82\xac\n"},
        {"\"\\ud83d\\ude80\"", "s4:\xf0\x9f\x9a\x80\n"},
        /* a lone surrogate keeps its three bytes, which UTF-8 checks refuse */
        {"\"\\ud800x\"", "s4:\xed\xa0\x80x\n"},
        {"\"\\udc00\"", "s3:\xed\xb0\x80\n"},
        {"\"\\\" \\\\ \\/ \\b \\f \\n \\r \\t\"", "s15:\" \\ / \b \f \n \r \t\n"},
        {"{\"\\u0041b\":1}", "{\nk2:Ab\nn1:1\n}\n"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *got = tokens_of(cases[i].json);
        if (strcmp(got, cases[i].tokens) != 0)
            fail_msg("%s: got %s", cases[i].json, got);
        free(got);
    }
    /* \u0000 is a NUL byte inside the string, with its length */
    char *got = tokens_of("\"a\\u0000b\"");
    assert_memory_equal(got, "s3:a\0b\n", 7);
    free(got);
}

static void bad_json_says_what_and_where(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        size_t at;
        const char *says;
    } cases[] = {
        {"", 0, "no JSON value"},
        {"  ", 2, "no JSON value"},
        {"{\"a\":1", 6, "1 container left open"},
        {"[[", 2, "2 containers left open"},
        {"\"abc", 0, "unterminated string"},
        {"\"a\tb\"", 2, "byte 0x09 (a control character) inside a string"},
        {"\"a\\qb\"", 0, "invalid escape '\\' then 'q'"},
        {"\"\\u12g4\"", 0, "\\u must be followed by four hex digits"},
        {"\"\\u12\"", 0, "\\u must be followed by four hex digits"},
        {"01", 0, "invalid number \"01\""},
        {"[1.]", 1, "invalid number \"1.\""},
        {"[-]", 1, "invalid number \"-\""},
        {"[1e]", 1, "invalid number \"1e\""},
        {"[.5]", 1, "unexpected '.' where a value should be"},
        {"[+1]", 1, "unexpected '+' where a value should be"},
        {"[1-2]", 1, "invalid number \"1-2\""},
        {"[tru]", 1, "unexpected word \"tru\""},
        {"[nulll]", 1, "unexpected word \"nulll\""},
        {"{\"a\" 1}", 5, "expected ':' after an object key, found '1'"},
        {"{\"a\":1 \"b\":2}", 7, "expected ',' or '}', found '\"'"},
        {"[1 2]", 3, "expected ',' or ']', found '2'"},
        {"[1,]", 3, "unexpected ']' where a value should be"},
        {"{\"a\":1,}", 7, "expected a string as object key, found '}'"},
        {"{1:2}", 1, "expected a string as object key, found '1'"},
        {"[1}", 2, "'}' closes an array"},
        {"{\"a\":[}", 6, "unexpected '}' where a value should be"},
        {"{\"a\":1]", 6, "']' closes an object"},
        {"{} {}", 3, "'{' after the end of the JSON value"},
        {"1 x", 2, "'x' after the end of the JSON value"},
        {"[\x01]", 1, "unexpected byte 0x01 where a value should be"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        /* whole and one byte at a time: the same error at the same offset */
        for (size_t chunk = 1; chunk <= 2; chunk++) {
            size_t n = strlen(cases[i].json);
            struct fc_buf log = FC_BUF_INIT;
            struct fc_json_scan s;
            enum fc_json_status st =
                scan_tokens(cases[i].json, n, 0, chunk == 1 ? 1 : n + 1, &log, &s);
            if (st != FC_JSON_INVALID)
                fail_msg("%s: accepted", cases[i].json);
            if (!strstr(s.error, cases[i].says) || s.error_at != cases[i].at)
                fail_msg("%s (chunks of %zu): said \"%s\" at %zu, want \"%s\" at %zu",
                         cases[i].json, chunk == 1 ? (size_t)1 : n, s.error, s.error_at,
                         cases[i].says, cases[i].at);
            fc_json_scan_cleanup(&s);
            fc_buf_cleanup(&log);
        }
    }
}

/* Strings are searched many bytes at a time: a quote, an escape or a
 * control byte is found at any place in a long string, and bytes from 0x80
 * (UTF-8) are left alone. */
static void special_bytes_are_found_anywhere_in_a_long_string(void **state)
{
    (void)state;
    for (size_t at = 0; at < 40; at++) {
        char body[41];
        memset(body, 'a', 40);
        body[40] = '\0';
        char text[64];
        /* an escaped newline at `at`, a UTF-8 byte pair after it */
        memcpy(body + at, "\\n", 2);
        if (at + 4 <= 40)
            memcpy(body + at + 2, "\xc3\xa9", 2);
        snprintf(text, sizeof(text), "[\"%.40s\"]", body);
        expect_same_tokens("escape", text, strlen(text), 0, strlen(text));
        expect_same_tokens("escape cut", text, strlen(text), at + 2, strlen(text));
        /* a control byte at `at`: named at its own offset */
        memset(body, 'a', 40);
        body[at] = 0x1f;
        snprintf(text, sizeof(text), "[\"%.40s\"]", body);
        struct fc_buf log = FC_BUF_INIT;
        struct fc_json_scan s;
        assert_int_equal(scan_tokens(text, strlen(text), 0, strlen(text), &log, &s),
                         FC_JSON_INVALID);
        assert_non_null(strstr(s.error, "byte 0x1f (a control character) inside a string"));
        assert_int_equal(s.error_at, at + 2);
        fc_json_scan_cleanup(&s);
        fc_buf_cleanup(&log);
        /* a quote at `at` ends the string there: two strings */
        if (at + 3 <= 40) {
            memset(body, 'a', 40);
            memcpy(body + at, "\",\"", 3);
            snprintf(text, sizeof(text), "[\"%.40s\"]", body);
            char *got = tokens_of(text);
            char want[128];
            snprintf(want, sizeof(want), "[\ns%zu:%.*s\ns%zu:%.*s\n]\n", at, (int)at, body,
                     37 - at, (int)(37 - at), body + at + 3);
            assert_string_equal(got, want);
            free(got);
        }
    }
}

static void nesting_is_bounded(void **state)
{
    (void)state;
    struct fc_buf deep = FC_BUF_INIT, log = FC_BUF_INIT;
    for (int i = 0; i < FC_JSON_MAX_DEPTH; i++)
        fc_buf_putc(&deep, '[');
    for (int i = 0; i < FC_JSON_MAX_DEPTH; i++)
        fc_buf_putc(&deep, ']');
    struct fc_json_scan s;
    assert_int_equal(scan_tokens(deep.data, deep.len, 0, deep.len, &log, &s), FC_JSON_OK);
    fc_json_scan_cleanup(&s);
    fc_buf_reset(&deep);
    fc_buf_reset(&log);
    for (int i = 0; i <= FC_JSON_MAX_DEPTH; i++)
        fc_buf_putc(&deep, '[');
    assert_int_equal(scan_tokens(deep.data, deep.len, 0, deep.len, &log, &s), FC_JSON_INVALID);
    assert_non_null(strstr(s.error, "nested deeper than 1024"));
    assert_int_equal(s.error_at, FC_JSON_MAX_DEPTH);
    fc_json_scan_cleanup(&s);
    fc_buf_cleanup(&deep);
    fc_buf_cleanup(&log);
}

/* The offset a sink reads while told about each token. */
struct pos_log {
    struct fc_json_scan s;
    struct fc_buf log;
};

static bool p_mark(void *ud, char tag)
{
    struct pos_log *p = ud;
    fc_buf_printf(&p->log, "%c%zu ", tag, fc_json_scan_pos(&p->s));
    return true;
}
static bool p_null(void *ud) { return p_mark(ud, 'z'); }
static bool p_bool(void *ud, bool v) { (void)v; return p_mark(ud, 'b'); }
static bool p_number(void *ud, const char *s, size_t n) { (void)s; (void)n; return p_mark(ud, 'n'); }
static bool p_string(void *ud, const char *s, size_t n) { (void)s; (void)n; return p_mark(ud, 's'); }
static bool p_key(void *ud, const char *s, size_t n) { (void)s; (void)n; return p_mark(ud, 'k'); }
static bool p_start_map(void *ud) { return p_mark(ud, '{'); }
static bool p_end_map(void *ud) { return p_mark(ud, '}'); }
static bool p_start_array(void *ud) { return p_mark(ud, '['); }
static bool p_end_array(void *ud) { return p_mark(ud, ']'); }

static const struct fc_json_sink pos_sink = {
    .null_value = p_null, .bool_value = p_bool, .number = p_number, .string = p_string,
    .key = p_key, .start_map = p_start_map, .end_map = p_end_map,
    .start_array = p_start_array, .end_array = p_end_array,
};

static void positions_point_just_past_each_token(void **state)
{
    (void)state;
    /*                 0123456789012345678901234567 */
    static const char t[] = "{\"ab\":[12,\"x\",null,true]}";
    const char *want = "{1 k5 [7 n9 s13 z18 b23 ]24 }25 ";
    for (size_t chunk = 1; chunk <= sizeof(t); chunk += sizeof(t) - 1) {
        struct pos_log p = {.log = FC_BUF_INIT};
        fc_json_scan_init(&p.s, &pos_sink, &p);
        for (size_t off = 0; off < sizeof(t) - 1; off += chunk)
            assert_int_equal(fc_json_scan_feed(&p.s, t + off,
                                               chunk < sizeof(t) - 1 - off ? chunk
                                                                           : sizeof(t) - 1 - off),
                             FC_JSON_OK);
        assert_int_equal(fc_json_scan_finish(&p.s), FC_JSON_OK);
        fc_buf_putc(&p.log, '\0');
        assert_string_equal(p.log.data, want);
        fc_json_scan_cleanup(&p.s);
        fc_buf_cleanup(&p.log);
    }
}

/* A sink that stops at its second key. */
static int keys_seen;
static bool stop_key(void *ud, const char *s, size_t n)
{
    (void)ud;
    (void)s;
    (void)n;
    return ++keys_seen < 2;
}

static void a_sink_can_stop_the_scan(void **state)
{
    (void)state;
    struct fc_json_sink stopper = log_sink;
    stopper.key = stop_key;
    struct fc_buf log = FC_BUF_INIT;
    struct fc_json_scan s;
    fc_json_scan_init(&s, &stopper, &log);
    keys_seen = 0;
    const char *t = "{\"a\":1,\"b\":2,\"c\":3}";
    assert_int_equal(fc_json_scan_feed(&s, t, strlen(t)), FC_JSON_STOPPED);
    assert_int_equal(keys_seen, 2);
    fc_buf_putc(&log, '\0');
    assert_string_equal(log.data, "{\nn1:1\n"); /* nothing after the stop */
    fc_json_scan_cleanup(&s);
    fc_buf_cleanup(&log);
}

static void reset_starts_a_new_text(void **state)
{
    (void)state;
    struct fc_buf log = FC_BUF_INIT;
    struct fc_json_scan s;
    fc_json_scan_init(&s, &log_sink, &log);
    /* leave a cut string and an open container behind */
    assert_int_equal(fc_json_scan_feed(&s, "[\"ab", 4), FC_JSON_OK);
    fc_json_scan_reset(&s, &log_sink, &log);
    fc_buf_reset(&log);
    assert_int_equal(fc_json_scan_feed(&s, "{\"k\":\"v\"}", 9), FC_JSON_OK);
    assert_int_equal(fc_json_scan_finish(&s), FC_JSON_OK);
    assert_int_equal(fc_json_scan_pos(&s), 9);
    fc_buf_putc(&log, '\0');
    assert_string_equal(log.data, "{\nk1:k\ns1:v\n}\n");
    fc_json_scan_cleanup(&s);
    fc_buf_cleanup(&log);
}

FCT_MAIN(NULL, NULL, tokens_match_yajl_on_every_recorded_hub_page,
         tokens_and_verdicts_match_yajl_on_the_fuzz_corpus, every_cut_gives_the_same_tokens,
         escapes_come_out_as_utf8, bad_json_says_what_and_where,
         special_bytes_are_found_anywhere_in_a_long_string, nesting_is_bounded,
         positions_point_just_past_each_token, a_sink_can_stop_the_scan, reset_starts_a_new_text)
