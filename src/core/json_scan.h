/* A streaming JSON scanner: checks RFC 8259 syntax and hands each token to a
 * sink as soon as it is complete, however the text is cut into chunks. Keys
 * and strings arrive unescaped (\uXXXX as UTF-8; a lone surrogate as its
 * three-byte form, which UTF-8 checks reject) but otherwise unchecked, so a
 * caller can fail one field for bad UTF-8 without failing the whole text.
 * Numbers arrive as their text. Only a token cut by a chunk's end is copied;
 * every other token points into the caller's chunk for the sink's call only.
 * One scanner per thread; a scanner is reused across texts with _reset. */
#ifndef FC_CORE_JSON_SCAN_H
#define FC_CORE_JSON_SCAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Containers deeper than this are an error (the stack is fixed-size). */
#define FC_JSON_MAX_DEPTH 1024

/* What a sink is told. Each returns false to stop the scan (for example at
 * a limit of its own); the scan then reports FC_JSON_STOPPED. */
struct fc_json_sink {
    bool (*null_value)(void *ud);
    bool (*bool_value)(void *ud, bool v);
    bool (*number)(void *ud, const char *s, size_t n);
    bool (*string)(void *ud, const char *s, size_t n);
    bool (*key)(void *ud, const char *s, size_t n);
    bool (*start_map)(void *ud);
    bool (*end_map)(void *ud);
    bool (*start_array)(void *ud);
    bool (*end_array)(void *ud);
};

enum fc_json_status { FC_JSON_OK, FC_JSON_INVALID, FC_JSON_STOPPED };

/* Where the grammar stands between two tokens. */
enum fc_json_expect {
    FC_JX_VALUE,          /* a value: the text's, or after ':' or ',' in an array */
    FC_JX_KEY_OR_END,     /* just after '{' */
    FC_JX_KEY,            /* after ',' in an object */
    FC_JX_COLON,          /* after a key */
    FC_JX_VALUE_OR_END,   /* just after '[' */
    FC_JX_COMMA_OR_END,   /* after a value inside a container */
    FC_JX_DONE,           /* the text's value is complete: only whitespace may follow */
};

/* A token cut by a chunk's end, kept until the next chunk completes it. */
enum fc_json_pending { FC_JP_NONE, FC_JP_STRING, FC_JP_NUMBER, FC_JP_LITERAL };

struct fc_json_scan {
    const struct fc_json_sink *sink;
    void *ud;
    enum fc_json_expect expect;
    int depth;                       /* open containers */
    uint8_t is_map[FC_JSON_MAX_DEPTH]; /* per open container: object (1) or array (0) */
    enum fc_json_pending pending;
    bool pending_is_key;             /* the cut string is an object key */
    bool pending_escape;             /* the cut string ends inside an escape */
    struct fc_buf token;             /* the cut token's bytes so far */
    struct fc_buf unescaped;         /* scratch for strings with escapes */
    size_t base;                     /* text offset of the current chunk's first byte */
    size_t pos;                      /* text offset just past the token being reported */
    size_t error_at;                 /* text offset of the error */
    char error[96];                  /* what was wrong, for FC_JSON_INVALID */
};

/* Prepares s (caller's storage) to scan one text into sink (borrowed). */
void fc_json_scan_init(struct fc_json_scan *s, const struct fc_json_sink *sink, void *ud);
/* Starts a new text, keeping the buffers' memory. */
void fc_json_scan_reset(struct fc_json_scan *s, const struct fc_json_sink *sink, void *ud);
/* Frees the buffers. */
void fc_json_scan_cleanup(struct fc_json_scan *s);
/* Scans the next n bytes of the text. After INVALID, error and error_at say
 * what and where; after INVALID or STOPPED the text cannot go on. */
enum fc_json_status fc_json_scan_feed(struct fc_json_scan *s, const char *p, size_t n);
/* The text has ended: completes a trailing number or literal, and is INVALID
 * when a string, a container or the value itself is unfinished. */
enum fc_json_status fc_json_scan_finish(struct fc_json_scan *s);
/* Text offset just past the token the sink is being told about (for a
 * container's start, just past its '{' or '['). */
static inline size_t fc_json_scan_pos(const struct fc_json_scan *s)
{
    return s->pos;
}

#endif
