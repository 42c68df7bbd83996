/* Rebuilds the protobuf MessageData bytes of a decoded message: what its hash
 * is computed over when the hub did not send them (Snapchain never does; Hubble
 * only for messages submitted with them).
 *
 * Protobuf encoders are not canonical, and the two in use differ: the
 * reference JavaScript library (ts-proto) writes packed repeated fields even
 * when empty, prost (Snapchain) and most others omit them. Fields are written
 * in declaration order in both, which puts CastAddBody's parent oneof (3 or 7)
 * before text (4). Pure functions; thread-safe. */
#ifndef FC_FC_MSGDATA_H
#define FC_FC_MSGDATA_H

#include <stdbool.h>

#include "core/buf.h"
#include "core/err.h"
#include "fc/types.h"

enum fc_pb_style {
    FC_PB_TS_PROTO, /* @farcaster/core: empty packed repeated fields written as tag + 00 */
    FC_PB_PROST,    /* Snapchain: empty repeated fields omitted */
};

/* Appends the MessageData bytes of m in the given style to out.
 * FC_ERR_INVALID (with the reason in diag, out unchanged) when m does not
 * hold everything the bytes need: m->lossy, an enum value this build cannot
 * name, or a body that is not kept (frame actions, channel messages). */
FC_MUST_CHECK
enum fc_err fc_msgdata_encode(const struct fc_message *m, enum fc_pb_style style,
                              struct fc_buf *out, struct fc_diag *diag);

/* True when the two styles give different bytes for m (it has an empty
 * packed repeated field), so both hashes are worth trying. */
bool fc_msgdata_styles_differ(const struct fc_message *m);

#endif
