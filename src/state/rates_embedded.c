/* Throughput history kept in memory: the buckets of the processes of this
 * one process's instance (in practice its own). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"
#include "state/locked_list.h"
#include "state/rates_backend.h"

struct entry {
    char proc_id[96];
    struct fc_rate_bucket b;
};

/* at most FC_RATES_N_BUCKETS entries per process */
FC_LOCKED_LIST(store, struct entry)

void *fc_rates_embedded_new(void)
{
    return store_new();
}

FC_MUST_CHECK
static enum fc_err store_put(void *impl, const char *proc_id, const struct fc_rate_bucket *b,
                             size_t n, int64_t keep_since_unix_s, int64_t now_unix_ms,
                             struct fc_diag *diag)
{
    (void)now_unix_ms;
    (void)diag;
    struct store *s = impl;
    pthread_mutex_lock(&s->lock);
    for (size_t i = 0; i < s->list.n;) /* the process's buckets that left the window */
        if (strcmp(s->list.p[i].proc_id, proc_id) == 0 &&
            s->list.p[i].b.start_unix_s < keep_since_unix_s)
            s->list.p[i] = s->list.p[--s->list.n];
        else
            i++;
    for (size_t k = 0; k < n; k++) {
        size_t i = 0;
        while (i < s->list.n && (s->list.p[i].b.start_unix_s != b[k].start_unix_s ||
                                 strcmp(s->list.p[i].proc_id, proc_id) != 0))
            i++;
        if (i == s->list.n) {
            struct entry *e = fc_vec_push(&s->list);
            snprintf(e->proc_id, sizeof(e->proc_id), "%s", proc_id);
        }
        s->list.p[i].b = b[k];
    }
    pthread_mutex_unlock(&s->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err store_list(void *impl, int64_t since_unix_s, struct fc_rate_row **out,
                              size_t *n, size_t *n_procs, struct fc_diag *diag)
{
    (void)diag;
    struct store *s = impl;
    pthread_mutex_lock(&s->lock);
    struct fc_rate_row *rows = fc_xcalloc(s->list.n ? s->list.n : 1, sizeof(*rows));
    const char **ids = fc_xcalloc(s->list.n ? s->list.n : 1, sizeof(*ids));
    size_t k = 0, procs = 0;
    for (size_t i = 0; i < s->list.n; i++) {
        const struct entry *e = &s->list.p[i];
        if (e->b.start_unix_s < since_unix_s)
            continue;
        size_t p = 0;
        while (p < procs && strcmp(ids[p], e->proc_id) != 0)
            p++;
        if (p == procs)
            ids[procs++] = e->proc_id;
        rows[k++] = (struct fc_rate_row){p, e->b};
    }
    pthread_mutex_unlock(&s->lock);
    free(ids);
    *out = rows;
    *n = k;
    *n_procs = procs;
    return FC_OK;
}

const struct fc_rates_ops fc_rates_embedded_ops = FC_RATES_OPS(store);
