#include "fc/verify.h"

#include <pthread.h>
#include <sodium.h>
#include <string.h>

#include "core/blake3.h"
#include "fc/msgdata.h"

static pthread_once_t sodium_once = PTHREAD_ONCE_INIT;

static int sodium_status;

static void sodium_start(void)
{
    /* Only picks faster code paths and seeds the RNG; verification is
     * correct without it, so a failure is not fatal here. */
    sodium_status = sodium_init();
}

const char *fc_verify_reason(enum fc_verify_result r)
{
    switch (r) {
    case FC_VERIFY_OK: return "ok";
    case FC_VERIFY_HASH_MISMATCH: return "hash mismatch";
    case FC_VERIFY_BAD_SIGNATURE: return "bad signature";
    case FC_VERIFY_UNKNOWN_SIGNER: return "unknown signer";
    case FC_VERIFY_DATA_MISMATCH: return "data differs from dataBytes";
    case FC_VERIFY_UNREBUILDABLE: return "MessageData cannot be rebuilt";
    default: return "unknown";
    }
}

bool fc_verify_signature(const uint8_t hash[20], const uint8_t *signature, size_t signature_len,
                         const uint8_t *signer, size_t signer_len)
{
    pthread_once(&sodium_once, sodium_start);
    if (signature_len != crypto_sign_BYTES || signer_len != crypto_sign_PUBLICKEYBYTES ||
        !signature)
        return false;
    return crypto_sign_verify_detached(signature, hash, 20, signer) == 0;
}

static bool hash_matches(const struct fc_message *m, const void *data, size_t n)
{
    uint8_t h[20];
    fc_blake3_160(data, n, h);
    return memcmp(h, m->hash, sizeof(h)) == 0;
}

/* The message's hash over its sent dataBytes, which must also be exactly
 * what its decoded data encodes in one of the two styles. */
static enum fc_verify_result check_sent(const struct fc_message *m, struct fc_buf *scratch,
                                        enum fc_msgdata_source *source)
{
    if (!hash_matches(m, m->data_bytes, m->data_bytes_len))
        return FC_VERIFY_HASH_MISMATCH;
    static const enum fc_pb_style styles[] = {FC_PB_TS_PROTO, FC_PB_PROST};
    static const enum fc_msgdata_source names[] = {FC_MSGDATA_SENT_TS_PROTO,
                                                    FC_MSGDATA_SENT_PROST};
    for (size_t i = 0; i < 2; i++) {
        if (i && !fc_msgdata_styles_differ(m))
            break;
        fc_buf_reset(scratch);
        if (fc_msgdata_encode(m, styles[i], scratch, NULL) != FC_OK)
            return FC_VERIFY_UNREBUILDABLE;
        if (scratch->len == m->data_bytes_len &&
            memcmp(scratch->data, m->data_bytes, scratch->len) == 0) {
            *source = names[i];
            return FC_VERIFY_OK;
        }
    }
    return FC_VERIFY_DATA_MISMATCH;
}

static enum fc_verify_result check_rebuilt(const struct fc_message *m, struct fc_buf *scratch,
                                           enum fc_msgdata_source *source)
{
    fc_buf_reset(scratch);
    if (fc_msgdata_encode(m, FC_PB_TS_PROTO, scratch, NULL) != FC_OK)
        return FC_VERIFY_UNREBUILDABLE;
    if (hash_matches(m, scratch->data, scratch->len)) {
        *source = FC_MSGDATA_TS_PROTO;
        return FC_VERIFY_OK;
    }
    if (!fc_msgdata_styles_differ(m))
        return FC_VERIFY_HASH_MISMATCH;
    fc_buf_reset(scratch);
    if (fc_msgdata_encode(m, FC_PB_PROST, scratch, NULL) != FC_OK)
        return FC_VERIFY_UNREBUILDABLE;
    if (hash_matches(m, scratch->data, scratch->len)) {
        *source = FC_MSGDATA_PROST;
        return FC_VERIFY_OK;
    }
    return FC_VERIFY_HASH_MISMATCH;
}

enum fc_verify_result fc_verify_message(const struct fc_message *m, struct fc_buf *scratch,
                                        enum fc_msgdata_source *source)
{
    enum fc_msgdata_source src = FC_MSGDATA_NONE;
    enum fc_verify_result r = m->data_bytes ? check_sent(m, scratch, &src)
                                            : check_rebuilt(m, scratch, &src);
    if (source)
        *source = src;
    if (r != FC_VERIFY_OK)
        return r;
    if (!fc_verify_signature(m->hash, m->signature, m->signature_len, m->signer, m->signer_len))
        return FC_VERIFY_BAD_SIGNATURE;
    return FC_VERIFY_OK;
}
