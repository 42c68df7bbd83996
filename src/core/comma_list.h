/* Comma-separated lists as options are written ("1, 2,3", "a,b"): the items
 * with the blanks (spaces, tabs) around them trimmed. */
#ifndef FC_CORE_COMMA_LIST_H
#define FC_CORE_COMMA_LIST_H

#include <stdbool.h>
#include <stddef.h>

/* The next item of the list at *p (NULL or "" when done): *item and *len
 * (0 for an empty item), *last when no comma follows it; *p moves past it
 * and its comma. False, touching nothing else, when *p is at the end. */
bool fc_comma_list_next(const char **p, const char **item, size_t *len, bool *last);

#endif
