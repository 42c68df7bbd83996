/* Running the indexer's commands as the end-to-end tests do: each with the
 * test's environment, its output shown when it fails. */
#ifndef FC_TESTS_INDEXRUN_H
#define FC_TESTS_INDEXRUN_H

#include "support/testenv.h"

/* Runs `fcindex a b c d` (a NULL ends the arguments early) with env
 * ("NAME=value", NULL-terminated) and returns its exit status (-1 when it
 * did not exit); when that is not 0, prints the command and its output to
 * stderr, beside the assertion that fails on it. out (may be NULL) gets
 * the output. */
int fct_index_cmd(const char *const *env, const char *a, const char *b, const char *c,
                  const char *d, struct fc_buf *out);

/* `backfill --all-unsynced --wait` then `sync --until-head` with env, again
 * until no target in db is pending (sync finds new roots whose follows need
 * a backfill in turn); fails the test when some still are after 6 rounds. */
void fct_index_fully(const char *const *env, const char *db);

/* A digest of what the indexer wrote to db, without ingestion times: the
 * messages' rows, users, targets, signers, on-chain events and cursors.
 * Without text, the rows bad UTF-8 can touch (casts, user data, usernames,
 * bios, username proofs) are left out. Caller frees. */
char *fct_index_fingerprint(const char *db, bool with_text);

#endif
