/* Parameter parsing and database access shared by the handlers. */
#include "api/internal.h"
#include "api/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fid_parse.h"
#include "core/log.h"

bool fc_api_parse_fid(struct fc_http_resp *resp, const char *what, const char *s, uint64_t *fid)
{
    struct fc_diag diag;
    if (!s || fc_parse_fid(s, fid, &diag)) {
        fc_http_error(resp, 400, "invalid_fid", "%s: expected a decimal fid from 1 to "
                                                "9223372036854775807, got \"%.40s\"",
                      what, s ? s : "");
        return false;
    }
    return true;
}

bool fc_api_limit(const struct fc_http_req *req, struct fc_http_resp *resp, int def, int max,
                  int *out)
{
    const char *s = fc_http_arg(req, "limit");
    if (!s) {
        *out = def;
        return true;
    }
    if (!fc_api_parse_limit(s, max, out)) {
        fc_http_error(resp, 400, "invalid_limit", "limit: expected an integer from 1 to %d, got "
                                                  "\"%.20s\"", max, s);
        return false;
    }
    return true;
}

bool fc_api_int_arg(const struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
                    int def, int min, int max, int *out)
{
    const char *s = fc_http_arg(req, name);
    if (!s) {
        *out = def;
        return true;
    }
    long v = 0;
    bool ok = *s && strlen(s) <= 6;
    for (const char *c = s; ok && *c; c++)
        ok = *c >= '0' && *c <= '9';
    if (ok)
        v = strtol(s, NULL, 10);
    if (!ok || v < min || v > max) {
        fc_http_error(resp, 400, "invalid_argument", "%s: expected an integer from %d to %d, "
                                                     "got \"%.20s\"", name, min, max, s);
        return false;
    }
    *out = (int)v;
    return true;
}

bool fc_api_keyset_cursor(const struct fc_http_req *req, struct fc_http_resp *resp,
                          char ts_out[40], char hash_out[48])
{
    ts_out[0] = hash_out[0] = '\0';
    const char *s = fc_http_arg(req, "cursor");
    if (!s)
        return true;
    if (!fc_api_parse_keyset(s, ts_out, hash_out)) {
        ts_out[0] = hash_out[0] = '\0';
        fc_http_error(resp, 400, "invalid_cursor",
                      "cursor: not a cursor returned by this API (\"%.60s\")", s);
        return false;
    }
    return true;
}

bool fc_api_offset_cursor(const struct fc_http_req *req, struct fc_http_resp *resp, int *offset)
{
    const char *s = fc_http_arg(req, "cursor");
    *offset = 0;
    if (!s)
        return true;
    if (!fc_api_parse_offset(s, offset)) {
        fc_http_error(resp, 400, "invalid_cursor",
                      "cursor: not a cursor returned by this API (\"%.60s\")", s);
        return false;
    }
    return true;
}

struct fc_db *fc_api_take_db(struct fc_http_req *req, struct fc_http_resp *resp)
{
    if (req->probe) { /* no database on a connection thread */
        req->need_worker = true;
        resp->status = 0;
        return NULL;
    }
    struct fc_db *db = NULL;
    struct fc_diag diag;
    if (fc_pool_get(req->api->pool, 2000, &db, &diag)) {
        log_warn("api", "request %s: %s", req->request_id, diag.msg);
        fc_http_add_header(resp, "Retry-After", "1");
        fc_http_error(resp, 503, "unavailable", "the database is busy or unreachable; retry");
        return NULL;
    }
    return db;
}

void fc_api_db_failed(struct fc_http_req *req, struct fc_http_resp *resp,
                      const struct fc_diag *diag)
{
    log_error("api", "request %s: %s", req->request_id, diag->msg);
    fc_http_error(resp, 500, "internal", "internal error (request id %s)", req->request_id);
}

bool fc_api_put_db(struct fc_http_req *req, struct fc_http_resp *resp, struct fc_db *db,
                   enum fc_err err, const struct fc_diag *diag)
{
    fc_pool_put(req->api->pool, db);
    if (err)
        fc_api_db_failed(req, resp, diag);
    return !err;
}

static int run(struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
               const char *sql, int nparams, const char *const *params, struct fc_buf *body,
               struct fc_buf *deps)
{
    bool found = false;
    struct fc_diag diag;
    enum fc_err err = FC_OK;
    /* a statement that fails on the read replica is repeated on the primary */
    for (int attempt = 0; attempt < 2; attempt++) {
        struct fc_api_conn c;
        if (!fc_api_conn_take(req, resp, attempt > 0, &c))
            return -1;
        err = name ? fc_db_query_text2_prepared(c.db, name, sql, nparams, params, body, deps,
                                                &found, &diag)
                   : fc_db_query_text2(c.db, sql, nparams, params, body, deps, &found, &diag);
        fc_api_conn_give(req, &c, err != FC_OK);
        if (!err || !c.replica)
            break;
        log_warn("api", "request %s: on the read replica: %s (repeated on the primary)",
                 req->request_id, diag.msg);
    }
    if (err) {
        fc_api_db_failed(req, resp, &diag);
        return -1;
    }
    return found ? 1 : 0;
}

int fc_api_query(struct fc_http_req *req, struct fc_http_resp *resp, const char *sql,
                 int nparams, const char *const *params, struct fc_buf *body)
{
    return run(req, resp, NULL, sql, nparams, params, body, NULL);
}

int fc_api_query_deps(struct fc_http_req *req, struct fc_http_resp *resp, const char *sql,
                      int nparams, const char *const *params, struct fc_buf *body,
                      struct fc_buf *deps)
{
    return run(req, resp, NULL, sql, nparams, params, body, deps);
}

int fc_api_query_prepared(struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
                          const char *sql, int nparams, const char *const *params,
                          struct fc_buf *body, struct fc_buf *deps)
{
    return run(req, resp, name, sql, nparams, params, body, deps);
}

/* A fill that tells the cache how current its data is: a read replica's
 * answer is as of req->read_as_of_ms, not of the fill's start. */
struct dated_fill {
    fc_cache_fill_fn fill;
    void *arg;
    struct fc_http_req *req;
};

static bool fill_dated(void *arg, struct fc_cache_value *v)
{
    struct dated_fill *f = arg;
    int64_t before = f->req->read_as_of_ms;
    f->req->read_as_of_ms = 0;
    bool ok = f->fill(f->arg, v);
    v->as_of_ms = f->req->read_as_of_ms;
    if (before && (!f->req->read_as_of_ms || before < f->req->read_as_of_ms))
        f->req->read_as_of_ms = before;
    return ok;
}

void fc_api_cached(struct fc_http_req *req, struct fc_http_resp *resp, const char *key, int ttl_s,
                   fc_cache_fill_fn fill, void *arg)
{
    bool hit = false;
    int status = 0;
    fc_buf_reset(&resp->body);
    if (req->probe) { /* on a connection thread: a fresh entry or a query worker */
        hit = ttl_s > 0 && fc_cache_peek(req->api->cache, key, &status, &resp->body);
        if (!hit) {
            req->need_worker = true;
            resp->status = 0; /* no answer: nothing after this reads the body */
            return;
        }
    } else {
        struct dated_fill df = {fill, arg, req};
        fc_cache_get(req->api->cache, key, ttl_s, fill_dated, &df, &status, &resp->body, &hit);
    }
    resp->status = status;
    snprintf(resp->cache, sizeof(resp->cache), "%s", ttl_s > 0 ? (hit ? "hit" : "miss") : "");
}
