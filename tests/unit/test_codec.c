/* hex, base64 and Farcaster time helpers. */
#include "support/testenv.h"

#include <stdio.h>
#include <string.h>

#include "core/base64.h"
#include "core/fctime.h"
#include "core/hex.h"

static void hex_roundtrip_and_case(void **state)
{
    (void)state;
    uint8_t out[20];
    size_t n = 0;
    struct fc_diag d;
    const char *h = "0x27F49c6928369d64495f4c4dd142c2e7389ebf1e";
    assert_int_equal(fc_hex_decode(h, strlen(h), true, out, sizeof(out), &n, &d), FC_OK);
    assert_int_equal(n, 20);
    assert_int_equal(out[0], 0x27);
    assert_int_equal(out[19], 0x1e);
    char enc[43];
    fc_hex_encode(out, n, enc);
    assert_string_equal(enc, "0x27f49c6928369d64495f4c4dd142c2e7389ebf1e");
}

static void hex_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t n = 99;
    struct fc_diag d;
    assert_int_equal(fc_hex_decode("0x123", 5, true, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "odd"));
    assert_int_equal(fc_hex_decode("0x12zz", 6, true, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "offset 4"));
    assert_int_equal(fc_hex_decode("1234", 4, true, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "0x"));
    assert_int_equal(fc_hex_decode("0x0102030405", 12, true, out, sizeof(out), &n, &d),
                     FC_ERR_LIMIT);
    assert_int_equal(n, 99); /* out-params untouched on failure */
    assert_int_equal(fc_hex_decode("0x", 2, true, out, sizeof(out), &n, &d), FC_OK);
    assert_int_equal(n, 0);
}

/* Every byte value at every position of a 40-digit hash: only the 22 hex
 * digits pass, each with its value, and a bad one is named at its offset. */
static void hex_every_byte_at_every_position(void **state)
{
    (void)state;
    static const char digits[] = "0123456789abcdef";
    char text[43] = "0x";
    uint8_t want[20];
    for (int i = 0; i < 20; i++) {
        want[i] = (uint8_t)(i * 37 + 11);
        text[2 + 2 * i] = digits[want[i] >> 4];
        text[3 + 2 * i] = digits[want[i] & 15];
    }
    for (int pos = 2; pos < 42; pos++) {
        for (int b = 0; b < 256; b++) {
            char t[43];
            memcpy(t, text, sizeof(t));
            t[pos] = (char)b;
            int value = b >= '0' && b <= '9'   ? b - '0'
                        : b >= 'a' && b <= 'f' ? b - 'a' + 10
                        : b >= 'A' && b <= 'F' ? b - 'A' + 10
                                               : -1;
            uint8_t out[20], expect[20];
            memcpy(expect, want, sizeof(expect));
            int k = (pos - 2) / 2;
            if (value >= 0)
                expect[k] = (uint8_t)(pos % 2 == 0 ? (value << 4) | (want[k] & 15)
                                                   : (want[k] & 0xf0) | value);
            size_t n = 0;
            struct fc_diag d;
            enum fc_err err = fc_hex_decode(t, 42, true, out, sizeof(out), &n, &d);
            if (value < 0) {
                char off[32];
                snprintf(off, sizeof(off), "offset %d", pos);
                if (err != FC_ERR_INVALID || !strstr(d.msg, off))
                    fail_msg("byte 0x%02x at %d: %s", b, pos, err ? d.msg : "accepted");
            } else if (err != FC_OK || n != 20 || memcmp(out, expect, 20) != 0) {
                fail_msg("byte '%c' at %d decoded wrong", b, pos);
            }
        }
    }
}

static void base64_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10 test vectors. */
    static const char *const plain[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    static const char *const enc[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                      "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[16];
        fc_base64_encode((const uint8_t *)plain[i], strlen(plain[i]), out);
        assert_string_equal(out, enc[i]);
        uint8_t dec[16];
        size_t n;
        struct fc_diag d;
        assert_int_equal(fc_base64_decode(enc[i], strlen(enc[i]), dec, sizeof(dec), &n, &d),
                         FC_OK);
        assert_int_equal(n, strlen(plain[i]));
        assert_memory_equal(dec, plain[i], n);
    }
    /* A castRemoveBody.targetHash: 20 bytes of 0x01. */
    uint8_t dec[32];
    size_t n;
    assert_int_equal(fc_base64_decode("AQEBAQEBAQEBAQEBAQEBAQEBAQE=", 28, dec, sizeof(dec), &n,
                                      NULL), FC_OK);
    assert_int_equal(n, 20);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(dec[i], 1);
}

static void base64_rejects_bad_input(void **state)
{
    (void)state;
    uint8_t out[16];
    size_t n;
    struct fc_diag d;
    assert_int_equal(fc_base64_decode("Zm9", 3, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_int_equal(fc_base64_decode("Zm-v", 4, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_int_equal(fc_base64_decode("Z=9v", 4, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_int_equal(fc_base64_decode("Zh==", 4, out, sizeof(out), &n, &d), FC_ERR_INVALID);
    assert_non_null(strstr(d.msg, "trailing"));
    assert_int_equal(fc_base64_decode("Zm9vYmFy", 8, out, 5, &n, &d), FC_ERR_LIMIT);
}

static void farcaster_time(void **state)
{
    (void)state;
    /* 94608000 FC seconds = 2024-01-01T00:00:00Z (the protocol test vectors). */
    assert_int_equal(fc_time_to_unix(94608000), 1704067200);
    assert_int_equal(fc_time_from_unix(1704067200), 94608000);
    assert_int_equal(fc_time_from_unix(FC_EPOCH_UNIX - 1), -1);
    assert_int_equal(fc_time_to_unix(0), FC_EPOCH_UNIX);
    char s[32];
    fc_time_format_rfc3339(fc_time_to_unix(94608000), s, sizeof(s));
    assert_string_equal(s, "2024-01-01T00:00:00Z");
    assert_int_equal(fc_time_from_unix(FC_EPOCH_UNIX + 4294967296LL), -1);
}

FCT_MAIN(NULL, NULL, hex_roundtrip_and_case, hex_rejects_bad_input,
         hex_every_byte_at_every_position, base64_vectors,
         base64_rejects_bad_input, farcaster_time)
