/* A bump allocator for per-page data: many small allocations, freed in one
 * call. Blocks grow geometrically; nothing is freed individually. Not
 * thread-safe: one arena per page being decoded. */
#ifndef FC_CORE_ARENA_H
#define FC_CORE_ARENA_H

#include <stddef.h>

struct fc_arena_block;

struct fc_arena {
    struct fc_arena_block *head;
    size_t used;  /* in head */
    size_t total; /* bytes handed out, for caps */
};

#define FC_ARENA_INIT {NULL, 0, 0}

/* Returns n bytes aligned for any type (aborts on out of memory). */
void *fc_arena_alloc(struct fc_arena *a, size_t n);
/* Copies s[0..n) and appends a NUL. */
char *fc_arena_strndup(struct fc_arena *a, const char *s, size_t n);
void *fc_arena_memdup(struct fc_arena *a, const void *p, size_t n);
/* Forgets every allocation but keeps the newest (largest) block for reuse. */
void fc_arena_clear(struct fc_arena *a);
/* Bytes held in blocks (allocated, used or not). */
size_t fc_arena_capacity(const struct fc_arena *a);
/* Frees every block (fc_arena_clear keeps one); the arena can be reused. */
void fc_arena_cleanup(struct fc_arena *a);

#endif
