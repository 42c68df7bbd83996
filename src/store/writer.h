/* Applies decoded Farcaster data to PostgreSQL with the protocol's conflict
 * rules, idempotently: applying the same items twice, or in another order,
 * ends in the same rows. Everything between fc_writer_begin and
 * fc_writer_commit is one transaction (rows + the stream cursor), so a crash
 * replays from the last committed cursor. One writer per connection; not
 * thread-safe. */
#ifndef FC_STORE_WRITER_H
#define FC_STORE_WRITER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "fc/types.h"
#include "store/db.h"

struct fc_writer;

/* Prepares the statements on db (which the writer borrows). */
FC_MUST_CHECK
enum fc_err fc_writer_new(struct fc_db *db, struct fc_writer **out, struct fc_diag *diag);
void fc_writer_free(struct fc_writer *w);

FC_MUST_CHECK
enum fc_err fc_writer_begin(struct fc_writer *w, struct fc_diag *diag);
/* Recomputes derived rows (profiles, sign-up app) for the fids touched, then
 * commits. On error the transaction is rolled back. */
FC_MUST_CHECK
enum fc_err fc_writer_commit(struct fc_writer *w, struct fc_diag *diag);
void fc_writer_rollback(struct fc_writer *w);

FC_MUST_CHECK
enum fc_err fc_writer_message(struct fc_writer *w, const struct fc_message *m,
                              struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_writer_event(struct fc_writer *w, const struct fc_hub_event *e,
                            struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_writer_onchain(struct fc_writer *w, const struct fc_onchain_event *o,
                              struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_writer_proof(struct fc_writer *w, const struct fc_username_proof *p,
                            struct fc_diag *diag);
/* Soft-deletes the message named by hash (prune or revoke). */
FC_MUST_CHECK
enum fc_err fc_writer_delete_message(struct fc_writer *w, const struct fc_message *m,
                                     const char *reason, struct fc_diag *diag);
/* An item that failed validation: its exact bytes, and "path: reason" (noting
 * when only the first FC_MAX_RAW_ITEM_BYTES were kept). */
struct fc_item;
FC_MUST_CHECK
enum fc_err fc_writer_dead_letter_item(struct fc_writer *w, const char *source,
                                       const struct fc_item *it, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_writer_dead_letter(struct fc_writer *w, const char *source, const char *raw,
                                  size_t raw_len, const char *reason, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_writer_set_cursor(struct fc_writer *w, const char *hub, unsigned shard,
                                 uint64_t next_event_id, struct fc_diag *diag);

/* Pipelined mode sends a transaction's statements without waiting for each
 * result and checks them all at commit: far fewer round trips. Use it only
 * when nothing else runs on the connection inside the transaction (backfill
 * workers); errors are then reported by fc_writer_commit. */
void fc_writer_set_pipelined(struct fc_writer *w, bool on);

/* Batched mode gathers the messages of a transaction (casts, reactions,
 * links, verifications, user data) and writes them at commit with one
 * set-wise statement per kind (columns as arrays), with the same conflict
 * rules. For pages of messages from one source (backfill); events that
 * delete by hash keep the row-at-a-time path. */
void fc_writer_set_batched(struct fc_writer *w, bool on);

/* Takes the transaction's fid locks: every fid whose rows the transaction
 * will write, called right after fc_writer_begin (duplicates and order do
 * not matter; they are locked in ascending order). Another writer locking
 * one of them waits until this transaction ends. */
FC_MUST_CHECK
enum fc_err fc_writer_lock_fids(struct fc_writer *w, const uint64_t *fids, size_t n,
                                struct fc_diag *diag);

/* True when the last transaction failed on a deadlock or serialization
 * failure (SQLSTATE 40P01 or 40001): running it again may well succeed. */
bool fc_writer_conflicted(const struct fc_writer *w);

/* The connection the writer runs on (for reads between its transactions,
 * or inside one when not pipelined). */
struct fc_db *fc_writer_db(struct fc_writer *w);

/* Number of statements run since creation (for benchmarks). */
uint64_t fc_writer_statements(const struct fc_writer *w);

#endif
