#include "core/json_scan.h"

#include <string.h>

#include "core/json_scan_loop.h"

void fc_json_scan_init(struct fc_json_scan *s, const struct fc_json_sink *sink, void *ud)
{
    memset(s, 0, sizeof(*s));
    s->sink = sink;
    s->ud = ud;
}

void fc_json_scan_reset(struct fc_json_scan *s, const struct fc_json_sink *sink, void *ud)
{
    struct fc_buf token = s->token, unescaped = s->unescaped;
    fc_buf_reset(&token);
    fc_buf_reset(&unescaped);
    fc_json_scan_init(s, sink, ud);
    s->token = token;
    s->unescaped = unescaped;
}

void fc_json_scan_cleanup(struct fc_json_scan *s)
{
    fc_buf_cleanup(&s->token);
    fc_buf_cleanup(&s->unescaped);
}

enum fc_json_status fc_json_scan_feed(struct fc_json_scan *s, const char *p, size_t n)
{
    return fc_json_scan_feed_with(s, s->sink, p, n);
}

enum fc_json_status fc_json_scan_finish(struct fc_json_scan *s)
{
    s->pos = s->base;
    if (s->pending == FC_JP_STRING)
        return bad(s, s->base - s->token.len, "unterminated string");
    if (s->pending != FC_JP_NONE) {
        enum fc_json_status st = cut_token(s, s->sink);
        if (st != FC_JSON_OK)
            return st;
    }
    if (s->depth)
        return bad(s, s->base, "%d %s left open", s->depth,
                   s->depth == 1 ? "container" : "containers");
    if (s->expect != FC_JX_DONE)
        return bad(s, s->base, "no JSON value");
    return FC_JSON_OK;
}
