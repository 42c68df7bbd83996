/* The web UI's files from the binary (see ui.h and docs/ui.md). */
#include "api/ui.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "api/ui_assets.h"

const char fc_api_ui_csp[] =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'; "
    "object-src 'none'";

bool fc_api_ui_path(const char *path)
{
    return strcmp(path, "/") == 0 || strncmp(path, "/ui/", 4) == 0;
}

static const struct fc_ui_asset *find(const char *name)
{
    for (const struct fc_ui_asset *a = fc_ui_assets; a->name; a++)
        if (strcmp(a->name, name) == 0)
            return a;
    return NULL;
}

/* Whether a comma-separated header list holds token (case-insensitive),
 * not refused by ";q=0". */
static bool accepts(const char *list, const char *token)
{
    size_t tl = strlen(token);
    for (const char *p = list; p && *p;) {
        while (*p == ' ' || *p == ',')
            p++;
        size_t n = strcspn(p, ",");
        if (n >= tl && strncasecmp(p, token, tl) == 0 &&
            (p[tl] == ',' || p[tl] == ';' || p[tl] == ' ' || p[tl] == '\0')) {
            const char *q = strstr(p, "q=");
            bool refused = q && q < p + n && strncmp(q, "q=0", 3) == 0 &&
                           strspn(q + 3, ".0") == strcspn(q + 3, ", ");
            return !refused;
        }
        p += n;
    }
    return false;
}

/* If-None-Match naming etag (quoted, either encoding's form) or "*". */
static bool not_modified(const char *inm, const char *etag)
{
    if (!inm)
        return false;
    if (strcmp(inm, "*") == 0)
        return true;
    size_t el = strlen(etag);
    for (const char *p = inm; (p = strchr(p, '"')) != NULL; p++) {
        if (strncmp(p + 1, etag, el) == 0 &&
            (p[1 + el] == '"' || strncmp(p + 1 + el, "-gz\"", 4) == 0))
            return true;
        p = strchr(p + 1, '"');
        if (!p)
            break;
    }
    return false;
}

void fc_api_ui_serve(const struct fc_http_req *req, struct fc_http_resp *resp)
{
    if (strcmp(req->method, "GET") != 0) {
        fc_http_add_header(resp, "Allow", "GET, HEAD");
        fc_http_error(resp, 405, "method_not_allowed", "%s is not allowed on %s (allowed: GET, HEAD)",
                      req->method, req->path);
        return;
    }
    const struct fc_ui_asset *a = NULL;
    bool immutable = false;
    if (strcmp(req->path, "/") == 0) {
        a = find("index.html");
    } else {
        const char *v = req->path + 4; /* after "/ui/" */
        size_t vl = strlen(fc_ui_version);
        if (strncmp(v, fc_ui_version, vl) == 0 && v[vl] == '/' && !strstr(v, "..")) {
            a = find(v + vl + 1);
            immutable = true;
        }
    }
    if (!a) {
        fc_http_error(resp, 404, "not_found",
                      "no UI file %s (assets live under /ui/%s/; reload the page)", req->path,
                      fc_ui_version);
        return;
    }
    bool gz = accepts(fc_http_header(req, "Accept-Encoding"), "gzip");
    char etag[64];
    snprintf(etag, sizeof(etag), "\"%s%s\"", a->etag, gz ? "-gz" : "");
    fc_http_add_header(resp, "ETag", etag);
    fc_http_add_header(resp, "Vary", "Accept-Encoding");
    fc_http_add_header(resp, "Cache-Control",
                       immutable ? "public, max-age=31536000, immutable" : "no-cache");
    resp->content_type = a->type;
    if (not_modified(fc_http_header(req, "If-None-Match"), a->etag)) {
        resp->status = 304;
        fc_buf_reset(&resp->body);
        return;
    }
    resp->status = 200;
    fc_buf_reset(&resp->body);
    if (gz) {
        fc_http_add_header(resp, "Content-Encoding", "gzip");
        fc_buf_append(&resp->body, a->gz, a->gz_len);
    } else {
        fc_buf_append(&resp->body, a->data, a->len);
    }
}
