/* What handlers read from a request and write into a response: query
 * arguments, headers, cookies, extra headers, JSON bodies and errors. */
#include "api/http.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *fc_http_arg(const struct fc_http_req *r, const char *key)
{
    return MHD_lookup_connection_value(r->conn, MHD_GET_ARGUMENT_KIND, key);
}

const char *fc_http_header(const struct fc_http_req *r, const char *name)
{
    return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

bool fc_http_cookie(const struct fc_http_req *r, const char *name, char *out, size_t out_size)
{
    const char *v = MHD_lookup_connection_value(r->conn, MHD_COOKIE_KIND, name);
    if (!v || strlen(v) >= out_size)
        return false;
    memcpy(out, v, strlen(v) + 1);
    return true;
}

void fc_http_add_header(struct fc_http_resp *resp, const char *name, const char *value)
{
    fc_buf_printf(&resp->headers, "%s: %s\n", name, value);
}

void fc_http_error(struct fc_http_resp *resp, int status, const char *code, const char *fmt, ...)
{
    char msg[768];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    resp->status = status;
    fc_buf_reset(&resp->body);
    fc_buf_puts(&resp->body, "{\"error\":{\"code\":");
    fc_buf_json_str(&resp->body, code, strlen(code));
    fc_buf_puts(&resp->body, ",\"message\":");
    fc_buf_json_str(&resp->body, msg, strlen(msg));
    fc_buf_puts(&resp->body, "}}");
}

void fc_http_json(struct fc_http_resp *resp, int status, const char *json, size_t len)
{
    resp->status = status;
    fc_buf_reset(&resp->body);
    fc_buf_append(&resp->body, json, len);
}

