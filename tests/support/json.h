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

#endif
