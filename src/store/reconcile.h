/* After a full backfill of one account: its rows the hubs no longer hold
 * are marked deleted. The *ByFid endpoints list only what an account still
 * has, so a remove or prune that happened while nobody read the stream (a
 * gap longer than the hubs' retention) is seen only as an absence. */
#ifndef FC_STORE_RECONCILE_H
#define FC_STORE_RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

/* The database's clock now, as text, to pass back as `since`. */
FC_MUST_CHECK
enum fc_err fc_reconcile_clock(struct fc_db *db, char *out, size_t out_size,
                               struct fc_diag *diag);

/* Marks deleted (as pruned: the hubs dropped them) the live casts, reactions, follows and
 * verifications of fid whose hash is not among the n 20-byte hashes read
 * from the hubs. Only rows written before `since` whose message is older
 * than ten minutes are judged: a row the stream wrote during the backfill,
 * or a fresh message a lagging hub has not received yet, stays. *rows gets
 * the number of rows marked (a follow that went leaves the target set when
 * the caller recomputes the reach). */
FC_MUST_CHECK
enum fc_err fc_reconcile_fid(struct fc_db *db, uint64_t fid, const uint8_t *hashes, size_t n,
                             const char *since, size_t *rows, struct fc_diag *diag);

#endif
