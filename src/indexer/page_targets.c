/* The per-page target cache: membership of the fids one events page
 * mentions, read in one round trip. */
#include "indexer/page_targets.h"

#include <stdlib.h>

#include "core/buf.h"
#include "store/targets.h"

void fc_page_targets_note(struct fc_page_targets *pt, uint64_t fid)
{
    if (fid)
        *fc_vec_push(&pt->fids) = fid;
}

static int cmp_fid(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

void fc_page_targets_sort(struct fc_page_targets *pt)
{
    if (!pt->fids.n)
        return;
    qsort(pt->fids.p, pt->fids.n, sizeof(*pt->fids.p), cmp_fid);
    size_t u = 0;
    for (size_t i = 0; i < pt->fids.n; i++)
        if (!u || pt->fids.p[u - 1] != pt->fids.p[i])
            pt->fids.p[u++] = pt->fids.p[i];
    pt->fids.n = u;
}

static void ready(struct fc_page_targets *pt)
{
    fc_page_targets_sort(pt);
    pt->has = fc_xrealloc(pt->has, (pt->fids.cap ? pt->fids.cap : 1) * sizeof(*pt->has));
    for (size_t i = 0; i < pt->fids.n; i++)
        pt->has[i] = false;
}

struct both {
    struct fc_page_targets *targets, *roots;
};

static void member(void *ud, uint64_t fid, bool root)
{
    struct both *b = ud;
    bool *t = fc_page_targets_slot(b->targets, fid), *r = fc_page_targets_slot(b->roots, fid);
    if (t)
        *t = true;
    if (r)
        *r = root;
}

enum fc_err fc_page_targets_load(struct fc_page_targets *targets, struct fc_page_targets *roots,
                                 struct fc_db *db, struct fc_diag *diag)
{
    ready(targets);
    ready(roots);
    FC_VEC(uint64_t) ask = {0};
    for (size_t i = 0; i < targets->fids.n; i++)
        *fc_vec_push(&ask) = targets->fids.p[i];
    for (size_t i = 0; i < roots->fids.n; i++)
        if (!fc_page_targets_slot(targets, roots->fids.p[i]))
            *fc_vec_push(&ask) = roots->fids.p[i];
    struct both b = {targets, roots};
    enum fc_err err = fc_targets_members(db, ask.p, ask.n, member, &b, diag);
    fc_vec_free(&ask);
    return err;
}

bool *fc_page_targets_slot(const struct fc_page_targets *pt, uint64_t fid)
{
    const uint64_t *hit =
        pt->fids.n ? bsearch(&fid, pt->fids.p, pt->fids.n, sizeof(*pt->fids.p), cmp_fid) : NULL;
    return hit ? &pt->has[hit - pt->fids.p] : NULL;
}

void fc_page_targets_cleanup(struct fc_page_targets *pt)
{
    fc_vec_free(&pt->fids);
    free(pt->has);
    pt->has = NULL;
}
