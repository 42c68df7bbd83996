/* Fuzz inputs read as lines of text (the API targets' input format). */
#ifndef FC_FUZZ_LINES_H
#define FC_FUZZ_LINES_H

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Copies data into a new NUL-terminated buffer (returned; the caller frees
 * it) and points field[0..n-1] at its first n lines, cut at the newlines:
 * the last field holds the rest of the input, newlines and all, and the
 * fields past the input's end are "". */
static inline char *fuzz_lines(const uint8_t *data, size_t size, char **field, int n)
{
    char *buf = malloc(size + 1);
    memcpy(buf, data, size);
    buf[size] = '\0';
    field[0] = buf;
    for (int i = 1; i < n; i++)
        field[i] = "";
    for (int i = 1; i < n; i++) {
        char *nl = strchr(field[i - 1], '\n');
        if (!nl)
            break;
        *nl = '\0';
        field[i] = nl + 1;
    }
    return buf;
}

#endif
