/* Request helpers shared by the endpoint families: query arguments, replies
 * and errors in each server's own shape, paging parameters and the generic
 * page writer over an ordered item source. */
#include "internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/base64.h"

const char *req_arg(const struct req *r, const char *name)
{
    for (size_t i = 0; i < r->n; i++)
        if (strcmp(r->keys[i], name) == 0)
            return *r->vals[i] ? r->vals[i] : NULL; /* empty = absent, as on both servers */
    return NULL;
}

/* Snapchain accepts snake_case and camelCase paging names; snake wins. */
const char *req_arg2(const struct req *r, const char *snake, const char *camel)
{
    const char *v = r->snap ? req_arg(r, snake) : NULL;
    return v ? v : req_arg(r, camel);
}

void req_reply(struct req *r, int status, const char *ctype, const char *body)
{
    r->resp->status = status;
    r->resp->content_type = ctype;
    fc_buf_reset(&r->resp->body);
    fc_buf_puts(&r->resp->body, body);
}

/* Bad or missing parameter, in each server's own shape. */
void req_bad_param(struct req *r, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (r->snap) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_printf(&b, "Invalid query parameters: %s", msg);
        req_reply(r, 400, NULL, b.data);
        fc_buf_cleanup(&b);
        return;
    }
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "{\"errCode\":\"bad_request.validation_failure\",\"presentable\":false,"
                    "\"name\":\"HubError\",\"code\":3,\"details\":");
    fc_buf_json_str(&b, msg, strlen(msg));
    fc_buf_puts(&b, ",\"metadata\":{}}");
    req_reply(r, 400, "application/json", b.data);
    fc_buf_cleanup(&b);
}

void req_not_found(struct req *r, const char *what)
{
    struct fc_buf b = FC_BUF_INIT;
    if (r->snap)
        fc_buf_printf(&b, "{\"error\":\"Failed to get %s\",\"error_detail\":\"status: NotFound, "
                          "message: \\\"%s not found\\\", details: [], metadata: MetadataMap "
                          "{ headers: {} }\"}", what, what);
    else
        fc_buf_printf(&b, "{\"errCode\":\"not_found\",\"presentable\":false,\"name\":\"HubError\","
                          "\"code\":5,\"details\":\"%s not found\",\"metadata\":{}}", what);
    req_reply(r, 400, "application/json", b.data);
    fc_buf_cleanup(&b);
}

void req_unknown_route(struct req *r, const char *method)
{
    if (r->snap) {
        req_reply(r, 404, NULL, "Not Found");
        return;
    }
    struct fc_buf b = FC_BUF_INIT;
    fc_buf_puts(&b, "{\"message\":");
    char m[600];
    snprintf(m, sizeof(m), "Route %s:%.500s not found", method, r->path);
    fc_buf_json_str(&b, m, strlen(m));
    fc_buf_puts(&b, ",\"error\":\"Not Found\",\"statusCode\":404}");
    req_reply(r, 404, "application/json", b.data);
    fc_buf_cleanup(&b);
}

bool req_parse_u64(const char *s, uint64_t *out)
{
    if (!s || !*s || strlen(s) > 20)
        return false;
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return false;
        uint64_t nv = v * 10 + (uint64_t)(*p - '0');
        if (nv / 10 != v)
            return false;
        v = nv;
    }
    *out = v;
    return true;
}

/* Required unsigned parameter; replies with the server's error when bad. */
bool req_need_u64(struct req *r, const char *name, uint64_t *out)
{
    const char *v = req_arg(r, name);
    if (!v) {
        req_bad_param(r, "missing field `%s`", name);
        return false;
    }
    if (!req_parse_u64(v, out)) {
        req_bad_param(r, "%s: invalid digit found in string", name);
        return false;
    }
    return true;
}

bool req_parse_paging(struct req *r, struct paging *pg)
{
    bool raw = pg->raw_token_only;
    memset(pg, 0, sizeof(*pg));
    pg->raw_token_only = raw;
    pg->page_size = 1000;
    const char *ps = req_arg2(r, "page_size", "pageSize");
    if (ps) {
        if (!req_parse_u64(ps, &pg->page_size)) {
            req_bad_param(r, "page_size: invalid digit found in string");
            return false;
        }
        if (pg->page_size == 0)
            pg->page_size = 1000;
        /* Hubble clamps to 1000; Snapchain does not, we bound memory. */
        if (!r->snap && pg->page_size > 1000)
            pg->page_size = 1000;
        if (pg->page_size > MAX_PAGE_SIZE)
            pg->page_size = MAX_PAGE_SIZE;
    }
    const char *rev = req_arg(r, "reverse");
    if (rev) {
        if (r->snap) {
            if (strcmp(rev, "true") == 0)
                pg->reverse = true;
            else if (strcmp(rev, "false") != 0) {
                req_bad_param(r, "reverse: provided string was not `true` or `false`");
                return false;
            }
        } else {
            pg->reverse = true; /* Hubble: any non-empty value means true */
        }
    }
    const char *tok = req_arg2(r, "page_token", "pageToken");
    if (tok && pg->raw_token_only) {
        snprintf(pg->raw_token, sizeof(pg->raw_token), "%s", tok);
        for (char *c = pg->raw_token; *c; c++)
            if (*c == ' ')
                *c = '+';
        pg->has_token = pg->raw_token[0] != '\0';
    } else if (tok) {
        char fixed[128];
        snprintf(fixed, sizeof(fixed), "%s", tok);
        for (char *c = fixed; *c; c++)
            if (*c == ' ')
                *c = '+'; /* an unencoded '+' arrives as a space */
        if (fc_base64_decode(fixed, strlen(fixed), pg->token, sizeof(pg->token), &pg->token_len,
                             NULL) != FC_OK) {
            req_bad_param(r, "page_token: invalid page token");
            return false;
        }
        pg->has_token = pg->token_len > 0;
    }
    return true;
}


/* Writes `"messages":[...],"nextPageToken":"..."` for the page pg asks. */
void req_page_messages(struct req *r, const struct items *it, const struct paging *pg,
                          const char *array_key, bool always_token, struct fc_buf *out)
{
    size_t start = 0;
    uint8_t k[24];
    if (pg->has_token) {
        if (pg->token_len != 24) {
            req_bad_param(r, "page_token: invalid page token");
            return;
        }
        if (!pg->reverse) {
            while (start < it->n) {
                it->key(it->ctx, start, k);
                if (memcmp(k, pg->token, 24) > 0)
                    break;
                start++;
            }
        } else {
            start = it->n;
            while (start > 0) {
                it->key(it->ctx, start - 1, k);
                if (memcmp(k, pg->token, 24) < 0)
                    break;
                start--;
            }
            start = it->n - start;
        }
    }
    fc_buf_printf(out, "{\"%s\":[", array_key);
    size_t count = 0;
    size_t last = 0;
    for (size_t pos = start; pos < it->n && count < pg->page_size; pos++, count++) {
        size_t i = pg->reverse ? it->n - 1 - pos : pos;
        if (count)
            fc_buf_putc(out, ',');
        it->render(it->ctx, i, out);
        last = i;
    }
    fc_buf_puts(out, "]");
    if (count == pg->page_size && count) {
        /* A full page gets a token even when it is the last (as on real hubs). */
        it->key(it->ctx, last, k);
        char tok[64];
        fc_base64_encode(k, 24, tok);
        fc_buf_printf(out, ",\"nextPageToken\":\"%s\"}", tok);
    } else {
        fc_buf_puts(out, always_token ? ",\"nextPageToken\":\"\"}" : "}");
    }
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}
