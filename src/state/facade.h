/* What each state module (fidset, jobq, procs, ratelimit, rates) puts in
 * front of its two backends: the backend's operations table and object.
 * FC_STATE_FACADE(name), after the module's public and backend headers,
 * defines struct fc_<name>, a file-local wrap(ops, impl) making one, and
 * the public fc_<name>_free, which frees the backend's object through
 * ops->free (NULL is a no-op).
 * FC_STATE_FACADE_OPENERS(name), after it, defines the public
 * fc_<name>_new_embedded and fc_<name>_open_redis of a module whose
 * backends are made from nothing (fc_<name>_embedded_new) or from a Redis
 * URL and key prefix (fc_<name>_redis_open, whose failure is returned as
 * is).
 * FC_STATE_BACKENDS(name), in the module's backend header, declares its two
 * operations tables, fc_<name>_embedded_ops and fc_<name>_redis_ops. The
 * objects the backends make belong to the facade, which frees them through
 * ops->free. Private to src/state/. */
#ifndef FC_STATE_FACADE_H
#define FC_STATE_FACADE_H

#include <stdlib.h>

#include "core/buf.h"

#define FC_STATE_FACADE(name)                                                                   \
    struct fc_##name {                                                                          \
        const struct fc_##name##_ops *ops;                                                      \
        void *impl;                                                                             \
    };                                                                                          \
                                                                                                \
    static struct fc_##name *wrap(const struct fc_##name##_ops *ops, void *impl)                \
    {                                                                                           \
        struct fc_##name *x = fc_xcalloc(1, sizeof(*x));                                        \
        x->ops = ops;                                                                           \
        x->impl = impl;                                                                         \
        return x;                                                                               \
    }                                                                                           \
                                                                                                \
    void fc_##name##_free(struct fc_##name *x)                                                  \
    {                                                                                           \
        if (!x)                                                                                 \
            return;                                                                             \
        x->ops->free(x->impl);                                                                  \
        free(x);                                                                                \
    }

#define FC_STATE_BACKENDS(name)                                                                 \
    extern const struct fc_##name##_ops fc_##name##_embedded_ops;                               \
    extern const struct fc_##name##_ops fc_##name##_redis_ops

#define FC_STATE_FACADE_OPENERS(name)                                                           \
    struct fc_##name *fc_##name##_new_embedded(void)                                            \
    {                                                                                           \
        return wrap(&fc_##name##_embedded_ops, fc_##name##_embedded_new());                     \
    }                                                                                           \
                                                                                                \
    enum fc_err fc_##name##_open_redis(const char *url, const char *prefix,                     \
                                       struct fc_##name **out, struct fc_diag *diag)            \
    {                                                                                           \
        void *impl = NULL;                                                                      \
        enum fc_err err = fc_##name##_redis_open(url, prefix, &impl, diag);                     \
        if (err)                                                                                \
            return err;                                                                         \
        *out = wrap(&fc_##name##_redis_ops, impl);                                              \
        return FC_OK;                                                                           \
    }

#endif
