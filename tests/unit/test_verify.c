/* Message verification: MessageData rebuilt from JSON in both encoder
 * styles, BLAKE3 hash and ed25519 signature; every message of the recorded
 * hub corpus (both dialects) verifies, and altered messages are rejected
 * with the right reason. */
#include "support/items.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/hex.h"
#include "fc/decode.h"
#include "fc/msgdata.h"
#include "fc/verify.h"

/* ---- decoding one message from JSON text ---- */

struct one {
    struct fc_decoder *d;
    const struct fc_message *m;
    size_t errors;
};

static void take_message(void *ud, const struct fc_item *it)
{
    struct one *o = ud;
    if (!fct_item_error(it, &o->errors) && it->kind == FC_ITEM_MESSAGE)
        o->m = it->message;
}

static const struct fc_message *decode_one(struct one *o, const char *json)
{
    memset(o, 0, sizeof(*o));
    struct fc_diag diag;
    assert_int_equal(fc_decode_buffer(FC_PAGE_AUTO, json, strlen(json), take_message, o, NULL,
                                      &diag, &o->d),
                     FC_OK);
    assert_int_equal(o->errors, 0);
    assert_non_null(o->m);
    return o->m;
}

static enum fc_verify_result verify_json(const char *json, enum fc_msgdata_source *src)
{
    struct one o;
    struct fc_buf scratch = FC_BUF_INIT;
    enum fc_verify_result r = fc_verify_message(decode_one(&o, json), &scratch, src);
    fc_buf_cleanup(&scratch);
    fc_decoder_free(o.d);
    return r;
}

/* Replaces the one occurrence of from in text (fails the test otherwise). */
static char *replace_once(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    assert_null(strstr(at + 1, from));
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_append(&b, text, (size_t)(at - text));
    fc_buf_puts(&b, to);
    fc_buf_puts(&b, at + strlen(from));
    return fc_buf_take(&b);
}

/* ---- the protocol's conformance vectors (farcasterxyz/protocol vectors/v1,
 * encoded by Snapchain; listed in the shared hub HTTP API reference §8.5):
 * fid 1234, timestamp 94608000, mainnet, signer key below. ---- */

#define VEC_SIGNER "0x69104ef20c6676aacc9e8c291800d1b7e911e20f85b4066156ea118ace44b8d7"
#define VEC_DATA "\"fid\":1234,\"timestamp\":94608000,\"network\":\"FARCASTER_NETWORK_MAINNET\""

/* cast_add_basic as Snapchain renders it (§4.3), with its real signature. */
static const char CAST_SNAPCHAIN[] =
    "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\"," VEC_DATA ","
    "\"castAddBody\":{\"embedsDeprecated\":[],\"mentions\":[],\"parentCastId\":null,"
    "\"parentUrl\":null,\"text\":\"Hello, Farcaster!\",\"embeds\":[],\"mentionsPositions\":[],"
    "\"type\":\"CAST\"}},"
    "\"hash\":\"0x27f49c6928369d64495f4c4dd142c2e7389ebf1e\",\"hashScheme\":\"HASH_SCHEME_BLAKE3\","
    "\"signature\":\"T2eoNqpy88WiZYEmR5dI/7IdnLhivMrNKnMZkNFlDuYzTZk6RWMZC8liQvN9okwt55xsQl01p+w5lUVOkMs/"
    "Dw==\",\"signatureScheme\":\"SIGNATURE_SCHEME_ED25519\",\"signer\":\"" VEC_SIGNER "\"}";

/* link_add_follow, with its real signature (hex da44df7b...6103 in b64). */
static const char LINK_SNAPCHAIN[] =
    "{\"data\":{\"type\":\"MESSAGE_TYPE_LINK_ADD\"," VEC_DATA ","
    "\"linkBody\":{\"type\":\"follow\",\"displayTimestamp\":null,\"targetFid\":456}},"
    "\"hash\":\"0x17e218e50051a6fc3f2e37431f1d981624e42b0a\",\"hashScheme\":\"HASH_SCHEME_BLAKE3\","
    "\"signature\":\"2kTfe8ByP6U2VTmHHQ9zvGVjYroMCRvl1mAxp7vIaLg90im/LkkLcJw4iPvD6yjhwlhya4w7V3k3vONhbVdhAw==\","
    "\"signatureScheme\":\"SIGNATURE_SCHEME_ED25519\",\"signer\":\"" VEC_SIGNER "\"}";

