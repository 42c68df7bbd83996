/* The target set and client set as stored in PostgreSQL, the source of
 * truth that in-memory and Redis copies are rebuilt from. */
#ifndef FC_STORE_TARGETS_H
#define FC_STORE_TARGETS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

/* Adds fid (or upgrades it to root). source: config|admin|follow|client.
 * *added is true when the fid now needs a backfill: it was not a target, or
 * it just became a root (whose follows must be expanded). */
FC_MUST_CHECK
enum fc_err fc_targets_add(struct fc_db *db, uint64_t fid, bool root, const char *source,
                           bool *added, struct fc_diag *diag);
/* Removes fid from the targets; *removed false when it was not one. */
FC_MUST_CHECK
enum fc_err fc_targets_remove(struct fc_db *db, uint64_t fid, bool *removed, struct fc_diag *diag);
/* Makes fid a root target or a plain one; *found false when not a target. */
FC_MUST_CHECK
enum fc_err fc_targets_set_root(struct fc_db *db, uint64_t fid, bool root, bool *found,
                                struct fc_diag *diag);
/* Every target fid (roots flagged) into a caller-freed array. */
FC_MUST_CHECK
enum fc_err fc_targets_all(struct fc_db *db, uint64_t **fids, bool **roots, size_t *n,
                           struct fc_diag *diag);
/* Targets whose backfill is pending (unsynced and not held by an operator), roots and
 * oldest first, into a caller-freed array. */
FC_MUST_CHECK
enum fc_err fc_targets_unsynced(struct fc_db *db, uint64_t **fids, size_t *n,
                                struct fc_diag *diag);
/* Records fid's backfill as complete. */
FC_MUST_CHECK
enum fc_err fc_targets_mark_synced(struct fc_db *db, uint64_t fid, struct fc_diag *diag);
/* Which of fids (n of them, repeats allowed) are targets, and whether each
 * is a root: fn gets every one that is, in one round trip. */
typedef void (*fc_target_member_fn)(void *ud, uint64_t fid, bool root);
FC_MUST_CHECK
enum fc_err fc_targets_members(struct fc_db *db, const uint64_t *fids, size_t n,
                               fc_target_member_fn fn, void *ud, struct fc_diag *diag);
/* Marks every target unsynced, so each is backfilled again (the event
 * stream lost events for good). */
FC_MUST_CHECK
enum fc_err fc_targets_resync_all(struct fc_db *db, struct fc_diag *diag);
/* Marks one target pending again (a new backfill of its whole history). */
FC_MUST_CHECK
enum fc_err fc_targets_request_backfill(struct fc_db *db, uint64_t fid, struct fc_diag *diag);
/* Records a failed backfill attempt of fid with its error. */
FC_MUST_CHECK
enum fc_err fc_targets_mark_failed(struct fc_db *db, uint64_t fid, const char *error,
                                   struct fc_diag *diag);
/* Follow hops from the nearest root (0 for a root), -1 when not reached or
 * not a target (strategy.expansion_depth >= 2). */
FC_MUST_CHECK
enum fc_err fc_targets_depth(struct fc_db *db, uint64_t fid, int *depth, struct fc_diag *diag);
/* Makes the follow targets exactly the accounts within max_depth follow hops
 * of a root (live follows in the links table), recording each target's depth;
 * targets added and dropped are returned (caller frees both). Runs in its own
 * transaction (the connection must not be in one), one at a time. */
FC_MUST_CHECK
enum fc_err fc_targets_recompute_reach(struct fc_db *db, int max_depth, uint64_t **added,
                                       size_t *n_added, uint64_t **dropped, size_t *n_dropped,
                                       struct fc_diag *diag);
/* After fid's follows were written (its backfill, or it became a root): the
 * reach as fc_targets_recompute_reach would make it, the cheap way when it
 * can. When fid is within max_depth - 1 hops of a root, its follows that
 * are not targets join one hop farther; the whole walk runs instead when
 * follows_went (some of fid's follows were deleted) or when fid follows a
 * target farther from the roots than that. Nothing happens when fid is not
 * a target or is at the depth. Same transaction rules and results as
 * fc_targets_recompute_reach. */
