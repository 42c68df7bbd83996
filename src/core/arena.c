#include "core/arena.h"

#include <stdalign.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct fc_arena_block {
    struct fc_arena_block *next;
    size_t size;
    alignas(max_align_t) unsigned char data[];
};

void *fc_arena_alloc(struct fc_arena *a, size_t n)
{
    size_t align = alignof(max_align_t);
    n = (n + align - 1) & ~(align - 1);
    if (!a->head || a->used + n > a->head->size) {
        size_t size = a->head ? a->head->size * 2 : 16384;
        if (size > (1u << 24))
            size = 1u << 24;
        if (size < n)
            size = n;
        struct fc_arena_block *b = fc_xmalloc(sizeof(*b) + size);
        b->size = size;
        b->next = a->head;
        a->head = b;
        a->used = 0;
    }
    void *p = a->head->data + a->used;
    a->used += n;
    a->total += n;
    return p;
}

char *fc_arena_strndup(struct fc_arena *a, const char *s, size_t n)
{
    char *p = fc_arena_alloc(a, n + 1);
    if (n)
        memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void *fc_arena_memdup(struct fc_arena *a, const void *p, size_t n)
{
    void *q = fc_arena_alloc(a, n ? n : 1);
    if (n)
        memcpy(q, p, n);
    return q;
}

void fc_arena_cleanup(struct fc_arena *a)
{
    struct fc_arena_block *b = a->head;
    while (b) {
        struct fc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head = NULL;
    a->used = a->total = 0;
}

void fc_arena_clear(struct fc_arena *a)
{
    if (!a->head)
        return;
    struct fc_arena_block *b = a->head->next;
    while (b) {
        struct fc_arena_block *next = b->next;
        free(b);
        b = next;
    }
    a->head->next = NULL;
    a->used = a->total = 0;
}

size_t fc_arena_capacity(const struct fc_arena *a)
{
    size_t n = 0;
    for (const struct fc_arena_block *b = a->head; b; b = b->next)
        n += b->size;
    return n;
}
