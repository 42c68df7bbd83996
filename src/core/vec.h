/* A typed growable array: FC_VEC(T) is a struct { T *p; size_t n, cap; }
 * whose storage doubles as elements are pushed (first allocation: 16).
 * The array owns p; fc_vec_free releases it (a holder taking p over
 * zeroes v instead).
 * The macros evaluate v more than once: pass a plain lvalue. */
#ifndef FC_CORE_VEC_H
#define FC_CORE_VEC_H

#include <stddef.h>
#include <stdlib.h>

#include "core/buf.h"

#define FC_VEC(T)                                                                               \
    struct {                                                                                    \
        T *p;                                                                                   \
        size_t n, cap;                                                                          \
    }

/* Room for at least want elements. */
#define fc_vec_reserve(v, want)                                                                 \
    ((want) > (v)->cap                                                                          \
         ? (void)((v)->cap = fc_vec_grown_cap((v)->cap, (want)),                                \
                  (v)->p = fc_xrealloc((v)->p, (v)->cap * sizeof(*(v)->p)))                     \
         : (void)0)

/* Appends one element and returns a pointer to it (its contents are not
 * initialised). */
#define fc_vec_push(v) (fc_vec_reserve((v), (v)->n + 1), &(v)->p[(v)->n++])

/* Frees the storage and empties v. */
#define fc_vec_free(v) ((void)(free((v)->p), (v)->p = NULL, (v)->n = (v)->cap = 0))

/* The capacity after growing cap to hold want: doubling, from 16. */
static inline size_t fc_vec_grown_cap(size_t cap, size_t want)
{
    size_t c = cap ? cap : 16;
    while (c < want)
        c *= 2;
    return c;
}

#endif
