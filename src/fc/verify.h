/* Checks that a decoded message is what its author signed: its hash is the
 * first 20 bytes of BLAKE3 over its MessageData bytes, and its ed25519
 * signature over that hash verifies under its signer key.
 *
 * The MessageData bytes are the message's dataBytes when the hub sent them
 * (and then the decoded data must be exactly what they encode, or a hub could
 * pair genuine bytes with altered data), otherwise they are rebuilt from the
 * decoded fields in each encoder style the reference libraries use (see
 * fc/msgdata.h); the message passes if either style matches.
 *
 * Whether the signer is an active key of data.fid is not checked here: the
 * caller looks it up in its signers and reports FC_VERIFY_UNKNOWN_SIGNER.
 * Thread-safe; each thread passes its own scratch buffer. */
#ifndef FC_FC_VERIFY_H
#define FC_FC_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "fc/types.h"

enum fc_verify_result {
    FC_VERIFY_OK = 0,
    FC_VERIFY_HASH_MISMATCH,  /* hash is not BLAKE3-160 of the MessageData bytes */
    FC_VERIFY_BAD_SIGNATURE,  /* not a valid ed25519 signature of the hash by signer */
    FC_VERIFY_UNKNOWN_SIGNER, /* (caller's check) signer is not an active key of the fid */
    FC_VERIFY_DATA_MISMATCH,  /* data is not what the sent dataBytes encode */
    FC_VERIFY_UNREBUILDABLE,  /* no dataBytes, and the fields kept cannot give the bytes */
    FC_VERIFY_RESULT_MAX,
};

/* Which MessageData bytes matched. */
enum fc_msgdata_source {
    FC_MSGDATA_NONE = 0,
    FC_MSGDATA_SENT_TS_PROTO, /* dataBytes, equal to the ts-proto rebuild */
    FC_MSGDATA_SENT_PROST,    /* dataBytes, equal to the prost rebuild */
    FC_MSGDATA_TS_PROTO,      /* rebuilt in the ts-proto style */
    FC_MSGDATA_PROST,         /* rebuilt in the prost style */
};

/* A short stable reason ("hash mismatch", "bad signature", ...). */
const char *fc_verify_reason(enum fc_verify_result r);

/* Checks m's hash and signature. scratch is the caller's reusable buffer
 * (its contents are overwritten). When source is non-NULL it receives which
 * bytes matched (FC_MSGDATA_NONE unless the hash matched). */
enum fc_verify_result fc_verify_message(const struct fc_message *m, struct fc_buf *scratch,
                                        enum fc_msgdata_source *source);

/* Only the ed25519 check of a 20-byte hash (for benchmarks and tests). */
bool fc_verify_signature(const uint8_t hash[20], const uint8_t *signature, size_t signature_len,
                         const uint8_t *signer, size_t signer_len);

#endif
