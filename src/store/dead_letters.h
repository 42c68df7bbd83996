/* Dead letters (items that failed validation, kept with their exact bytes):
 * listing, download, deletion, and retrying one after an upgrade that fixed
 * a decoder (decoded again and applied like the original item). */
#ifndef FC_STORE_DEAD_LETTERS_H
#define FC_STORE_DEAD_LETTERS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

/* {"total":N,"dead_letters":[{id,source,reason,attempts,first_seen,last_seen,
 * payload_bytes},...],"next_cursor":S|null}, newest first. source: a prefix
 * ("events", "backfill", "/v1/castsByFid"...) or NULL; reason: a substring
 * or NULL; limit 1..500. */
FC_MUST_CHECK
enum fc_err fc_dead_letters_list_json(struct fc_db *db, const char *source, const char *reason,
                                      int limit, int offset, struct fc_buf *out,
                                      struct fc_diag *diag);
/* The payload's exact bytes into out; *found false when there is no such id. */
FC_MUST_CHECK
enum fc_err fc_dead_letters_payload(struct fc_db *db, uint64_t id, struct fc_buf *out,
                                    bool *found, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_dead_letters_delete(struct fc_db *db, uint64_t id, bool *found,
                                   struct fc_diag *diag);

enum fc_dl_outcome {
    FC_DL_NOT_FOUND,
    FC_DL_APPLIED,       /* decoded and written; the dead letter is gone */
    FC_DL_NOT_TARGETED,  /* a stream event about no target: nothing to write; gone */
    FC_DL_STILL_INVALID, /* fails again: kept, attempts + 1, reason updated */
};
/* Decodes dead letter id again and applies it in one transaction with its
 * deletion. db must be a connection of its own (the writer prepares its
 * statements on it). reason gets the new reason when still invalid. */
FC_MUST_CHECK
enum fc_err fc_dead_letters_retry(struct fc_db *db, uint64_t id, enum fc_dl_outcome *outcome,
                                  char *reason, size_t reason_size, struct fc_diag *diag);

#endif
