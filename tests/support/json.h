/* Reading parsed JSON (yajl trees) in tests. */
#ifndef FC_TESTS_JSON_H
#define FC_TESTS_JSON_H

#include <yajl/yajl_tree.h>

/* v's member k; NULL when there is none or v is NULL. */
yajl_val fct_json_get(yajl_val v, const char *k);

/* A JSON array of strings or numbers (of objects: their member field, when
 * field is not NULL) as sorted, comma-joined text, to compare with a SQL
 * string_agg; "" when arr is no array. The caller frees it. */
char *fct_json_sorted_csv(yajl_val arr, const char *field);

/* The keys of a JSON object, comma-joined in its order ("" for no object).
 * The caller frees it. */
char *fct_json_keys_csv(yajl_val obj);

/* File name of the recorded corpus (FCINDEX_FIXTURES, tests/fixtures/
 * hub-sample), parsed; fails the test when it cannot be read or parsed.
 * The caller frees it (yajl_tree_free). */
yajl_val fct_json_fixture(const char *name);

#endif
