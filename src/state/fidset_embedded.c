/* A fid set in this process's memory: open addressing under a
 * reader-writer lock (0 = empty, UINT64_MAX = deleted). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "state/fidset_backend.h"

struct embedded {
    pthread_rwlock_t rw;
    uint64_t *slots;
    size_t cap, n;
};

static size_t slot_of(uint64_t fid, size_t cap)
{
    return (size_t)((fid * 0x9e3779b97f4a7c15ULL) >> 17) & (cap - 1);
}

void *fc_fidset_embedded_new(void)
{
    struct embedded *s = fc_xcalloc(1, sizeof(*s));
    pthread_rwlock_init(&s->rw, NULL);
    s->cap = 1024;
    s->slots = fc_xcalloc(s->cap, sizeof(uint64_t));
    return s;
}

static bool emb_has(struct embedded *s, uint64_t fid)
{
    bool found = false;
    pthread_rwlock_rdlock(&s->rw);
    for (size_t i = slot_of(fid, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == fid) {
            found = true;
            break;
        }
    }
    pthread_rwlock_unlock(&s->rw);
    return found;
}

static void put(uint64_t *slots, size_t cap, uint64_t fid)
{
    size_t i = slot_of(fid, cap);
    while (slots[i] && slots[i] != UINT64_MAX && slots[i] != fid)
        i = (i + 1) & (cap - 1);
    slots[i] = fid;
}

static void emb_add(struct embedded *s, uint64_t fid)
{
    if (emb_has(s, fid))
        return;
    pthread_rwlock_wrlock(&s->rw);
    if ((s->n + 1) * 2 > s->cap) {
        size_t cap = s->cap * 2;
        uint64_t *slots = fc_xcalloc(cap, sizeof(uint64_t));
        for (size_t i = 0; i < s->cap; i++)
            if (s->slots[i] && s->slots[i] != UINT64_MAX)
                put(slots, cap, s->slots[i]);
        free(s->slots);
        s->slots = slots;
        s->cap = cap;
    }
    put(s->slots, s->cap, fid);
    s->n++;
    pthread_rwlock_unlock(&s->rw);
}

static void emb_remove(struct embedded *s, uint64_t fid)
{
    pthread_rwlock_wrlock(&s->rw);
    for (size_t i = slot_of(fid, s->cap); s->slots[i]; i = (i + 1) & (s->cap - 1)) {
        if (s->slots[i] == fid) {
            s->slots[i] = UINT64_MAX; /* keeps probe chains intact */
            s->n--;
            break;
        }
    }
    pthread_rwlock_unlock(&s->rw);
}

static void embedded_free(void *impl)
{
    struct embedded *s = impl;
    free(s->slots);
    pthread_rwlock_destroy(&s->rw);
    free(s);
}

static bool embedded_has(void *impl, uint64_t fid)
{
    return emb_has(impl, fid);
}

FC_MUST_CHECK
static enum fc_err embedded_has_many(void *impl, const uint64_t *fids, size_t n, bool *out,
                                     struct fc_diag *diag)
{
    (void)diag;
    for (size_t i = 0; i < n; i++)
        out[i] = fids[i] && emb_has(impl, fids[i]);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err embedded_add(void *impl, uint64_t fid, struct fc_diag *diag)
{
    (void)diag;
    emb_add(impl, fid);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err embedded_remove(void *impl, uint64_t fid, struct fc_diag *diag)
{
    (void)diag;
    emb_remove(impl, fid);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err embedded_count(void *impl, size_t *n, struct fc_diag *diag)
{
    (void)diag;
    struct embedded *s = impl;
    pthread_rwlock_rdlock(&s->rw);
    *n = s->n;
    pthread_rwlock_unlock(&s->rw);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err embedded_replace(void *impl, const uint64_t *fids, size_t n,
                                    struct fc_diag *diag)
{
    (void)diag;
    struct embedded *s = impl;
    pthread_rwlock_wrlock(&s->rw);
    memset(s->slots, 0, s->cap * sizeof(uint64_t));
    s->n = 0;
    pthread_rwlock_unlock(&s->rw);
    for (size_t i = 0; i < n; i++)
        emb_add(s, fids[i]);
    return FC_OK;
}

static uint64_t embedded_connects(void *impl)
{
    (void)impl;
    return 0;
}

const struct fc_fidset_ops fc_fidset_embedded_ops = FC_FIDSET_OPS(embedded);
