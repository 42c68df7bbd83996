/* What the indexer does with each message before writing it: its hash and
 * ed25519 signature checked (fc/verify.h), and its signer checked against the
 * keys its account added on-chain. verify.mode decides what a failure does:
 * `enforce` puts the message in dead_letters with its reason instead of
 * writing it, `log` writes it and counts and logs the failure, `off` checks
 * nothing. Every outcome is counted for /metrics.
 *
 * A signer counts as added when the account has a row for it in `signers`
 * or a SIGNER event adding it arrived with the message (same backfill run,
 * same events page). A key removed since still counts: Snapchain keeps the
 * messages a removed key signed before its removal, and the indexer must
 * not drop what the hub kept. */
#ifndef FC_INDEXER_VERIFY_GATE_H
#define FC_INDEXER_VERIFY_GATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/vec.h"
#include "fc/types.h"
#include "fc/verify.h"

struct fc_indexer;
struct fc_db;

enum fc_verify_mode { FC_VERIFY_MODE_ENFORCE, FC_VERIFY_MODE_LOG, FC_VERIFY_MODE_OFF };

/* The mode named by verify.mode (enforce for anything else). */
enum fc_verify_mode fc_verify_mode_parse(const char *name);

/* Hash and signature of n messages, spread over up to `threads` threads
 * (the caller's among them); out[i] is the result for m[i]. */
void fc_verify_batch(const struct fc_message *const *m, size_t n, unsigned threads,
                     enum fc_verify_result *out);

/* Signer keys known per fid: a hash set (open addressing; fid 0, which no
 * account has, marks a free slot), so adding keys between lookups costs no
 * re-sort and a key added twice is held once. Starts zeroed;
 * fc_keyset_cleanup frees it. Lookups do not change it. */
struct fc_fid_key {
    uint64_t fid;
    uint8_t key[32];
};

struct fc_keyset {
    struct fc_fid_key *slots;
    size_t cap, n; /* slots (a power of two, or 0) and keys held */
};

void fc_keyset_add(struct fc_keyset *ks, uint64_t fid, const uint8_t key[32]);
bool fc_keyset_has(const struct fc_keyset *ks, uint64_t fid, const uint8_t *key, size_t key_len);
void fc_keyset_clear(struct fc_keyset *ks);
void fc_keyset_cleanup(struct fc_keyset *ks);
/* Adds the key of a SIGNER add event (other events are ignored). */
void fc_keyset_note_onchain(struct fc_keyset *ks, const struct fc_onchain_event *o);
/* Adds every key in `signers` of the given fids (one query). */
FC_MUST_CHECK
enum fc_err fc_keyset_load(struct fc_keyset *ks, struct fc_db *db, const uint64_t *fids, size_t n,
                           struct fc_diag *diag);

/* Counts one checked message's outcome r (FC_VERIFY_OK included) and says
 * whether it may be written: always in log mode (a failure is logged), only
 * when r is OK in enforce mode. */
bool fc_verify_gate_pass(struct fc_indexer *ix, const struct fc_message *m,
                         enum fc_verify_result r);

struct fc_writer;

/* Writes the dead letter of message m, rejected with r, through w: the
 * message as decoded (its raw bytes are not kept once it decoded) and r's
 * reason, from source ("backfill", "stream"). */
FC_MUST_CHECK
enum fc_err fc_verify_dead_letter(struct fc_writer *w, const char *source,
                                  const struct fc_message *m, enum fc_verify_result r,
                                  struct fc_diag *diag);

#endif
