/* Filtered, sorted pages of the target set with summary counts, for
 * GET /admin/targets and `fcindex targets list|stats`. */
#ifndef FC_STORE_TARGET_LIST_H
#define FC_STORE_TARGET_LIST_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

struct fc_target_filter {
    const char *root;   /* "true", "false" or NULL */
    const char *synced; /* "true", "false" or NULL */
    const char *state;  /* pending, running, failed, held, synced (store/jobctl.h) or NULL */
    const char *source; /* config, admin, follow, client or NULL */
    const char *q;      /* an fid or part of a username, or NULL */
    /* ranges, each a date (YYYY-MM-DD) or an RFC 3339 time, or NULL; after is
     * inclusive, before exclusive */
    const char *added_after, *added_before, *synced_after, *synced_before;
    const char *sort;   /* a name from fc_target_sorts, NULL for "fid" */
    uint64_t fid;       /* only this target; 0 for any */
    int limit, offset;
};

/* The sort names accepted, comma-separated, for messages. */
extern const char fc_target_sorts[];

/* NULL when f is valid, else a message naming the field and what it takes. */
const char *fc_target_filter_problem(const struct fc_target_filter *f);

/* {"total":N,"summary":{"roots":N,"states":{...},"sources":{...}},
 *  "targets":[...],"next_cursor":S|null}: total and summary over every
 * target matching f, targets the page. f must be valid. */
FC_MUST_CHECK
enum fc_err fc_target_list_json(struct fc_db *db, const struct fc_target_filter *f,
                                struct fc_buf *out, struct fc_diag *diag);

#endif
