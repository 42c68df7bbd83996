/* Items the decoder (fc/decode.h) hands to a test's callback. */
#ifndef FC_TESTS_ITEMS_H
#define FC_TESTS_ITEMS_H
#include "support/testenv.h"

#include "fc/decode.h"

/* Whether it is an error item; when it is, prints it to stderr ("decode
 * error: PATH: REASON", for the failing test's log) and counts it in
 * *errors. */
bool fct_item_error(const struct fc_item *it, size_t *errors);
#endif