static void expect_encoding(const char *json, enum fc_pb_style style, const char *want_hex)
{
    struct one o;
    const struct fc_message *m = decode_one(&o, json);
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag diag;
    assert_int_equal(fc_msgdata_encode(m, style, &b, &diag), FC_OK);
    char *got = malloc(2 * b.len + 1);
    fc_hex_encode_bare((const uint8_t *)b.data, b.len, got);
    assert_string_equal(got, want_hex);
    free(got);
    fc_buf_cleanup(&b);
    fc_decoder_free(o.d);
}

static void protocol_vectors_encode(void **state)
{
    (void)state;
    /* prost (Snapchain) style: the vectors' own bytes */
    expect_encoding(CAST_SNAPCHAIN, FC_PB_PROST,
                    "080110d2091880b58e2d20012a13221148656c6c6f2c2046617263617374657221");
    expect_encoding(LINK_SNAPCHAIN, FC_PB_PROST,
                    "080510d2091880b58e2d2001720b0a06666f6c6c6f7718c803");
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_REMOVE\"," VEC_DATA ","
                    "\"castRemoveBody\":{\"targetHash\":\"AQEBAQEBAQEBAQEBAQEBAQEBAQE=\"}},"
                    "\"hash\":\"0xb7d1cd976fb46bf5a6fdbdca32717c8404277e2d\"}",
                    FC_PB_PROST,
                    "080210d2091880b58e2d200132160a140101010101010101010101010101010101010101");
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_REACTION_ADD\"," VEC_DATA ","
                    "\"reactionBody\":{\"type\":\"REACTION_TYPE_LIKE\",\"targetCastId\":{\"fid\":321,"
                    "\"hash\":\"0x0202020202020202020202020202020202020202\"}}},"
                    "\"hash\":\"0xbbe457a26f1099b0d75d9965bcac691bbb4ce49a\"}",
                    FC_PB_PROST,
                    "080310d2091880b58e2d20013a1d0801121908c10212140202020202020202020202020202020202020202");
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_USER_DATA_ADD\"," VEC_DATA ","
                    "\"userDataBody\":{\"type\":\"USER_DATA_TYPE_DISPLAY\",\"value\":\"Test User\"}},"
                    "\"hash\":\"0x60ee272dd458e0cf081bc3db81a16b26cd56b048\"}",
                    FC_PB_PROST, "080b10d2091880b58e2d2001620d08021209546573742055736572");
    /* ts-proto style of the same cast: empty mentions (field 2) and
     * mentionsPositions (field 5) written as "12 00" and "2a 00" */
    expect_encoding(CAST_SNAPCHAIN, FC_PB_TS_PROTO,
                    "080110d2091880b58e2d20012a171200221148656c6c6f2c20466172636173746572212a00");
}

/* Bodies only Snapchain sends; expected bytes written by hand from the field
 * numbers of the shared reference (§8.4), not by this encoder. */
