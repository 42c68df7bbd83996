/* Reads of the signers table (written by store/writer.c from SIGNER events). */
#ifndef FC_STORE_SIGNERS_H
#define FC_STORE_SIGNERS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

typedef void (*fc_signer_key_fn)(void *ud, uint64_t fid, const uint8_t key[32]);

/* Calls fn for every key of the given fids that has a row in signers (added,
 * and possibly removed since), in one query. */
FC_MUST_CHECK
enum fc_err fc_signers_keys(struct fc_db *db, const uint64_t *fids, size_t n, fc_signer_key_fn fn,
                            void *ud, struct fc_diag *diag);

#endif
