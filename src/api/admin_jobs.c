/* Job queue control: pause and resume (a switch in PostgreSQL that every
 * backfill worker of every process reads before each take), clearing the
 * pending or failed jobs (held in PostgreSQL, removed from the queue),
 * retrying every failed or held job, and per-state counts. */
#include "api/internal.h"
#include "api/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/log.h"
#include "store/jobctl.h"

/* {"pending":N,...} of the shared queue, or null when it cannot say. */
static void queue_counts(struct fc_api *api, struct fc_buf *out)
{
    struct fc_jobq_counts c = {0, 0, 0, 0};
    struct fc_diag d;
    if (fc_jobq_counts(api->jobq, &c, &d) == FC_OK)
        fc_buf_printf(out, "{\"pending\":%zu,\"running\":%zu,\"delayed\":%zu,\"failed\":%zu}",
                      c.pending, c.running, c.delayed, c.failed);
    else
        fc_buf_puts(out, "null");
}

void fc_api_admin_jobs_stats(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_buf body = FC_BUF_INIT;
    struct fc_diag diag;
    enum fc_err err = fc_jobctl_stats_json(db, &body, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag)) {
        fc_buf_cleanup(&body);
        return;
    }
    /* the PostgreSQL object gains the queue's own counts */
    body.len--;
    fc_buf_puts(&body, ",\"queue\":");
    queue_counts(req->api, &body);
    fc_buf_puts(&body, "}");
    fc_http_json(resp, 200, body.data, body.len);
    fc_buf_cleanup(&body);
}

static void set_paused(struct fc_http_req *req, struct fc_http_resp *resp, bool paused)
{
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    bool changed = false;
    enum fc_err err = fc_jobctl_set_paused(db, paused, "admin api", &changed, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    if (changed)
        log_info("api", "job queue %s by %s", paused ? "paused" : "resumed", req->ip);
    char b[64];
    int n = snprintf(b, sizeof(b), "{\"paused\":%s,\"changed\":%s}", paused ? "true" : "false",
                     changed ? "true" : "false");
    fc_http_json(resp, 200, b, (size_t)n);
}

void fc_api_admin_jobs_pause(struct fc_http_req *req, struct fc_http_resp *resp)
{
    set_paused(req, resp, true);
}

void fc_api_admin_jobs_resume(struct fc_http_req *req, struct fc_http_resp *resp)
{
    set_paused(req, resp, false);
}

static yajl_val field(yajl_val obj, const char *name)
{
    return fc_api_body_field(obj, name);
}

/* Body {"state":"pending"|"failed","confirm":true}: the confirmation field
 * guards against a stray request emptying the queue. */
void fc_api_admin_jobs_clear(struct fc_http_req *req, struct fc_http_resp *resp)
{
    static const char *const allowed[] = {"state", "confirm", NULL};
    yajl_val body = fc_api_request_object(req, resp, allowed);
    if (!body)
        return;
    yajl_val st = field(body, "state"), confirm = field(body, "confirm");
    bool failed = st && YAJL_IS_STRING(st) && strcmp(st->u.string, "failed") == 0;
    bool pending = st && YAJL_IS_STRING(st) && strcmp(st->u.string, "pending") == 0;
    bool confirmed = confirm && YAJL_IS_TRUE(confirm);
    yajl_tree_free(body);
    if (!failed && !pending) {
        fc_http_error(resp, 400, "invalid_field", "state: \"pending\" or \"failed\" is required");
        return;
    }
    if (!confirmed) {
        fc_http_error(resp, 400, "confirmation_required",
                      "confirm: true is required to clear the %s jobs",
                      failed ? "failed" : "pending");
        return;
    }
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    size_t held = 0, removed = 0;
    /* PostgreSQL first: a held job is never queued again, whatever the queue holds */
    enum fc_err err = fc_jobctl_clear(db, failed, &held, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    struct fc_diag d;
    if (fc_jobq_clear(req->api->jobq, failed, &removed, &d))
        log_warn("api", "job queue: %s (the held jobs are skipped when taken)", d.msg);
    log_info("api", "%zu %s jobs cleared by %s", held, failed ? "failed" : "pending", req->ip);
    char b[128];
    int n = snprintf(b, sizeof(b), "{\"state\":\"%s\",\"cleared\":%zu,\"queue_removed\":%zu}",
                     failed ? "failed" : "pending", held, removed);
    fc_http_json(resp, 200, b, (size_t)n);
}

void fc_api_admin_jobs_retry_all(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    uint64_t *fids = NULL;
    size_t n = 0;
    enum fc_err err = fc_jobctl_retry_all(db, &fids, &n, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    for (size_t i = 0; i < n; i++) {
        struct fc_diag d;
        enum fc_err qerr = fc_jobq_retry(req->api->jobq, fids[i], &d);
        if (!qerr || qerr == FC_ERR_NOT_FOUND) /* not failed in the queue: queue it */
            qerr = fc_jobq_push(req->api->jobq, fids[i], NULL, &d);
        if (qerr)
            log_warn("api", "job queue: %s (the indexer re-reads pending work from PostgreSQL)",
                     d.msg);
    }
    free(fids);
    char b[64];
    int len = snprintf(b, sizeof(b), "{\"retried\":%zu}", n);
    fc_http_json(resp, 202, b, (size_t)len);
}