FC_MUST_CHECK
enum fc_err fc_targets_expand_from(struct fc_db *db, uint64_t fid, bool follows_went,
                                   int max_depth, uint64_t **added, size_t *n_added,
                                   uint64_t **dropped, size_t *n_dropped, struct fc_diag *diag);
/* Promotes (root true) or demotes fid; with max_depth >= 1 the reach is
 * recomputed in the same transaction (as fc_targets_recompute_reach), so the
 * follow targets are at once exactly the accounts within max_depth hops of
 * the roots that remain (a demoted root's follows no other root reaches
 * leave the set). At 0, only the flag changes (added and dropped come back
 * empty). *found says whether fid was a target; the caller frees *added and
 * *dropped. */
FC_MUST_CHECK
enum fc_err fc_targets_set_root_reach(struct fc_db *db, uint64_t fid, bool root, int max_depth,
                                      bool *found, uint64_t **added, size_t *n_added,
                                      uint64_t **dropped, size_t *n_dropped, struct fc_diag *diag);
/* In a transaction that may add or drop targets row by row (a stream page):
 * waits for a recompute of the reach under way and holds the next one off
 * until the transaction ends. The recompute writes thousands of targets rows
 * in no particular order; a page adding a target it also adds would
 * otherwise deadlock with it (seen: "deadlock detected" between the
 * recompute and the page's insert of a sign-up root). */
FC_MUST_CHECK
enum fc_err fc_targets_hold_reach(struct fc_db *db, struct fc_diag *diag);
/* Drops a target that is in the set only because a root followed it (source
 * follow) once no root follows it; *dropped says if it did. */
FC_MUST_CHECK
enum fc_err fc_targets_drop_if_orphan(struct fc_db *db, uint64_t fid, bool *dropped,
                                      struct fc_diag *diag);
/* Deletes the rows of accounts that left the target set (strategy.dropped_rows
 * = delete), keeping those that still touch a target; one transaction. */
FC_MUST_CHECK
enum fc_err fc_targets_cleanup(struct fc_db *db, size_t *accounts, size_t *rows,
                               struct fc_diag *diag);
/* A table of the targets for `fcindex targets list`, appended to out. */
FC_MUST_CHECK
enum fc_err fc_targets_describe(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag);

/* Monitors sign-ups through app fid (source: config|admin). */
FC_MUST_CHECK
enum fc_err fc_clients_add(struct fc_db *db, uint64_t fid, const char *source,
                           struct fc_diag *diag);
/* Stops monitoring app fid; *removed false when it was not a client. */
FC_MUST_CHECK
enum fc_err fc_clients_remove(struct fc_db *db, uint64_t fid, bool *removed, struct fc_diag *diag);
/* Whether fid is a monitored client app. */
FC_MUST_CHECK
enum fc_err fc_clients_has(struct fc_db *db, uint64_t fid, bool *yes, struct fc_diag *diag);
/* Every client app fid, into a caller-freed array. */
FC_MUST_CHECK
enum fc_err fc_clients_all(struct fc_db *db, uint64_t **fids, size_t *n, struct fc_diag *diag);

/* The furthest cursor of the same shard on any other hub (Hubble fail-over
 * starts a new hub from its time); *found false when there is none. */
FC_MUST_CHECK
enum fc_err fc_cursor_latest_other(struct fc_db *db, const char *hub, unsigned shard,
                                   uint64_t *next, bool *found, struct fc_diag *diag);
/* Next event id to read for (hub, shard); *found false (and 0) when never
 * read. */
FC_MUST_CHECK
enum fc_err fc_cursor_get(struct fc_db *db, const char *hub, unsigned shard, uint64_t *next,
                          bool *found, struct fc_diag *diag);

#endif
