#include "core/comma_list.h"

#include <string.h>

static bool blank(char c)
{
    return c == ' ' || c == '\t';
}

bool fc_comma_list_next(const char **p, const char **item, size_t *len, bool *last)
{
    const char *s = *p;
    if (!s || !*s)
        return false;
    while (blank(*s))
        s++;
    const char *end = strchr(s, ',');
    size_t n = end ? (size_t)(end - s) : strlen(s);
    *p = end ? end + 1 : s + n;
    *last = !end;
    while (n && blank(s[n - 1]))
        n--;
    *item = s;
    *len = n;
    return true;
}
