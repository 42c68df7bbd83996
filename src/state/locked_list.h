/* The whole state of a small in-memory backend (procs, rates): a growable
 * array of entries and the mutex held around every use of it.
 * FC_LOCKED_LIST(name, T) defines struct name { lock; FC_VEC(T) list; },
 * a file-local name_new() returning a zeroed one with its mutex ready (the
 * caller's), and name_free(void *), which frees the array and the object
 * (the void * form serves as a backend's ops->free). Private to src/state/. */
#ifndef FC_STATE_LOCKED_LIST_H
#define FC_STATE_LOCKED_LIST_H

#include <pthread.h>
#include <stdlib.h>

#include "core/buf.h"
#include "core/vec.h"

#define FC_LOCKED_LIST(name, T)                                                                 \
    struct name {                                                                               \
        pthread_mutex_t lock;                                                                   \
        FC_VEC(T) list;                                                                         \
    };                                                                                          \
                                                                                                \
    static struct name *name##_new(void)                                                        \
    {                                                                                           \
        struct name *x = fc_xcalloc(1, sizeof(*x));                                             \
        pthread_mutex_init(&x->lock, NULL);                                                     \
        return x;                                                                               \
    }                                                                                           \
                                                                                                \
    static void name##_free(void *impl)                                                         \
    {                                                                                           \
        struct name *x = impl;                                                                  \
        fc_vec_free(&x->list);                                                                  \
        pthread_mutex_destroy(&x->lock);                                                        \
        free(x);                                                                                \
    }

#endif
