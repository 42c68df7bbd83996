/* Request bodies: a JSON object with a known set of fields, and its typed
 * fields. No I/O; the fuzz target exercises every body shape the routes
 * take (tests/fuzz/fuzz_api_request.c). */
#ifndef FC_API_BODY_H
#define FC_API_BODY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_tree.h>

#define FC_API_BODY_MAX_DEPTH 16
#define FC_API_BODY_MAX_ITEMS 256 /* members and elements in all */

/* The fields each body-taking route accepts (NULL-terminated). */
extern const char *const fc_api_login_fields[];
extern const char *const fc_api_target_add_fields[];
extern const char *const fc_api_target_put_fields[];
extern const char *const fc_api_client_add_fields[];

/* Parses body[0..len) (NUL-terminated) as a JSON object whose keys are all
 * in allowed. Returns the tree (caller frees with yajl_tree_free), or NULL
 * with *code ("invalid_json", "too_deep", "invalid_field") and a message. */
yajl_val fc_api_body_object(const char *body, size_t len, const char *const *allowed,
                            const char **code, char *msg, size_t msg_size);

/* Field name of obj, or NULL. */
yajl_val fc_api_body_field(yajl_val obj, const char *name);
/* "fid" as a JSON integer or decimal string, copied as decimal text into
 * out[32] (the caller parses it as an fid); false when absent or of
 * another type. */
bool fc_api_body_fid_text(yajl_val obj, char out[32]);
/* A boolean field; def when absent; false when of another type. */
bool fc_api_body_bool(yajl_val obj, const char *name, bool def, bool *out);
/* A string field of at most max bytes, or NULL. */
const char *fc_api_body_string(yajl_val obj, const char *name, size_t max);

#endif
