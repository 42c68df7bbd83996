/* A fid set's contract (state/fidset.h) over either backend:
 * fidset_embedded.c (this process) or fidset_redis.c (shared). */
#include "state/fidset.h"

#include <stdlib.h>

#include "core/buf.h"
#include "state/facade.h"
#include "state/fidset_backend.h"

FC_STATE_FACADE(fidset)

struct fc_fidset *fc_fidset_new_embedded(void)
{
    return wrap(&fc_fidset_embedded_ops, fc_fidset_embedded_new());
}

enum fc_err fc_fidset_open_redis(const char *url, const char *prefix, const char *name,
                                 struct fc_fidset **out, struct fc_diag *diag)
{
    void *impl = NULL;
    enum fc_err err = fc_fidset_redis_open(url, prefix, name, &impl, diag);
    if (err)
        return err;
    *out = wrap(&fc_fidset_redis_ops, impl);
    return FC_OK;
}

bool fc_fidset_has(struct fc_fidset *s, uint64_t fid)
{
    return fid && s->ops->has(s->impl, fid);
}

enum fc_err fc_fidset_has_many(struct fc_fidset *s, const uint64_t *fids, size_t n, bool *out,
                               struct fc_diag *diag)
{
    return s->ops->has_many(s->impl, fids, n, out, diag);
}

enum fc_err fc_fidset_add(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag)
{
    if (!fid)
        return fc_diag_set(diag, FC_ERR_INVALID, "fid 0");
    return s->ops->add(s->impl, fid, diag);
}

enum fc_err fc_fidset_remove(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag)
{
    return s->ops->remove(s->impl, fid, diag);
}

enum fc_err fc_fidset_count(struct fc_fidset *s, size_t *n, struct fc_diag *diag)
{
    return s->ops->count(s->impl, n, diag);
}

enum fc_err fc_fidset_replace(struct fc_fidset *s, const uint64_t *fids, size_t n,
                              struct fc_diag *diag)
{
    return s->ops->replace(s->impl, fids, n, diag);
}

uint64_t fc_fidset_connects(struct fc_fidset *s)
{
    return s->ops->connects(s->impl);
}
