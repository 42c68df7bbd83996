/* The hub JSON decoder: validation rules and their messages, byte-field
 * encodings, UTF-8 and NUL handling, unknown values, ABI metadata, event id
 * layouts. (Fixture files and ground truth: tests/integration/test_decode_fixtures.c.) */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/bytes.h"
#include "fc/decode.h"
#include "fc/emit.h"

struct collected {
    struct fc_buf lines;
    size_t n, errors;
};

static void collect(void *ud, const struct fc_item *it)
{
    struct collected *c = ud;
    fc_emit_item(it, &c->lines);
    fc_buf_putc(&c->lines, '\n');
    c->n++;
    c->errors += it->kind == FC_ITEM_ERROR;
}

static enum fc_err decode(const char *json, struct collected *c, struct fc_page_info *info)
{
    memset(c, 0, sizeof(*c));
    fc_buf_puts(&c->lines, "");
    struct fc_diag d;
    return fc_decode_buffer(FC_PAGE_AUTO, json, strlen(json), collect, c, info, &d, NULL);
}

#define H40 "0x0202020202020202020202020202020202020202"
#define SIG "\"signature\":\"AAAA\",\"signer\":\"0x69104ef20c6676aacc9e8c291800d1b7e911e20f85b4066156ea118ace44b8d7\""

static const char *cast(const char *body)
{
    static char buf[8192];
    snprintf(buf, sizeof(buf),
             "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\",\"fid\":1234,\"timestamp\":94608000,"
             "\"network\":\"FARCASTER_NETWORK_MAINNET\",\"castAddBody\":%s},\"hash\":\"" H40 "\","
             SIG "}", body);
    return buf;
}

static void error_names_path_and_reason(void **state)
{
    (void)state;
    struct fc_buf page = FC_BUF_INIT;
    fc_buf_puts(&page, "{\"messages\":[");
    for (int i = 0; i < 5; i++) {
        const char *body = i == 3 ? "{\"text\":\"hi\",\"parentCastId\":{\"fid\":1,\"hash\":\"0x12\"}}"
                                  : "{\"text\":\"hi\"}";
        fc_buf_printf(&page, "%s%s", i ? "," : "", cast(body));
    }
    fc_buf_puts(&page, "],\"nextPageToken\":\"\"}");
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(page.data, &c, &info), FC_OK);
    assert_int_equal(c.n, 5);
    assert_int_equal(c.errors, 1);
    assert_non_null(strstr(c.lines.data,
        "{\"kind\":\"error\",\"index\":3,\"path\":\"messages[3].data.castAddBody.parentCastId.hash\","
        "\"error\":\"expected 0x and 40 hex digits, got \\\"0x12\\\"\"}"));
    assert_string_equal(info.next_token, "");
    fc_buf_cleanup(&page);
    fc_buf_cleanup(&c.lines);
}

static void one_rule(const char *body, const char *expect)
{
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(cast(body), &c, &info), FC_OK);
    if (c.errors != 1 || !strstr(c.lines.data, expect))
        fail_msg("body %s: wanted error containing \"%s\", got %s", body, expect, c.lines.data);
    fc_buf_cleanup(&c.lines);
}

