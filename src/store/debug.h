/* What the database holds for one account, for `fcindex debug target`. */
#ifndef FC_STORE_DEBUG_H
#define FC_STORE_DEBUG_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/* Message kinds compared with the hubs' *ByFid endpoints. */
enum fc_debug_kind { FC_DK_CASTS, FC_DK_REACTIONS, FC_DK_LINKS, FC_DK_VERIFICATIONS,
                     FC_DK_USER_DATA, FC_DK_COUNT };

/* The kind's name ("casts"...) and its hub endpoint ("castsByFid"). */
const char *fc_debug_kind_name(enum fc_debug_kind k);
const char *fc_debug_kind_endpoint(enum fc_debug_kind k);

/* The live messages of fid of kind held in the database, as sorted
 * lowercase hex hashes (40 characters each) in a caller-freed array of
 * char[41]. */
FC_MUST_CHECK
enum fc_err fc_debug_hashes(struct fc_db *db, uint64_t fid, enum fc_debug_kind k,
                            char (**hashes)[41], size_t *n, struct fc_diag *diag);

#endif
