/* The project's own storage layer (src/store) against a test database. */
#ifndef FC_TESTS_STORE_H
#define FC_TESTS_STORE_H
#include "support/testenv.h"

#include "store/db.h"

/* A connection (fc_db_open) to the database at url; fails the test with
 * the reason when it cannot open. The caller closes it (fc_db_close). */
struct fc_db *fct_db_connect(const char *url);
#endif