static void validation_rules(void **state)
{
    (void)state;
    char long_text[400];
    memset(long_text, 'a', 330);
    long_text[330] = '\0';
    char body[1200];
    snprintf(body, sizeof(body), "{\"text\":\"%s\",\"type\":\"CAST\"}", long_text);
    one_rule(body, "exceeds the 320-byte limit");
    snprintf(body, sizeof(body), "{\"text\":\"%s\",\"type\":\"LONG_CAST\"}", long_text);
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(cast(body), &c, &info), FC_OK);
    assert_int_equal(c.errors, 0); /* a long cast may hold it */
    fc_buf_cleanup(&c.lines);
    one_rule("{\"text\":\"hi\",\"mentions\":[1,2,3,4,5,6,7,8,9,10,11],"
             "\"mentionsPositions\":[0,0,0,0,0,0,0,0,0,0,0]}", "more than 10 mentions");
    one_rule("{\"text\":\"hi\",\"mentions\":[5],\"mentionsPositions\":[3]}",
             "mention position 3 is beyond the text (2 bytes)");
    one_rule("{\"text\":\"hello\",\"mentions\":[5,6],\"mentionsPositions\":[3]}",
             "2 mentions but 1 mention positions");
    one_rule("{\"text\":\"hello\",\"mentions\":[5,6],\"mentionsPositions\":[3,1]}",
             "not in order");
    one_rule("{\"text\":\"\xff\xfe\"}", "invalid UTF-8");
    one_rule("{\"text\":\"x\",\"embeds\":[{\"url\":\"a\"},{\"url\":\"b\"},{\"url\":\"c\"},"
             "{\"url\":\"d\"},{\"url\":\"e\"}]}", "more than 4 embeds");
    one_rule("{\"text\":\"x\",\"parentCastId\":{\"fid\":1,\"hash\":\"" H40 "\"},"
             "\"parentUrl\":\"https://x\"}", "both parentCastId and parentUrl");
    one_rule("{\"text\":\"x\",\"mentions\":[-1],\"mentionsPositions\":[0]}",
             "expected an unsigned integer, got -1");
    one_rule("{\"text\":\"x\",\"mentions\":[1.5],\"mentionsPositions\":[0]}",
             "expected an unsigned integer");
    char url[400] = "{\"text\":\"x\",\"parentUrl\":\"https://";
    memset(url + strlen(url), 'u', 300);
    strcat(url, "\"}");
    one_rule(url, "bytes exceed the limit of 256");
    /* text, URLs and byte fields are JSON strings: a number there is refused */
    one_rule("{\"text\":5}",
             "\"path\":\"data.castAddBody.text\",\"error\":\"expected a string, got 5\"");
    one_rule("{\"text\":\"x\",\"parentUrl\":12}", "expected a string, got 12");
    one_rule("{\"text\":\"x\",\"embeds\":[{\"url\":7}]}", "expected a string, got 7");
}

static void byte_field_encodings(void **state)
{
    (void)state;
    /* castRemoveBody.targetHash is base64 on both servers */
    const char *rm = "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_REMOVE\",\"fid\":1,\"timestamp\":1,"
                     "\"castRemoveBody\":{\"targetHash\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQE=\"}},"
                     "\"hash\":\"" H40 "\"," SIG "}";
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(rm, &c, &info), FC_OK);
    assert_non_null(strstr(c.lines.data, "\"target_hash\":\"0x0101010101010101010101010101010101010101\""));
    fc_buf_cleanup(&c.lines);
    /* hex where base64 belongs is refused by length/alphabet */
    const char *bad = "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_REMOVE\",\"fid\":1,\"timestamp\":1,"
                      "\"castRemoveBody\":{\"targetHash\":\"" H40 "\"}},\"hash\":\"" H40 "\"," SIG "}";
    assert_int_equal(decode(bad, &c, &info), FC_OK);
    assert_int_equal(c.errors, 1);
    assert_non_null(strstr(c.lines.data, "data.castRemoveBody.targetHash"));
    fc_buf_cleanup(&c.lines);
    /* storage payer: base64 (Hubble) and hex (Snapchain) give the same address */
#define OC "{\"events\":[{\"type\":\"EVENT_TYPE_STORAGE_RENT\",\"chainId\":10," \
                     "\"blockNumber\":1,\"blockTimestamp\":2,\"transactionHash\":\"0x00\"," \
                     "\"logIndex\":1,\"fid\":5,\"storageRentEventBody\":{\"payer\":\"%s\"," \
                     "\"units\":1,\"expiry\":3}}]}"
    char a[600], b[600];
    snprintf(a, sizeof(a), OC, "qnwNN/hFqOfwJ+fbJM1tIXQVTtE=");
    snprintf(b, sizeof(b), OC, "0xaa7c0d37f845a8e7f027e7db24cd6d2174154ed1");
    assert_int_equal(decode(a, &c, &info), FC_OK);
    assert_non_null(strstr(c.lines.data, "\"payer\":\"0xaa7c0d37f845a8e7f027e7db24cd6d2174154ed1\""));
    fc_buf_cleanup(&c.lines);
    assert_int_equal(decode(b, &c, &info), FC_OK);
    assert_non_null(strstr(c.lines.data, "\"payer\":\"0xaa7c0d37f845a8e7f027e7db24cd6d2174154ed1\""));
    fc_buf_cleanup(&c.lines);
    /* Solana verification: base58 address round-trips */
    const char *sol = "{\"data\":{\"type\":\"MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS\",\"fid\":1,"
                      "\"timestamp\":1,\"verificationAddAddressBody\":{\"address\":"
                      "\"7Rje2kY1q5bqQ6csWNtyxAczqb9W3d1jgpRtiPxTg53U\",\"protocol\":"
                      "\"PROTOCOL_SOLANA\",\"blockHash\":\"83fakmbcVKj4YijYoesqbxo4zUp2Ww6c52FZWpYEQdLi\"}},"
                      "\"hash\":\"" H40 "\"," SIG "}";
    assert_int_equal(decode(sol, &c, &info), FC_OK);
    assert_int_equal(c.errors, 0);
    assert_non_null(strstr(c.lines.data, "\"address\":\"7Rje2kY1q5bqQ6csWNtyxAczqb9W3d1jgpRtiPxTg53U\""));
    fc_buf_cleanup(&c.lines);
}

