/* Process registry kept in memory: the one process's own entries. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"
#include "state/locked_list.h"
#include "state/procs_backend.h"

/* a handful of entries: one per role published in this process */
FC_LOCKED_LIST(registry, struct fc_proc_status)

void *fc_procs_embedded_new(void)
{
    return registry_new();
}

FC_MUST_CHECK
static enum fc_err registry_publish(void *impl, const struct fc_proc_status *s,
                                    struct fc_diag *diag)
{
    (void)diag;
    struct registry *r = impl;
    pthread_mutex_lock(&r->lock);
    size_t i = 0;
    while (i < r->list.n && strcmp(r->list.p[i].id, s->id) != 0)
        i++;
    if (i == r->list.n)
        *fc_vec_push(&r->list) = *s;
    else
        r->list.p[i] = *s;
    pthread_mutex_unlock(&r->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err registry_remove(void *impl, const char *id, struct fc_diag *diag)
{
    (void)diag;
    struct registry *r = impl;
    pthread_mutex_lock(&r->lock);
    for (size_t i = 0; i < r->list.n; i++)
        if (strcmp(r->list.p[i].id, id) == 0) {
            r->list.p[i] = r->list.p[--r->list.n];
            break;
        }
    pthread_mutex_unlock(&r->lock);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err registry_list(void *impl, int64_t since_unix_ms, struct fc_proc_status **out,
                                 size_t *n, struct fc_diag *diag)
{
    (void)diag;
    struct registry *r = impl;
    pthread_mutex_lock(&r->lock);
    struct fc_proc_status *copy = fc_xcalloc(r->list.n ? r->list.n : 1, sizeof(*copy));
    size_t k = 0;
    for (size_t i = 0; i < r->list.n; i++)
        if (r->list.p[i].heartbeat_unix_ms >= since_unix_ms)
            copy[k++] = r->list.p[i];
    pthread_mutex_unlock(&r->lock);
    *out = copy;
    *n = k;
    return FC_OK;
}

const struct fc_procs_ops fc_procs_embedded_ops = FC_PROCS_OPS(registry);
