/* A pre-check of JSON shape before a tree parser sees the text: parsers
 * that build trees recurse (or allocate) per level and per value, so a body
 * of "[[[[..." or of millions of tiny values must be refused before
 * parsing. Pure; thread-safe. */
#ifndef FC_CORE_JSONDEPTH_H
#define FC_CORE_JSONDEPTH_H

#include <stdbool.h>
#include <stddef.h>

/* False when arrays and objects in s[0..len) nest deeper than max_depth,
 * or hold more than max_items members and elements in all (counted by
 * their separators; brackets and commas inside strings do not count). Says
 * nothing about validity. */
bool fc_json_shape_ok(const char *s, size_t len, int max_depth, size_t max_items);

#endif
