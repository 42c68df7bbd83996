#include "api/fill.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fc_api_depend_on_fids(struct fc_cache_value *v, const char *list)
{
    const char *p = list + (*list == '{');
    while (*p && *p != '}') {
        char *end;
        unsigned long long f = strtoull(p, &end, 10);
        if (end == p)
            break;
        fc_cache_value_depend(v, (uint64_t)f);
        p = *end == ',' ? end + 1 : end;
    }
}

bool fc_api_fill_failed(struct fc_cache_value *v, struct fc_http_resp *tmp)
{
    v->status = tmp->status;
    fc_buf_reset(&v->body);
    fc_buf_append(&v->body, tmp->body.data, tmp->body.len);
    fc_buf_cleanup(&tmp->body);
    fc_buf_cleanup(&tmp->headers);
    return false;
}

bool fc_api_qfill(void *arg, struct fc_cache_value *v)
{
    struct fc_api_qfill *q = arg;
    struct fc_http_resp tmp;
    memset(&tmp, 0, sizeof(tmp));
    struct fc_buf deps = FC_BUF_INIT;
    fc_buf_puts(&deps, "");
    int rc = q->prepared ? fc_api_query_prepared(q->req, &tmp, q->prepared, q->sql, q->n,
                                                 q->params, &v->body, &deps)
                         : fc_api_query_deps(q->req, &tmp, q->sql, q->n, q->params, &v->body,
                                             &deps);
    if (rc == 1) {
        v->status = 200;
        v->all = q->all;
        fc_api_depend_on_fids(v, deps.data);
    }
    fc_buf_cleanup(&deps);
    if (rc == 0)
        fc_http_error(&tmp, 404, "not_found", "%s", q->not_found);
    if (rc != 1)
        return fc_api_fill_failed(v, &tmp);
    fc_buf_cleanup(&tmp.body);
    fc_buf_cleanup(&tmp.headers);
    return true;
}

bool fc_api_list_args(struct fc_http_req *req, struct fc_http_resp *resp,
                      struct fc_api_list_args *a)
{
    uint64_t fid;
    int limit;
    if (!fc_api_parse_fid(resp, "fid", req->param[0], &fid) ||
        !fc_api_limit(req, resp, FC_API_PAGE_DEFAULT, FC_API_PAGE_MAX, &limit) ||
        !fc_api_keyset_cursor(req, resp, a->ts, a->hash))
        return false;
    snprintf(a->fid, sizeof(a->fid), "%llu", (unsigned long long)fid);
    snprintf(a->limit, sizeof(a->limit), "%d", limit);
    return true;
}

bool fc_api_offset_page(struct fc_http_req *req, struct fc_http_resp *resp,
                        struct fc_api_offset_page *pg)
{
    if (!fc_api_limit(req, resp, FC_API_PAGE_DEFAULT, FC_API_PAGE_MAX, &pg->limit) ||
        !fc_api_offset_cursor(req, resp, &pg->offset))
        return false;
    snprintf(pg->limit_text, sizeof(pg->limit_text), "%d", pg->limit);
    snprintf(pg->offset_text, sizeof(pg->offset_text), "%d", pg->offset);
    return true;
}

void fc_api_account_list(struct fc_http_req *req, struct fc_http_resp *resp, const char *kind,
                         const char *sql, int ttl_s, const char *const *extra, int n_extra)
{
    struct fc_api_list_args a;
    if (!fc_api_list_args(req, resp, &a))
        return;
    struct fc_buf key = FC_BUF_INIT;
    fc_buf_printf(&key, "%s:%s:%s:%s:%s", kind, a.fid, a.limit, a.ts, a.hash);
    struct fc_api_qfill q = {
        .req = req,
        .sql = sql,
        .n = 4 + n_extra,
        .params = {a.fid, *a.ts ? a.ts : NULL, *a.ts ? a.hash : NULL, a.limit}};
    for (int i = 0; i < n_extra && i < 4; i++) {
        q.params[4 + i] = extra[i];
        fc_buf_printf(&key, ":%s", extra[i] ? extra[i] : "");
    }
    snprintf(q.not_found, sizeof(q.not_found), "fid %s is not indexed", a.fid);
    fc_api_cached(req, resp, key.data, ttl_s, fc_api_qfill, &q);
    fc_buf_cleanup(&key);
}

void fc_api_cached_query(struct fc_http_req *req, struct fc_http_resp *resp, int ttl_s,
                         struct fc_api_qfill *q, const char *key_fmt, ...)
{
    struct fc_buf key = FC_BUF_INIT;
    va_list ap;
    va_start(ap, key_fmt);
    fc_buf_vprintf(&key, key_fmt, ap);
    va_end(ap);
    fc_api_cached(req, resp, key.data, ttl_s, fc_api_qfill, q);
    fc_buf_cleanup(&key);
}