static void nul_bytes_become_replacement_char(void **state)
{
    (void)state;
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(cast("{\"text\":\"a\\u0000b\"}"), &c, &info), FC_OK);
    assert_int_equal(c.errors, 0);
    assert_non_null(strstr(c.lines.data, "\"text\":\"a\xef\xbf\xbd" "b\",\"text_had_nul\":true"));
    fc_buf_cleanup(&c.lines);
}

static void unknown_values_are_counted_not_fatal(void **state)
{
    (void)state;
    const char *page =
        "{\"messages\":[{\"data\":{\"type\":\"MESSAGE_TYPE_FROM_THE_FUTURE\",\"fid\":1,"
        "\"timestamp\":1,\"futureBody\":{\"x\":1}},\"hash\":\"" H40 "\"," SIG "},"
        "{\"data\":{\"type\":\"MESSAGE_TYPE_USER_DATA_ADD\",\"fid\":1,\"timestamp\":1,"
        "\"newField\":[1,{\"a\":2}],\"userDataBody\":{\"type\":\"USER_DATA_TYPE_HOLOGRAM\","
        "\"value\":\"x\"}},\"hash\":\"" H40 "\"," SIG "}],\"nextPageToken\":\"abc\"}";
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode(page, &c, &info), FC_OK);
    assert_int_equal(c.n, 1);            /* unknown type skipped */
    assert_int_equal(c.errors, 0);
    assert_int_equal(info.unknown_types, 1);
    assert_true(info.unknown_fields >= 2); /* futureBody, newField */
    assert_int_equal(info.unknown_enums, 1);
    assert_string_equal(info.next_token, "abc");
    fc_buf_cleanup(&c.lines);
}

static void broken_json_fails_the_page(void **state)
{
    (void)state;
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode("{\"messages\":[{\"data\":", &c, &info), FC_ERR_INVALID);
    fc_buf_cleanup(&c.lines);
    assert_int_equal(decode("{\"messages\":[}", &c, &info), FC_ERR_INVALID);
    fc_buf_cleanup(&c.lines);
    /* missing required fields make an item error, not a page error */
    assert_int_equal(decode("{\"messages\":[{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\"}}]}", &c,
                            &info), FC_OK);
    assert_int_equal(c.errors, 1);
    fc_buf_cleanup(&c.lines);
}

