/* A minimal scanner over well-formed JSON text that returns byte spans, so
 * recorded hub responses can be split into items and served byte-exact.
 * It checks structure as it goes and fails (returns NULL) on malformed
 * input; it never allocates. */
#ifndef HUBSIM_JSPAN_H
#define HUBSIM_JSPAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct jspan {
    const char *p;
    size_t n;
};

/* Returns the end of the value starting at p (after leading whitespace), or
 * NULL if malformed or past end. */
const char *jspan_value_end(const char *p, const char *end);

/* Finds key in the object span obj; writes the value span. */
bool jspan_get(struct jspan obj, const char *key, struct jspan *out);

/* Iterates array elements: *cursor starts at NULL; returns false at the end. */
bool jspan_next(struct jspan arr, const char **cursor, struct jspan *elem);

/* Reads an unsigned integer value. */
bool jspan_u64(struct jspan v, uint64_t *out);

/* Copies a string value without its quotes (no unescaping) into out. */
bool jspan_str(struct jspan v, char *out, size_t out_size);

#endif
