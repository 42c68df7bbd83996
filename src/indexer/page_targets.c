/* The per-page target cache: membership of the fids one events page
 * mentions, read in one round trip. */
#include "indexer/page_targets.h"

#include <stdlib.h>

#include "core/buf.h"
#include "state/fidset.h"

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

enum fc_err fc_page_targets_load(struct fc_page_targets *pt, struct fc_fidset *set,
                                 struct fc_diag *diag)
{
    if (!pt->fids.n)
        return FC_OK;
    fc_page_targets_sort(pt);
    pt->has = fc_xrealloc(pt->has, pt->fids.cap * sizeof(*pt->has));
    return fc_fidset_has_many(set, pt->fids.p, pt->fids.n, pt->has, diag);
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