static void signer_metadata(void **state)
{
    (void)state;
    /* The reference's example: requestFid 9152. */
    static const char b64[] =
        "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAACAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAjwAAAAAAAAAAAAAAAAALveQ3XmTo1/YR8BT7drpQNBVWWAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAIAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAZUIN1QAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAABBvQZ3N2tHQPlWptWR6GPZSLwncdWsEJv6V70kEnw1yks80A1WWTdQgC7/lM0o5lsyqwYBKklA8KW4wlyh5UBQdhsAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    char json[1200];
    snprintf(json, sizeof(json),
             "{\"type\":\"EVENT_TYPE_SIGNER\",\"chainId\":10,\"blockNumber\":1,\"blockTimestamp\":1,"
             "\"transactionHash\":\"0x01\",\"logIndex\":1,\"fid\":6833,\"signerEventBody\":{"
             "\"key\":\"0x0852c07b5695ff94138b025e3f9b4788e06133f04e254f0ea0eb85a06e999cdd\","
             "\"keyType\":1,\"eventType\":\"SIGNER_EVENT_TYPE_ADD\",\"metadata\":\"%s\","
             "\"metadataType\":1}}", b64);
    struct collected c;
    struct fc_page_info info;
    char page[1400];
    snprintf(page, sizeof(page), "{\"events\":[%s]}", json);
    assert_int_equal(decode(page, &c, &info), FC_OK);
    assert_non_null(strstr(c.lines.data, "\"request_fid\":9152"));
    fc_buf_cleanup(&c.lines);
    /* malformed metadata: the event still decodes, with no app and a reason */
    snprintf(page, sizeof(page), "{\"events\":[%s]}", json);
    char *m = strstr(page, b64);
    memcpy(m, "AAAA", 4); /* tuple offset word still zero-prefixed, but now points to 0 */
    memset(m + 40, 'A', 4);
    assert_int_equal(decode(page, &c, &info), FC_OK);
    assert_int_equal(c.errors, 0);
    assert_non_null(strstr(c.lines.data, "\"request_fid\":null,\"metadata_error\":\""));
    fc_buf_cleanup(&c.lines);

    uint8_t md[288] = {0};
    uint64_t fid;
    struct fc_diag d;
    assert_int_equal(fc_signed_key_request_fid(md, 100, &fid, &d), FC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "shorter than 160"));
    md[31] = 0x20;
    md[63] = 7;
    md[96 + 31] = 0x80;
    md[160 + 31] = 65;
    assert_int_equal(fc_signed_key_request_fid(md, 288, &fid, &d), FC_OK);
    assert_int_equal(fid, 7);
    md[40] = 1; /* requestFid beyond 64 bits */
    assert_int_equal(fc_signed_key_request_fid(md, 288, &fid, &d), FC_ERR_INVALID);
    md[40] = 0;
    md[96 + 31] = 0xff; /* signature offset outside */
    md[96 + 30] = 0xff;
    assert_int_equal(fc_signed_key_request_fid(md, 288, &fid, &d), FC_ERR_INVALID);
}

/* The page's next event id reads every unsigned 64-bit integer, and not
 * one more. */
static void integers_up_to_the_largest_u64(void **state)
{
    (void)state;
    static const struct {
        const char *id;
        bool ok;
    } cases[] = {
        {"0", true},
        {"9999999999999999999", true},  /* 19 digits */
        {"18446744073709551615", true}, /* 2^64 - 1 */
        {"18446744073709551616", false},
        {"18446744073709551620", false},
        {"99999999999999999999", false},
        {"100000000000000000000", false}, /* 21 digits */
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char page[128];
        snprintf(page, sizeof(page), "{\"events\":[],\"nextPageEventId\":%s}", cases[i].id);
        struct collected c;
        struct fc_page_info info;
        assert_int_equal(decode(page, &c, &info), FC_OK);
        if (info.has_next_event_id != cases[i].ok)
            fail_msg("%s: %s", cases[i].id, cases[i].ok ? "refused" : "accepted");
        if (cases[i].ok) {
            char back[32];
            snprintf(back, sizeof(back), "%llu", (unsigned long long)info.next_event_id);
            assert_string_equal(back, cases[i].id);
        }
        fc_buf_cleanup(&c.lines);
    }
}

static void event_id_layouts(void **state)
{
    (void)state;
    /* Snapchain: fixture id 116238630913 is block 7094643, seq 1 */
    assert_int_equal(fc_snapchain_event_block(116238630913ULL), 7094643);
    assert_int_equal(fc_snapchain_event_seq(116238630913ULL), 1);
    assert_int_equal(fc_snapchain_first_event_id(7094643), 116238630912ULL);
    /* Hubble: fixture id 575786434560000 is 2025-06-16T00:00:49.3xx (ms since epoch) */
    uint64_t ms = fc_hubble_event_unix_ms(575786434560000ULL);
    assert_true(ms >= 1750032000000ULL && ms < 1750118400000ULL);
    assert_true(fc_hubble_first_event_id(ms) <= 575786434560000ULL);
    assert_true(fc_hubble_first_event_id(ms + 1) > 575786434560000ULL);
}