#define KEY32 "0x1111111111111111111111111111111111111111111111111111111111111111"
#define KEY32_HEX "1111111111111111111111111111111111111111111111111111111111111111"
static void snapchain_bodies_encode(void **state)
{
    (void)state;
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_KEY_ADD\"," VEC_DATA ","
                    "\"keyAddBody\":{\"key\":\"" KEY32 "\",\"keyType\":1,"
                    "\"custodySignature\":\"0xaabb\",\"deadline\":1700000000,\"nonce\":7,"
                    "\"metadata\":\"0x0102\",\"metadataType\":1,\"registrationTxHash\":\"0x"
                    "3333333333333333333333333333333333333333333333333333333333333333\","
                    "\"scopes\":[\"MESSAGE_TYPE_CAST_ADD\",\"MESSAGE_TYPE_REACTION_ADD\"],"
                    "\"ttl\":86400}},\"hash\":\"0x0000000000000000000000000000000000000000\"}",
                    FC_PB_PROST,
                    "081010d2091880b58e2d20019a01600a20" KEY32_HEX "10011a02aabb2080e2cfaa0628073202"
                    "01023801422033333333333333333333333333333333333333333333333333333333333333334a"
                    "0201035080a305");
    static const char key_add_no_scopes[] =
        "{\"data\":{\"type\":\"MESSAGE_TYPE_KEY_ADD\"," VEC_DATA ","
        "\"keyAddBody\":{\"key\":\"" KEY32 "\",\"keyType\":1,\"scopes\":[]}},"
        "\"hash\":\"0x0000000000000000000000000000000000000000\"}";
    expect_encoding(key_add_no_scopes, FC_PB_PROST,
                    "081010d2091880b58e2d20019a01240a20" KEY32_HEX "1001");
    expect_encoding(key_add_no_scopes, FC_PB_TS_PROTO,
                    "081010d2091880b58e2d20019a01260a20" KEY32_HEX "10014a00");
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_KEY_REMOVE\"," VEC_DATA ","
                    "\"keyRemoveBody\":{\"key\":\"" KEY32 "\",\"signature\":\"0xccdd\","
                    "\"signatureType\":2,\"deadline\":1700000000,\"nonce\":8}},"
                    "\"hash\":\"0x0000000000000000000000000000000000000000\"}",
                    FC_PB_PROST,
                    "081110d2091880b58e2d2001a201300a20" KEY32_HEX "1202ccdd18022080e2cfaa062808");
    expect_encoding("{\"data\":{\"type\":\"MESSAGE_TYPE_LEND_STORAGE\"," VEC_DATA ","
                    "\"lendStorageBody\":{\"toFid\":99,\"numUnits\":1,"
                    "\"unitType\":\"UnitType2025\"}},"
                    "\"hash\":\"0x0000000000000000000000000000000000000000\"}",
                    FC_PB_PROST, "080f10d2091880b58e2d2001920106086310011802");
}

static void protocol_vectors_verify(void **state)
{
    (void)state;
    enum fc_msgdata_source src;
    assert_int_equal(verify_json(CAST_SNAPCHAIN, &src), FC_VERIFY_OK);
    assert_int_equal(src, FC_MSGDATA_PROST); /* ts-proto bytes tried first, did not match */
    assert_int_equal(verify_json(LINK_SNAPCHAIN, &src), FC_VERIFY_OK);

    /* Hubble's rendering with the sent dataBytes */
    char *hubble = replace_once(CAST_SNAPCHAIN, "\"parentCastId\":null,\"parentUrl\":null,", "");
    char *with_bytes = replace_once(hubble, "\"signatureScheme\"",
                                    "\"dataBytes\":\"CAEQ0gkYgLWOLSABKhMiEUhlbGxvLCBGYXJjYXN0ZXIh\","
                                    "\"signatureScheme\"");
    assert_int_equal(verify_json(with_bytes, &src), FC_VERIFY_OK);
    assert_int_equal(src, FC_MSGDATA_SENT_PROST);

    /* genuine dataBytes paired with altered data: the data is not what was signed */
    char *forged = replace_once(with_bytes, "Hello, Farcaster!", "Hello, Farcaster?");
    assert_int_equal(verify_json(forged, &src), FC_VERIFY_DATA_MISMATCH);
    /* altered dataBytes: their hash is not the message hash */
    char *bad_bytes = replace_once(with_bytes, "CAEQ0gkYgLWOLSABKhMiEUhlbGxvLCBGYXJjYXN0ZXIh",
                                   "CAEQ0gkYgLWOLSABKhMiEUhlbGxvLCBGYXJjYXN0ZXIi");
    assert_int_equal(verify_json(bad_bytes, &src), FC_VERIFY_HASH_MISMATCH);
    free(hubble);
    free(with_bytes);
    free(forged);
    free(bad_bytes);
}

/* ---- alterations a hostile hub could make ---- */

