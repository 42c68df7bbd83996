/* The per-page target cache: membership of the fids one events page
 * mentions, read in one round trip. */
#include "indexer/page_targets.h"

#include <stdlib.h>

#include "core/buf.h"
#include "state/fidset.h"

void fc_page_targets_note(struct fc_page_targets *pt, uint64_t fid)
{
    if (!fid)
        return;
    if (pt->n == pt->cap) {
        pt->cap = pt->cap ? pt->cap * 2 : 1024;
        pt->fid = fc_xrealloc(pt->fid, pt->cap * sizeof(*pt->fid));
    }
    pt->fid[pt->n++] = fid;
}

int fc_page_targets_cmp_fid(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

enum fc_err fc_page_targets_load(struct fc_page_targets *pt, struct fc_fidset *set,
                                 struct fc_diag *diag)
{
    if (!pt->n)
        return FC_OK;
    qsort(pt->fid, pt->n, sizeof(*pt->fid), fc_page_targets_cmp_fid);
    size_t u = 0;
    for (size_t i = 0; i < pt->n; i++)
        if (!u || pt->fid[u - 1] != pt->fid[i])
            pt->fid[u++] = pt->fid[i];
    pt->n = u;
    pt->has = fc_xrealloc(pt->has, pt->cap * sizeof(*pt->has));
    return fc_fidset_has_many(set, pt->fid, pt->n, pt->has, diag);
}

bool *fc_page_targets_slot(const struct fc_page_targets *pt, uint64_t fid)
{
    const uint64_t *hit = pt->n ? bsearch(&fid, pt->fid, pt->n, sizeof(*pt->fid), fc_page_targets_cmp_fid) : NULL;
    return hit ? &pt->has[hit - pt->fid] : NULL;
}

void fc_page_targets_cleanup(struct fc_page_targets *pt)
{
    free(pt->fid);
    free(pt->has);
}