static void utf8_and_base58(void **state)
{
    (void)state;
    assert_true(fc_utf8_valid("caf\xc3\xa9 \xf0\x9f\x90\xb8", 10));
    assert_false(fc_utf8_valid("\xc0\xaf", 2));         /* overlong */
    assert_false(fc_utf8_valid("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(fc_utf8_valid("\xe6\x97", 2));         /* truncated */
    uint8_t out[40];
    size_t n;
    assert_int_equal(fc_base58_decode("2NEpo7TZRRrLZSi2U", 17, out, sizeof(out), &n, NULL), FC_OK);
    assert_int_equal(n, 12);
    assert_memory_equal(out, "Hello World!", 12);
    assert_int_equal(fc_base58_decode("0OIl", 4, out, sizeof(out), &n, NULL), FC_ERR_INVALID);
}

/* A reset decoder decodes the next page exactly like a new one. */
static void reset_decoder_reuses_memory(void **state)
{
    (void)state;
    struct collected a, b;
    memset(&a, 0, sizeof(a));
    memset(&b, 0, sizeof(b));
    struct fc_decoder *d = fc_decoder_new(FC_PAGE_AUTO, collect, &a);
    struct fc_diag diag;
    struct fc_page_info info;
    const char *p1 = cast("{\"text\":\"first\"}");
    assert_int_equal(fc_decoder_feed(d, p1, strlen(p1), &diag), FC_OK);
    assert_int_equal(fc_decoder_finish(d, &info, &diag), FC_OK);
    fc_decoder_reset(d, FC_PAGE_AUTO, collect, &b);
    const char *p2 = cast("{\"text\":\"second\",\"mentions\":[7],\"mentionsPositions\":[0]}");
    assert_int_equal(fc_decoder_feed(d, p2, strlen(p2), &diag), FC_OK);
    assert_int_equal(fc_decoder_finish(d, &info, &diag), FC_OK);
    fc_decoder_free(d);
    assert_int_equal(a.n, 1);
    assert_int_equal(b.n, 1);
    assert_non_null(strstr(a.lines.data, "\"text\":\"first\""));
    assert_non_null(strstr(b.lines.data, "\"text\":\"second\""));
    assert_non_null(strstr(b.lines.data, "\"mentions\":[7]"));
    fc_buf_cleanup(&a.lines);
    fc_buf_cleanup(&b.lines);
}

/* Items are kept past the chunks that carried them (the hub client holds a
 * page's items until the page is complete): a bad item at the first, middle
 * and last position of a 1,000-message page fed in small chunks keeps its
 * exact bytes, and every good item its strings, after every chunk is gone. */
struct kept {
    struct fc_item *items;
    size_t n;
};

static void keep(void *ud, const struct fc_item *it)
{
    struct kept *k = ud;
    k->items = fc_xrealloc(k->items, (k->n + 1) * sizeof(*k->items));
    k->items[k->n++] = *it;
}

/* A decoder fed page in chunks of chunk_size bytes, each a fresh heap copy
 * overwritten and freed right after feeding, as curl's buffer is reused:
 * anything pointing into it would be a use after free. Its items go to k;
 * the caller frees the decoder after looking at them. */
static struct fc_decoder *decode_in_chunks(const struct fc_buf *page, size_t chunk_size,
                                           struct kept *k)
{
    struct fc_decoder *d = fc_decoder_new(FC_PAGE_AUTO, keep, k);
    struct fc_diag diag;
    struct fc_page_info info;
    for (size_t off = 0; off < page->len; off += chunk_size) {
        size_t n = page->len - off < chunk_size ? page->len - off : chunk_size;
        char *chunk = fc_xmalloc(n);
        memcpy(chunk, page->data + off, n);
        assert_int_equal(fc_decoder_feed(d, chunk, n, &diag), FC_OK);
        memset(chunk, 'X', n);
        free(chunk);
    }
    assert_int_equal(fc_decoder_finish(d, &info, &diag), FC_OK);
    return d;
}

static void kept_items_outlive_the_chunks(void **state)
{
    (void)state;
    const size_t positions[] = {0, 500, 999};
    for (size_t p = 0; p < 3; p++) {
        size_t bad = positions[p];
        struct fc_buf page = FC_BUF_INIT, bad_text = FC_BUF_INIT;
        fc_buf_puts(&page, "{\"messages\":[");
        for (size_t i = 0; i < 1000; i++) {
            char body[128];
            if (i == bad)
                snprintf(body, sizeof(body), "{\"text\":\"bad %zu\",\"parentCastId\":{\"fid\":1,"
                                             "\"hash\":\"0x12\"}}", i);
            else
                snprintf(body, sizeof(body), "{\"text\":\"cast number %zu\"}", i);
            const char *item = cast(body);
            if (i == bad)
                fc_buf_puts(&bad_text, item);
            fc_buf_printf(&page, "%s%s", i ? "," : "", item);
        }
        fc_buf_puts(&page, "],\"nextPageToken\":\"\"}");
        struct kept k = {NULL, 0};
        struct fc_decoder *d = decode_in_chunks(&page, 997, &k);
        assert_int_equal(k.n, 1000);
        for (size_t i = 0; i < k.n; i++) {
            const struct fc_item *it = &k.items[i];
            if (i == bad) {
                assert_int_equal(it->kind, FC_ITEM_ERROR);
                assert_false(it->raw_truncated);
                assert_int_equal(it->raw_len, bad_text.len);
                /* memcmp, not cmocka's (uninstrumented) compare, so ASan sees the read */
                assert_true(memcmp(it->raw, bad_text.data, bad_text.len) == 0);
                assert_non_null(strstr(it->error_path, "parentCastId.hash"));
            } else {
                assert_int_equal(it->kind, FC_ITEM_MESSAGE);
                assert_null(it->raw);
                char want[64];
                snprintf(want, sizeof(want), "cast number %zu", i);
                assert_string_equal(it->message->body.cast_add.text, want);
            }
        }
        fc_decoder_free(d);
        free(k.items);
        fc_buf_cleanup(&page);
        fc_buf_cleanup(&bad_text);
    }
}

/* An error item larger than the dead-letter cap keeps its first bytes and
 * says so. */
static void huge_bad_item_is_truncated_and_flagged(void **state)
{
    (void)state;
    struct fc_buf page = FC_BUF_INIT;
    fc_buf_puts(&page, "{\"messages\":[{\"data\":{\"fid\":\"x\",\"pad\":\"");
    for (size_t i = 0; i < FC_MAX_RAW_ITEM_BYTES + 5000; i++)
        fc_buf_putc(&page, 'a');
    fc_buf_puts(&page, "\"}}]}");
    struct kept k = {NULL, 0};
    struct fc_decoder *d = decode_in_chunks(&page, 65536, &k);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.items[0].kind, FC_ITEM_ERROR);
    assert_true(k.items[0].raw_truncated);
    assert_int_equal(k.items[0].raw_len, FC_MAX_RAW_ITEM_BYTES);
    assert_true(memcmp(k.items[0].raw, page.data + strlen("{\"messages\":["),
                       FC_MAX_RAW_ITEM_BYTES) == 0);
    fc_decoder_free(d);
    free(k.items);
    fc_buf_cleanup(&page);
}

/* Every byte field a hub may leave empty decodes as empty in both spellings
 * ("" Hubble, "0x" Snapchain), whatever its usual alphabet. */
static void empty_byte_fields_both_dialects(void **state)
{
    (void)state;
    const char *empties[] = {"", "0x"};
    for (int e = 0; e < 2; e++) {
        const char *z = empties[e];
        char page[4096];
        snprintf(page, sizeof(page),
            "{\"events\":["
            /* signer REMOVE: empty metadata (base64 field) */
            "{\"type\":\"EVENT_TYPE_SIGNER\",\"chainId\":10,\"blockNumber\":1,\"blockHash\":\"%s\","
            "\"blockTimestamp\":1,\"transactionHash\":\"%s\",\"logIndex\":0,\"fid\":5,"
            "\"signerEventBody\":{\"key\":\"0x%064d\",\"keyType\":1,"
            "\"eventType\":\"SIGNER_EVENT_TYPE_REMOVE\",\"metadata\":\"%s\",\"metadataType\":0}},"
            /* storage rent: empty payer */
            "{\"type\":\"EVENT_TYPE_STORAGE_RENT\",\"chainId\":10,\"blockNumber\":1,\"blockHash\":\"%s\","
            "\"blockTimestamp\":1,\"transactionHash\":\"%s\",\"logIndex\":1,\"fid\":5,"
            "\"storageRentEventBody\":{\"payer\":\"%s\",\"units\":1,\"expiry\":2}},"
            /* change recovery: empty to and from */
            "{\"type\":\"EVENT_TYPE_ID_REGISTER\",\"chainId\":10,\"blockNumber\":1,\"blockHash\":\"%s\","
            "\"blockTimestamp\":1,\"transactionHash\":\"%s\",\"logIndex\":2,\"fid\":5,"
            "\"idRegisterEventBody\":{\"to\":\"%s\",\"eventType\":\"ChangeRecovery\",\"from\":\"%s\","
            "\"recoveryAddress\":\"" H40 "\"}},"
            /* transfer: empty recovery address */
            "{\"type\":\"EVENT_TYPE_ID_REGISTER\",\"chainId\":10,\"blockNumber\":1,\"blockHash\":\"%s\","
            "\"blockTimestamp\":1,\"transactionHash\":\"%s\",\"logIndex\":3,\"fid\":5,"
            "\"idRegisterEventBody\":{\"to\":\"" H40 "\",\"eventType\":\"ID_REGISTER_EVENT_TYPE_TRANSFER\","
            "\"from\":\"" H40 "\",\"recoveryAddress\":\"%s\"}}]}",
            z, z, 7, z, z, z, z, z, z, z, z, z, z, z);
        struct collected c;
        struct fc_page_info info;
        assert_int_equal(decode(page, &c, &info), FC_OK);
        if (c.errors || c.n != 4)
            fail_msg("empty as \"%s\": %s", z, c.lines.data);
        assert_non_null(strstr(c.lines.data, "\"event_type\":\"change_recovery\",\"to\":null,\"from\":null"));
        assert_non_null(strstr(c.lines.data, "\"event_type\":\"transfer\",\"to\":\"" H40 "\""));
        fc_buf_cleanup(&c.lines);

        /* messages: verification block hashes (hex and base58) and a proof owner */
        snprintf(page, sizeof(page),
            "{\"messages\":[{\"data\":{\"type\":\"MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS\","
            "\"fid\":5,\"timestamp\":1,\"verificationAddAddressBody\":{\"address\":\"" H40 "\","
            "\"blockHash\":\"%s\",\"protocol\":\"PROTOCOL_ETHEREUM\"}},\"hash\":\"" H40 "\"," SIG "},"
            "{\"data\":{\"type\":\"MESSAGE_TYPE_VERIFICATION_ADD_ETH_ADDRESS\",\"fid\":5,\"timestamp\":1,"
            "\"verificationAddAddressBody\":{\"address\":\"11111111111111111111111111111111\","
            "\"blockHash\":\"%s\",\"protocol\":\"PROTOCOL_SOLANA\"}},\"hash\":\"" H40 "\"," SIG "},"
            "{\"data\":{\"type\":\"MESSAGE_TYPE_USERNAME_PROOF\",\"fid\":5,\"timestamp\":1,"
            "\"usernameProofBody\":{\"timestamp\":1,\"name\":\"x\",\"owner\":\"%s\",\"signature\":\"%s\","
            "\"fid\":5,\"type\":\"USERNAME_TYPE_FNAME\"}},\"hash\":\"" H40 "\"," SIG "}]}",
            z, z, z, z);
        assert_int_equal(decode(page, &c, &info), FC_OK);
        if (c.errors || c.n != 3)
            fail_msg("empty as \"%s\": %s", z, c.lines.data);
        fc_buf_cleanup(&c.lines);
    }
    /* REGISTER and TRANSFER still need their custody address */
    struct collected c;
    struct fc_page_info info;
    assert_int_equal(decode("{\"type\":\"EVENT_TYPE_ID_REGISTER\",\"fid\":5,\"idRegisterEventBody\":"
                            "{\"to\":\"0x\",\"eventType\":\"Transfer\",\"from\":\"" H40 "\"}}",
                            &c, &info), FC_OK);
    assert_int_equal(c.errors, 1);
    assert_non_null(strstr(c.lines.data, "TRANSFER without a custody address"));
    fc_buf_cleanup(&c.lines);
}

FCT_MAIN(NULL, NULL, error_names_path_and_reason, validation_rules, byte_field_encodings,
         nul_bytes_become_replacement_char, unknown_values_are_counted_not_fatal,
         broken_json_fails_the_page, signer_metadata, integers_up_to_the_largest_u64,
         event_id_layouts, utf8_and_base58,
         reset_decoder_reuses_memory, kept_items_outlive_the_chunks,
         empty_byte_fields_both_dialects, huge_bad_item_is_truncated_and_flagged)
