/* Whether a database holds what `hubsim truth` says (tests/support/truth.c). */
#ifndef FC_TESTS_TRUTH_H
#define FC_TESTS_TRUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "support/testenv.h"

#include <yajl/yajl_tree.h>

/* Runs truth_argv (`hubsim truth ...`, NULL-terminated) and returns its
 * document, parsed; fails the test when it fails. Caller frees (yajl_tree_free). */
yajl_val fct_hubsim_truth(const char *const *truth_argv);

/* The truth document's targets, in its order (by fid), as comma-joined
 * "fid:r" (r: t for a root, f otherwise), with ":source" (how it got in)
 * when sources. Caller frees. */
char *fct_truth_target_set(yajl_val truth, bool sources);

/* Fails the test, naming what, unless db's targets (each fid, whether it is
 * a root and how it got in) are the truth document's; returns how many. */
size_t fct_assert_target_set(const char *db, yajl_val truth, const char *what);

/* Runs truth_argv (`hubsim truth ...`, NULL-terminated) and fails the test
 * on the first difference from the database at db: the target set with
 * how each got in, then each target's own rows. Returns the number of
 * targets; *clients (when not NULL) gets how many came in through a client app. */
size_t fct_assert_equals_truth(const char *db, const char *const *truth_argv, size_t *clients);

#endif