static void altered_messages_rejected(void **state)
{
    (void)state;
    enum fc_msgdata_source src;
    /* text */
    char *text = replace_once(CAST_SNAPCHAIN, "Hello, Farcaster!", "Hello, Farcaster.");
    assert_int_equal(verify_json(text, &src), FC_VERIFY_HASH_MISMATCH);
    assert_int_equal(src, FC_MSGDATA_NONE);
    /* hash recomputed for the altered text would need a new signature; an
     * altered hash alone no longer matches the data */
    char *hash = replace_once(CAST_SNAPCHAIN, "0x27f49c69", "0x27f49c6a");
    assert_int_equal(verify_json(hash, &src), FC_VERIFY_HASH_MISMATCH);
    /* signature: one bit changed */
    char *sig = replace_once(CAST_SNAPCHAIN, "T2eoNqpy88", "T2eoNqpy89");
    assert_int_equal(verify_json(sig, &src), FC_VERIFY_BAD_SIGNATURE);
    /* signer: another valid key (the signature was made by a different one) */
    char *signer = replace_once(CAST_SNAPCHAIN, VEC_SIGNER,
                                "0xdef66f88b18f7bb24140b18637e7d2294f264a37fd14685e9362b6ad971c8680");
    assert_int_equal(verify_json(signer, &src), FC_VERIFY_BAD_SIGNATURE);
    /* a fid moved to another account */
    char *fid = replace_once(CAST_SNAPCHAIN, "\"fid\":1234", "\"fid\":1235");
    assert_int_equal(verify_json(fid, &src), FC_VERIFY_HASH_MISMATCH);
    /* a message with no signature at all */
    char *nosig = replace_once(LINK_SNAPCHAIN, "\"signature\":\"2kTfe8", "\"x\":\"2kTfe8");
    assert_int_equal(verify_json(nosig, &src), FC_VERIFY_BAD_SIGNATURE);
    free(text);
    free(hash);
    free(sig);
    free(signer);
    free(fid);
    free(nosig);
    assert_string_equal(fc_verify_reason(FC_VERIFY_HASH_MISMATCH), "hash mismatch");
    assert_string_equal(fc_verify_reason(FC_VERIFY_BAD_SIGNATURE), "bad signature");
    assert_string_equal(fc_verify_reason(FC_VERIFY_UNKNOWN_SIGNER), "unknown signer");
}

/* A text the decoder had to change (NUL bytes) cannot be rebuilt: it is not
 * verified as something it is not. */
static void lossy_message_not_rebuilt(void **state)
{
    (void)state;
    char *nul = replace_once(CAST_SNAPCHAIN, "Hello, Farcaster!", "Hello,\\u0000Farcaster!");
    enum fc_msgdata_source src;
    assert_int_equal(verify_json(nul, &src), FC_VERIFY_UNREBUILDABLE);
    free(nul);
}

/* ---- the recorded corpus ---- */

struct corpus {
    struct fc_buf scratch;
    size_t messages, errors;
    size_t by_source[8];
    size_t by_type[FC_MSG_TYPE_MAX];
    const char *file;
};

static void check(struct corpus *c, const struct fc_message *m)
{
    if (!m)
        return;
    enum fc_msgdata_source src;
    enum fc_verify_result r = fc_verify_message(m, &c->scratch, &src);
    c->messages++;
    c->by_source[src]++;
    c->by_type[m->type]++;
    if (r != FC_VERIFY_OK) {
        char h[43];
        fc_hex_encode(m->hash, 20, h);
        fprintf(stderr, "%s: %s %s: %s\n", c->file, fc_msg_type_name(m->type), h,
                fc_verify_reason(r));
        c->errors++;
    }
}

static void on_corpus_item(void *ud, const struct fc_item *it)
{
    struct corpus *c = ud;
    if (it->kind == FC_ITEM_ERROR) {
        fprintf(stderr, "%s: decode error: %s: %s\n", c->file, it->error_path, it->error);
        c->errors++;
    } else if (it->kind == FC_ITEM_MESSAGE) {
        check(c, it->message);
    } else if (it->kind == FC_ITEM_EVENT) {
        const struct fc_hub_event *e = it->event;
        check(c, e->message);
        for (size_t i = 0; i < e->n_deleted; i++)
            check(c, e->deleted[i]);
        check(c, e->proof_message);
        check(c, e->deleted_proof_message);
    }
}

