/* The two storage backends of the throughput history (state/rates.h),
 * behind one table of operations. Private to src/state/rates*.c. */
#ifndef FC_STATE_RATES_BACKEND_H
#define FC_STATE_RATES_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "state/facade.h"
#include "state/rates.h"

/* One process's counts for the bucket starting at start_unix_s. */
struct fc_rate_bucket {
    int64_t start_unix_s;
    struct fc_rate_counts c;
};

/* A stored bucket as listed: whose it is (an index into the listing's
 * processes, 0 .. n_procs - 1) and what it holds. */
struct fc_rate_row {
    size_t proc;
    struct fc_rate_bucket b;
};

struct fc_rates_ops {
    void (*free)(void *impl);
    /* Stores proc_id's counts for these buckets, replacing what it stored
     * for the same starts, and forgets its buckets that start before
     * keep_since_unix_s. */
    enum fc_err (*put)(void *impl, const char *proc_id, const struct fc_rate_bucket *b, size_t n,
                       int64_t keep_since_unix_s, int64_t now_unix_ms, struct fc_diag *diag);
    /* Every stored bucket starting at or after since_unix_s, of every
     * process, as a new array (free()); older ones may be dropped on the way. */
    enum fc_err (*list)(void *impl, int64_t since_unix_s, struct fc_rate_row **out, size_t *n,
                        size_t *n_procs, struct fc_diag *diag);
};

#define FC_RATES_OPS(P)                                                                         \
    {                                                                                           \
        .free = P##_free, .put = P##_put, .list = P##_list,                                     \
    }

FC_STATE_BACKENDS(rates);

void *fc_rates_embedded_new(void);
FC_MUST_CHECK
enum fc_err fc_rates_redis_open(const char *url, const char *prefix, void **out,
                                struct fc_diag *diag);

/* The stored text of a bucket's counts ("read applied messages") and its
 * strict reader (false on anything else). */
void fc_rate_counts_format(const struct fc_rate_counts *c, char out[72]);
bool fc_rate_counts_parse(const char *s, size_t len, struct fc_rate_counts *out);

#endif
