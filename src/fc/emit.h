/* Writes decoded items as one-line JSON in the stable shape documented in
 * docs/decode.md (used by `fcindex decode` and tests). */
#ifndef FC_FC_EMIT_H
#define FC_FC_EMIT_H

#include "core/buf.h"
#include "fc/decode.h"

void fc_emit_item(const struct fc_item *item, struct fc_buf *out);
void fc_emit_message(const struct fc_message *m, struct fc_buf *out);
void fc_emit_onchain(const struct fc_onchain_event *o, struct fc_buf *out);

#endif
