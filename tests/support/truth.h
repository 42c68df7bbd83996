/* Whether a database holds what `hubsim truth` says (tests/support/truth.c). */
#ifndef FC_TESTS_TRUTH_H
#define FC_TESTS_TRUTH_H

#include <stddef.h>

#include "support/testenv.h"

/* Runs truth_argv (`hubsim truth ...`, NULL-terminated) and fails the test
 * on the first difference from the database at db: the target set with
 * how each got in, then each target's own rows. Returns the number of
 * targets; *clients (when not NULL) gets how many came in through a client app. */
size_t fct_assert_equals_truth(const char *db, const char *const *truth_argv, size_t *clients);

#endif