static void verify_dialect(const char *dialect, struct corpus *c)
{
    const char *dir = fct_require_env("FCINDEX_FIXTURES");
    char path[1024];
    snprintf(path, sizeof(path), "%s/manifest.json", dir);
    size_t len;
    char *text = fc_read_file(path, &len);
    assert_non_null(text);
    char err[256];
    yajl_val root = yajl_tree_parse(text, err, sizeof(err));
    assert_non_null(root);
    const char *files_path[] = {"files", NULL};
    yajl_val files = yajl_tree_get(root, files_path, yajl_t_array);
    assert_non_null(files);
    size_t pages = 0;
    for (size_t i = 0; i < files->u.array.len; i++) {
        const char *kp[] = {"file", NULL}, *dp[] = {"dialect", NULL};
        const char *file = YAJL_GET_STRING(yajl_tree_get(files->u.array.values[i], kp, yajl_t_string));
        const char *d = YAJL_GET_STRING(yajl_tree_get(files->u.array.values[i], dp, yajl_t_string));
        assert_non_null(file);
        if (!d || strcmp(d, dialect) != 0)
            continue;
        snprintf(path, sizeof(path), "%s/%s", dir, file);
        size_t n;
        char *page = fc_read_file(path, &n);
        assert_non_null(page);
        c->file = file;
        struct fc_diag diag;
        assert_int_equal(fc_decode_buffer(FC_PAGE_AUTO, page, n, on_corpus_item, c, NULL, &diag,
                                          NULL),
                         FC_OK);
        free(page);
        pages++;
    }
    yajl_tree_free(root);
    free(text);
    assert_true(pages > 100);
}

static void corpus_verifies(void **state)
{
    (void)state;
    struct corpus hub = {0}, snap = {0};
    verify_dialect("hubble", &hub);
    verify_dialect("snapchain", &snap);
    fprintf(stderr,
            "hubble: %zu messages (%zu via dataBytes, %zu rebuilt ts-proto, %zu rebuilt prost); "
            "snapchain: %zu messages (%zu rebuilt ts-proto, %zu rebuilt prost)\n",
            hub.messages, hub.by_source[FC_MSGDATA_SENT_TS_PROTO] + hub.by_source[FC_MSGDATA_SENT_PROST],
            hub.by_source[FC_MSGDATA_TS_PROTO], hub.by_source[FC_MSGDATA_PROST], snap.messages,
            snap.by_source[FC_MSGDATA_TS_PROTO], snap.by_source[FC_MSGDATA_PROST]);
    assert_int_equal(hub.errors, 0);
    assert_int_equal(snap.errors, 0);
    /* the corpus exercises every path and every message type it holds */
    assert_true(hub.messages > 2000);
    assert_true(snap.messages > 2000);
    assert_true(hub.by_source[FC_MSGDATA_SENT_TS_PROTO] > 0);
    assert_true(hub.by_source[FC_MSGDATA_TS_PROTO] > 0);
    assert_int_equal(snap.by_source[FC_MSGDATA_SENT_TS_PROTO] + snap.by_source[FC_MSGDATA_SENT_PROST], 0);
    static const enum fc_msg_type types[] = {
        FC_MSG_CAST_ADD, FC_MSG_CAST_REMOVE, FC_MSG_REACTION_ADD, FC_MSG_REACTION_REMOVE,
        FC_MSG_LINK_ADD, FC_MSG_LINK_REMOVE, FC_MSG_VERIFICATION_ADD,
        FC_MSG_VERIFICATION_REMOVE, FC_MSG_USER_DATA_ADD, FC_MSG_USERNAME_PROOF};
    for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
        assert_true(hub.by_type[types[i]] > 0);
        assert_true(snap.by_type[types[i]] > 0);
    }
    fc_buf_cleanup(&hub.scratch);
    fc_buf_cleanup(&snap.scratch);
}

FCT_MAIN(NULL, NULL, protocol_vectors_encode, snapchain_bodies_encode, protocol_vectors_verify,
         altered_messages_rejected, lossy_message_not_rebuilt, corpus_verifies)
