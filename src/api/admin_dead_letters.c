/* Dead letters: a filtered, paged list; each one's exact bytes as a
 * download; retry (decoded again and applied, e.g. after an upgrade that
 * fixed a decoder); delete. SQL and decoding in store/dead_letters. */
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "store/db.h"
#include "store/dead_letters.h"

/* The path's :id (a positive integer); false after setting a 400. */
static bool id_param(struct fc_http_req *req, struct fc_http_resp *resp, uint64_t *id)
{
    const char *s = req->param[0];
    size_t n = strlen(s);
    bool ok = n > 0 && n <= 18 && strspn(s, "0123456789") == n;
    *id = ok ? strtoull(s, NULL, 10) : 0;
    if (!*id) {
        fc_http_error(resp, 400, "invalid_id", "id: a positive integer is required, got \"%.20s\"",
                      s);
        return false;
    }
    return true;
}

/* A filter of at most 200 printable ASCII characters, or NULL. */
static bool text_filter(struct fc_http_req *req, struct fc_http_resp *resp, const char *name,
                        const char **out)
{
    *out = fc_http_arg(req, name);
    if (!*out)
        return true;
    bool ok = **out && strlen(*out) <= 200;
    for (const char *c = *out; ok && *c; c++)
        ok = *c >= 0x20 && *c < 0x7f;
    if (!ok)
        fc_http_error(resp, 400, "invalid_filter", "%s: 1 to 200 printable characters", name);
    return ok;
}

void fc_api_admin_dead_letters(struct fc_http_req *req, struct fc_http_resp *resp)
{
    int limit, offset;
    const char *source, *reason;
    if (!fc_api_limit(req, resp, 50, 500, &limit) || !fc_api_offset_cursor(req, resp, &offset) ||
        !text_filter(req, resp, "source", &source) || !text_filter(req, resp, "reason", &reason))
        return;
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    fc_buf_reset(&resp->body);
    enum fc_err err = fc_dead_letters_list_json(db, source, reason, limit, offset, &resp->body,
                                                &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    resp->status = 200;
}

/* The path's :id and a pooled connection; NULL after answering. */
static struct fc_db *take_id_and_db(struct fc_http_req *req, struct fc_http_resp *resp,
                                    uint64_t *id)
{
    return id_param(req, resp, id) ? fc_api_take_db(req, resp) : NULL;
}

/* found, or false after a 404 naming dead letter id. */
static bool dead_letter_found(struct fc_http_resp *resp, bool found, uint64_t id)
{
    if (!found)
        fc_http_error(resp, 404, "not_found", "no dead letter %llu", (unsigned long long)id);
    return found;
}

void fc_api_admin_dead_letter_payload(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t id;
    struct fc_db *db = take_id_and_db(req, resp, &id);
    if (!db)
        return;
    struct fc_diag diag;
    bool found = false;
    fc_buf_reset(&resp->body);
    enum fc_err err = fc_dead_letters_payload(db, id, &resp->body, &found, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag) || !dead_letter_found(resp, found, id))
        return;
    /* the exact bytes as received, which need not be valid JSON */
    char disp[96];
    snprintf(disp, sizeof(disp), "attachment; filename=\"dead-letter-%llu.json\"",
             (unsigned long long)id);
    fc_http_add_header(resp, "Content-Disposition", disp);
    resp->content_type = "application/octet-stream";
    resp->status = 200;
}

void fc_api_admin_dead_letter_retry(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t id;
    if (!id_param(req, resp, &id))
        return;
    /* a connection of its own: the writer prepares its statements on it */
    struct fc_db_options o = fc_db_options_from(req->api->cfg);
    struct fc_db *db = NULL;
    struct fc_diag diag;
    if (fc_db_open(&o, &db, &diag)) {
        log_warn("api", "dead letter retry: %s", diag.msg);
        fc_http_add_header(resp, "Retry-After", "1");
        fc_http_error(resp, 503, "unavailable", "the database is unreachable; retry");
        return;
    }
    enum fc_dl_outcome outcome;
    char reason[600];
    enum fc_err err = fc_dead_letters_retry(db, id, &outcome, reason, sizeof(reason), &diag);
    fc_db_close(db);
    if (err) {
        fc_api_db_failed(req, resp, &diag);
        return;
    }
    char b[128];
    int n;
    switch (outcome) {
    case FC_DL_NOT_FOUND:
        dead_letter_found(resp, false, id);
        return;
    case FC_DL_STILL_INVALID:
        fc_http_error(resp, 422, "still_invalid", "%s", reason);
        return;
    default:
        log_info("api", "dead letter %llu retried: %s", (unsigned long long)id,
                 outcome == FC_DL_APPLIED ? "applied" : "about no target");
        n = snprintf(b, sizeof(b), "{\"id\":\"%llu\",\"outcome\":\"%s\"}", (unsigned long long)id,
                     outcome == FC_DL_APPLIED ? "applied" : "not_targeted");
        fc_http_json(resp, 200, b, (size_t)n);
    }
}

void fc_api_admin_dead_letter_delete(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t id;
    struct fc_db *db = take_id_and_db(req, resp, &id);
    if (!db)
        return;
    struct fc_diag diag;
    bool found = false;
    enum fc_err err = fc_dead_letters_delete(db, id, &found, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag) || !dead_letter_found(resp, found, id))
        return;
    char b[96];
    int n = snprintf(b, sizeof(b), "{\"id\":\"%llu\",\"deleted\":true}", (unsigned long long)id);
    fc_http_json(resp, 200, b, (size_t)n);
}
