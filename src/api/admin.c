/* Admin routes (session cookie checked by the server) and the auth routes.
 * Every change is written to PostgreSQL first, then to the shared target
 * sets and the job queue, so it reaches the indexer at once. */
#include "api/internal.h"
#include "api/body.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "core/fctime.h"
#include "store/jobctl.h"
#include "core/log.h"
#include "api/status.h"
#include "store/target_list.h"
#include "store/targets.h"

/* ---- helpers ---- */

/* The request body as a JSON object with only the allowed keys; NULL
 * after setting the error response. */
static yajl_val body_object(struct fc_http_req *req, struct fc_http_resp *resp,
                            const char *const *allowed)
{
    const char *ct = fc_http_header(req, "Content-Type");
    if (ct && strncmp(ct, "application/json", 16) != 0) {
        fc_http_error(resp, 415, "unsupported_media_type",
                      "send the body as application/json, not \"%.60s\"", ct);
        return NULL;
    }
    const char *code = NULL;
    char msg[400];
    yajl_val v = fc_api_body_object(req->body, req->body_len, allowed, &code, msg, sizeof(msg));
    if (!v)
        fc_http_error(resp, 400, strcmp(code, "too_deep") == 0 ? "invalid_json" : code, "%s",
                      msg);
    return v;
}

yajl_val fc_api_request_object(struct fc_http_req *req, struct fc_http_resp *resp,
                               const char *const *allowed)
{
    return body_object(req, resp, allowed);
}

static yajl_val field(yajl_val obj, const char *name)
{
    return fc_api_body_field(obj, name);
}

/* A fid given as a JSON integer or a decimal string. */
static bool body_fid(struct fc_http_resp *resp, yajl_val obj, uint64_t *fid)
{
    char tmp[32];
    if (!fc_api_body_fid_text(obj, tmp)) {
        fc_http_error(resp, 400, "invalid_fid", "fid: a positive integer is required");
        return false;
    }
    return fc_api_parse_fid(resp, "fid", tmp, fid);
}

static bool body_bool(struct fc_http_resp *resp, yajl_val obj, const char *name, bool def,
                      bool *out)
{
    if (!fc_api_body_bool(obj, name, def, out)) {
        fc_http_error(resp, 400, "invalid_field", "%s: expected true or false", name);
        return false;
    }
    return true;
}

static void state_add(struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_add(s, fid, &d))
        log_warn("api", "target set: %s (healed at the next start)", d.msg);
}

static void state_remove(struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_remove(s, fid, &d))
        log_warn("api", "target set: %s (healed at the next start)", d.msg);
}

/* Through the job queue every backfill worker of the instance reads. */
static void enqueue(struct fc_api *api, uint64_t fid)
{
    struct fc_diag d;
    bool queued;
    if (fc_jobq_push(api->jobq, fid, &queued, &d))
        log_warn("api", "job queue: %s (the indexer re-reads pending work from PostgreSQL)",
                 d.msg);
}

static void json_query(struct fc_http_req *req, struct fc_http_resp *resp, const char *sql, int n,
                       const char *const *params, int status, const char *not_found)
{
    fc_buf_reset(&resp->body);
    int rc = fc_api_query(req, resp, sql, n, params, &resp->body);
    if (rc == 1)
        resp->status = status;
    else if (rc == 0)
        fc_http_error(resp, 404, "not_found", "%s", not_found);
}

/* Removes fid from a table with fn (fc_targets_remove, fc_clients_remove);
 * true when it was there, otherwise the error response is set. */
static bool remove_fid(struct fc_http_req *req, struct fc_http_resp *resp,
                       enum fc_err (*fn)(struct fc_db *, uint64_t, bool *, struct fc_diag *),
                       const char *what, uint64_t *fid)
{
    if (!fc_api_parse_fid(resp, "fid", req->param[0], fid))
        return false;
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return false;
    struct fc_diag diag;
    bool removed = false;
    enum fc_err err = fn(db, *fid, &removed, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return false;
    if (!removed)
        fc_http_error(resp, 404, "not_found", "fid %llu is not %s", (unsigned long long)*fid, what);
    return removed;
}

static void removed_body(struct fc_http_resp *resp, uint64_t fid)
{
    char b[96];
    int n = snprintf(b, sizeof(b), "{\"fid\":%llu,\"removed\":true}", (unsigned long long)fid);
    fc_http_json(resp, 200, b, (size_t)n);
}

/* ---- targets ---- */

static const char target_json_sql[] =
    "SELECT json_build_object('fid', t.fid, 'root', t.is_root, 'source', t.source, "
    "'username', u.username, 'display_name', u.display_name, 'added_at', fc_iso(t.added_at), "
    "'last_synced_at', fc_iso(t.last_synced_at), 'backfill_attempts', t.backfill_attempts, "
    "'last_error', t.last_error)::text FROM targets t LEFT JOIN users u ON u.fid = t.fid "
    "WHERE t.fid = $1";

/* Filters, sort and paging of the target list; SQL in store/target_list. */
void fc_api_admin_targets(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_target_filter f = {
        .root = fc_http_arg(req, "root"),
        .synced = fc_http_arg(req, "synced"),
        .state = fc_http_arg(req, "state"),
        .source = fc_http_arg(req, "source"),
        .q = fc_http_arg(req, "q"),
        .added_after = fc_http_arg(req, "added_after"),
        .added_before = fc_http_arg(req, "added_before"),
        .synced_after = fc_http_arg(req, "synced_after"),
        .synced_before = fc_http_arg(req, "synced_before"),
        .sort = fc_http_arg(req, "sort"),
    };
    if (!fc_api_limit(req, resp, 50, 500, &f.limit) || !fc_api_offset_cursor(req, resp, &f.offset))
        return;
    const char *problem = fc_target_filter_problem(&f);
    if (problem) {
        bool sort = strncmp(problem, "sort:", 5) == 0;
        fc_http_error(resp, 400, sort ? "invalid_sort" : "invalid_filter", "%s", problem);
        return;
    }
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    fc_buf_reset(&resp->body);
    enum fc_err err = fc_target_list_json(db, &f, &resp->body, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    resp->status = 200;
}

void fc_api_admin_target_add(struct fc_http_req *req, struct fc_http_resp *resp)
{
    yajl_val body = body_object(req, resp, fc_api_target_add_fields);
    if (!body)
        return;
    uint64_t fid;
    bool root;
    if (!body_fid(resp, body, &fid) || !body_bool(resp, body, "root", true, &root)) {
        yajl_tree_free(body);
        return;
    }
    yajl_tree_free(body);
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_api *api = req->api;
    char f[24];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    char existed[8] = "";
    struct fc_diag diag;
    const char *p[] = {f};
    bool added = false;
    enum fc_err err = fc_db_query_value(db, "SELECT is_root::text FROM targets WHERE fid = $1", 1,
                                        p, existed, sizeof(existed), &diag);
    if (!err)
        err = fc_targets_add(db, fid, root, "admin", &added, &diag);
    if (!err && *existed && root && strcmp(existed, "false") == 0) {
        bool found;
        err = fc_targets_set_root(db, fid, true, &found, &diag);
        added = true;
    }
    fc_pool_put(api->pool, db);
    if (err) {
        fc_api_db_failed(req, resp, &diag);
        return;
    }
    state_add(api->targets, fid);
    if (root)
        state_add(api->roots, fid);
    if (added)
        enqueue(api, fid);
    fc_api_invalidate(api, &fid, 1);
    json_query(req, resp, target_json_sql, 1, p, *existed ? 200 : 201, "target vanished");
}

void fc_api_admin_target_put(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t fid;
    if (!fc_api_parse_fid(resp, "fid", req->param[0], &fid))
        return;
    yajl_val body = body_object(req, resp, fc_api_target_put_fields);
    if (!body)
        return;
    bool root;
    bool has = field(body, "root") != NULL;
    bool ok = body_bool(resp, body, "root", false, &root);
    yajl_tree_free(body);
    if (!ok)
        return;
    if (!has) {
        fc_http_error(resp, 400, "invalid_field", "root: required (true promotes, false demotes)");
        return;
    }
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    bool found = false;
    uint64_t *added, *dropped;
    size_t n_added, n_dropped;
    /* the reach changes with the roots: recomputed at once */
    enum fc_err err = fc_targets_set_root_reach(db, fid, root, req->api->cfg->expansion_depth,
                                                &found, &added, &n_added, &dropped, &n_dropped,
                                                &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    for (size_t i = 0; i < n_added; i++) {
        state_add(req->api->targets, added[i]);
        enqueue(req->api, added[i]);
    }
    for (size_t i = 0; i < n_dropped; i++)
        state_remove(req->api->targets, dropped[i]);
    fc_api_invalidate(req->api, dropped, n_dropped);
    free(added);
    free(dropped);
    char f[24];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    if (!found) {
        fc_http_error(resp, 404, "not_found", "fid %s is not a target", f);
        return;
    }
    if (root) {
        state_add(req->api->roots, fid);
        enqueue(req->api, fid); /* a new root's follows are expanded by its backfill */
    } else {
        state_remove(req->api->roots, fid);
    }
    fc_api_invalidate(req->api, &fid, 1);
    const char *p[] = {f};
    json_query(req, resp, target_json_sql, 1, p, 200, "target vanished");
}

void fc_api_admin_target_delete(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t fid;
    if (!remove_fid(req, resp, fc_targets_remove, "a target", &fid))
        return;
    state_remove(req->api->targets, fid);
    state_remove(req->api->roots, fid);
    fc_api_invalidate(req->api, &fid, 1);
    removed_body(resp, fid);
}

/* The path's fid as a decimal SQL parameter; false after setting a 400. */
static bool fid_param(struct fc_http_req *req, struct fc_http_resp *resp, const char *what,
                      uint64_t *fid, char f[24])
{
    if (!fc_api_parse_fid(resp, what, req->param[0], fid))
        return false;
    snprintf(f, 24, "%llu", (unsigned long long)*fid);
    return true;
}

/* Marks a target pending again and queues it (a failed job comes back);
 * the pending mark goes first, so a lost queue entry is re-derived from it. */
static void queue_again(struct fc_http_req *req, struct fc_http_resp *resp, const char *what,
                        const char *returning)
{
    uint64_t fid;
    char f[24], sql[512];
    if (!fid_param(req, resp, what, &fid, f))
        return;
    snprintf(sql, sizeof(sql),
             "UPDATE targets SET last_synced_at = NULL, backfill_attempts = 0, last_error = NULL, "
             "backfill_held_at = NULL "
             "WHERE fid = $1 RETURNING %s::text", returning);
    const char *p[] = {f};
    json_query(req, resp, sql, 1, p, 202, "not a target");
    if (resp->status == 202) {
        struct fc_diag d;
        enum fc_err qerr = fc_jobq_retry(req->api->jobq, fid, &d);
        if (qerr && qerr != FC_ERR_NOT_FOUND) /* not failed in the queue: enqueued below */
            log_warn("api", "job queue: %s (the indexer re-reads pending work from PostgreSQL)",
                     d.msg);
        enqueue(req->api, fid);
    }
}

void fc_api_admin_target_backfill(struct fc_http_req *req, struct fc_http_resp *resp)
{
    queue_again(req, resp, "fid", "json_build_object('fid', fid, 'queued', true)");
}

/* A target's counts per message kind, its sync and its backfill job's state
 * (the detail page shows them together). */
void fc_api_admin_target_stats(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t fid;
    char f[24];
    if (!fid_param(req, resp, "fid", &fid, f))
        return;
    const char *p[] = {f};
    char sql[2048];
    snprintf(sql, sizeof(sql),
             "SELECT json_build_object('fid', t.fid, 'root', t.is_root, 'source', t.source, "
             "'username', u.username, 'display_name', u.display_name, "
             "'added_at', fc_iso(t.added_at), 'state', %s, "
             "'backfill_attempts', t.backfill_attempts, "
             "'last_synced_at', fc_iso(t.last_synced_at), 'last_error', t.last_error, "
             "'casts', (SELECT count(*) FROM casts WHERE fid = t.fid AND deleted_at IS NULL "
             "  AND text IS NOT NULL), "
             "'casts_deleted', (SELECT count(*) FROM casts WHERE fid = t.fid AND deleted_at IS "
             "  NOT NULL), "
             "'reactions', (SELECT count(*) FROM reactions WHERE fid = t.fid AND NOT is_remove "
             "  AND deleted_at IS NULL), "
             "'reactions_received', (SELECT count(*) FROM reactions WHERE target_fid = t.fid "
             "  AND NOT is_remove AND deleted_at IS NULL), "
             "'followers', (SELECT count(DISTINCT fid) FROM links WHERE target_fid = t.fid AND "
             "  type = 'follow' AND NOT is_remove AND deleted_at IS NULL), "
             "'following', (SELECT count(DISTINCT target_fid) FROM links WHERE fid = t.fid AND "
             "  type = 'follow' AND NOT is_remove AND deleted_at IS NULL), "
             "'verifications', (SELECT count(*) FROM verifications WHERE fid = t.fid AND NOT "
             "  is_remove AND deleted_at IS NULL))::text "
             "FROM targets t LEFT JOIN users u ON u.fid = t.fid WHERE t.fid = $1",
             fc_jobctl_state_case);
    json_query(req, resp, sql, 1, p, 200, "not a target");
}

/* ---- client apps ---- */

/* Each app with how many indexed users signed up through it and the first
 * 50 of them by fid (the page names them; the count says how many more). */
void fc_api_admin_clients(struct fc_http_req *req, struct fc_http_resp *resp)
{
    json_query(req, resp,
               "SELECT json_build_object('clients', coalesce(json_agg(json_build_object("
               "'fid', c.client_fid, 'source', c.source, 'added_at', fc_iso(c.added_at), "
               "'users', (SELECT count(*) FROM users u WHERE u.app_fid = c.client_fid), "
               "'user_list', coalesce((SELECT json_agg(fc_user_brief(x.fid) ORDER BY x.fid) "
               "  FROM (SELECT u.fid FROM users u WHERE u.app_fid = c.client_fid "
               "  ORDER BY u.fid LIMIT 50) x), '[]')) "
               "ORDER BY c.client_fid), '[]'))::text FROM target_clients c",
               0, NULL, 200, "no clients");
}

void fc_api_admin_client_add(struct fc_http_req *req, struct fc_http_resp *resp)
{
    yajl_val body = body_object(req, resp, fc_api_client_add_fields);
    if (!body)
        return;
    uint64_t fid;
    bool ok = body_fid(resp, body, &fid);
    yajl_tree_free(body);
    if (!ok)
        return;
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    struct fc_diag diag;
    enum fc_err err = fc_clients_add(db, fid, "admin", &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    state_add(req->api->clients, fid);
    char b[96];
    int n = snprintf(b, sizeof(b), "{\"fid\":%llu,\"added\":true}", (unsigned long long)fid);
    fc_http_json(resp, 201, b, (size_t)n);
}

void fc_api_admin_client_delete(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t fid;
    if (!remove_fid(req, resp, fc_clients_remove, "a client app", &fid))
        return;
    state_remove(req->api->clients, fid);
    removed_body(resp, fid);
}

/* ---- jobs ---- */

void fc_api_admin_jobs(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_jobq_counts c = {0, 0, 0, 0};
    struct fc_diag d;
    bool have = fc_jobq_counts(req->api->jobq, &c, &d) == FC_OK;
    char counts[256];
    if (have)
        snprintf(counts, sizeof(counts),
                 "{\"pending\":%zu,\"running\":%zu,\"delayed\":%zu,\"failed\":%zu}", c.pending,
                 c.running, c.delayed, c.failed);
    else
        snprintf(counts, sizeof(counts), "null");
    const char *p[] = {counts};
    json_query(req, resp,
               "SELECT json_build_object('counts', $1::json, "
               "'unsynced', (SELECT count(*) FROM targets WHERE last_synced_at IS NULL), "
               "'failures', coalesce((SELECT json_agg(json_build_object('id', fid::text, 'fid', "
               "fid, 'attempts', backfill_attempts, 'error', last_error) ORDER BY fid) FROM "
               "(SELECT * FROM targets WHERE last_error IS NOT NULL ORDER BY fid LIMIT 100) f), "
               "'[]'))::text",
               1, p, 200, "no jobs");
}

void fc_api_admin_jobs_backfill(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_db *db = fc_api_take_db(req, resp);
    if (!db)
        return;
    uint64_t *fids = NULL;
    size_t n = 0;
    struct fc_diag diag;
    enum fc_err err = fc_targets_unsynced(db, &fids, &n, &diag);
    if (!fc_api_put_db(req, resp, db, err, &diag))
        return;
    for (size_t i = 0; i < n; i++)
        enqueue(req->api, fids[i]);
    free(fids);
    char b[64];
    int len = snprintf(b, sizeof(b), "{\"queued\":%zu}", n);
    fc_http_json(resp, 202, b, (size_t)len);
}

void fc_api_admin_job_retry(struct fc_http_req *req, struct fc_http_resp *resp)
{
    /* a job's id is its fid: one backfill job per account */
    queue_again(req, resp, "job id",
                "json_build_object('id', fid::text, 'fid', fid, 'queued', true)");
}

/* ---- status ---- */

/* The indexer, hubs and processes as the process registry reports them. */
static void status_of_processes(struct fc_api *api, struct fc_buf *out)
{
    struct fc_proc_status *procs = NULL;
    size_t n = 0;
    struct fc_diag d;
    if (fc_procs_list(api->procs, &procs, &n, &d)) {
        log_warn("api", "process registry: %s", d.msg);
        n = 0;
    }
    size_t n_hubs = api->cfg->n_hubs;
    char (*names)[160] = fc_xcalloc(n_hubs ? n_hubs : 1, sizeof(*names));
    const char **refs = fc_xcalloc(n_hubs ? n_hubs : 1, sizeof(*refs));
    for (size_t i = 0; i < n_hubs; i++) {
        fc_redact(api->cfg->hubs[i].name, names[i], sizeof(names[i]));
        refs[i] = names[i];
    }
    fc_api_status_json(procs, n, refs, n_hubs, out);
    free(refs);
    free(names);
    free(procs);
}

void fc_api_admin_status(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api *api = req->api;
    struct fc_buf extra = FC_BUF_INIT;
    fc_buf_puts(&extra, "{");
    struct fc_jobq_counts c = {0, 0, 0, 0};
    struct fc_diag d;
    if (fc_jobq_counts(api->jobq, &c, &d) == FC_OK)
        fc_buf_printf(&extra, "\"queue\":{\"pending\":%zu,\"running\":%zu,\"delayed\":%zu,"
                              "\"failed\":%zu},", c.pending, c.running, c.delayed, c.failed);
    status_of_processes(api, &extra);
    fc_buf_puts(&extra, ",");
    struct fc_pool_stats ps;
    fc_pool_stats(api->pool, &ps);
    fc_buf_printf(&extra, "\"api\":{\"uptime_s\":%lld,\"db_pool\":{\"size\":%zu,\"in_use\":%zu},",
                  (long long)((fc_now_mono_ms() - api->started_ms) / 1000), ps.size, ps.in_use);
    fc_api_reads_status_json(api->reads, &extra);
    fc_buf_puts(&extra, "}}");
    const char *p[] = {extra.data};
    json_query(req, resp,
               "SELECT ($1::jsonb || jsonb_build_object("
               "'database_bytes', pg_database_size(current_database()), "
               "'targets', (SELECT count(*) FROM targets), "
               "'roots', (SELECT count(*) FROM targets WHERE is_root), "
               "'unsynced', (SELECT count(*) FROM targets WHERE last_synced_at IS NULL), "
               "'dead_letters', (SELECT count(*) FROM dead_letters), "
               "'clients', (SELECT count(*) FROM target_clients), "
               /* row counts from the statistics PostgreSQL keeps (exact counts of
                * million-row tables would cost a scan per status request) */
               "'rows', (SELECT json_object_agg(relname, greatest(n_live_tup, 0)) "
               "  FROM pg_stat_user_tables WHERE relname IN ('casts', 'users', 'reactions', "
               "  'links', 'verifications', 'dead_letters', 'user_data', 'onchain_events')), "
               "'version', '" FC_VERSION "', "
               "'cursors', coalesce((SELECT json_agg(json_build_object('hub', hub, 'shard', shard, "
               "'event_id', event_id, 'updated_at', fc_iso(updated_at)) ORDER BY hub, shard) "
               "FROM hub_cursors), '[]')))::text",
               1, p, 200, "no status");
    fc_buf_cleanup(&extra);
}

/* ---- auth ---- */

static void session_body(struct fc_api *api, const char *token, const char *sub, int64_t exp,
                         struct fc_buf *out)
{
    char csrf[65];
    fc_auth_csrf(api->auth, token, csrf);
    fc_buf_puts(out, "{\"authenticated\":true,\"subject\":");
    fc_buf_json_str(out, sub, strlen(sub));
    fc_buf_printf(out, ",\"expires_at\":%lld,\"csrf_token\":\"%s\"}", (long long)exp, csrf);
}

void fc_api_login(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api *api = req->api;
    const char *origin = fc_http_header(req, "Origin");
    if (origin) { /* the origin is one of ours (checked by the server) and this very host */
        const char *host = fc_http_header(req, "Host");
        const char *h = strstr(origin, "://");
        if (!host || !h || strcmp(h + 3, host) != 0) {
            fc_http_error(resp, 403, "csrf", "login from another origin refused");
            return;
        }
    }
    yajl_val body = body_object(req, resp, fc_api_login_fields);
    if (!body)
        return;
    const char *pw = fc_api_body_string(body, "password", 1024);
    if (!pw) {
        yajl_tree_free(body);
        fc_http_error(resp, 400, "invalid_field", "password: a string is required");
        return;
    }
    bool ok = fc_auth_check_password(api->auth, pw);
    yajl_tree_free(body);
    if (!ok) {
        log_warn("auth", "failed login from %s", req->ip);
        fc_http_error(resp, 401, "invalid_credentials", "wrong password");
        return;
    }
    int64_t now = fc_now_unix_ms() / 1000;
    struct fc_buf token = FC_BUF_INIT;
    fc_auth_issue(api->auth, "admin", now, &token);
    struct fc_buf cookie = FC_BUF_INIT;
    fc_buf_printf(&cookie, "token=%s; HttpOnly;%s SameSite=Strict; Path=/; Max-Age=%d", token.data,
                  api->cfg->cookie_secure ? " Secure;" : "", fc_auth_ttl(api->auth));
    fc_http_add_header(resp, "Set-Cookie", cookie.data);
    fc_buf_reset(&resp->body);
    session_body(api, token.data, "admin", now + fc_auth_ttl(api->auth), &resp->body);
    resp->status = 200;
    log_info("auth", "admin login from %s", req->ip);
    fc_buf_cleanup(&cookie);
    fc_buf_cleanup(&token);
}

void fc_api_logout(struct fc_http_req *req, struct fc_http_resp *resp)
{
    /* the token itself stops working, not only the cookie */
    struct fc_diag d;
    if (fc_api_end_session(req->api, req->session_id, req->session_exp, &d)) {
        log_warn("auth", "logout not recorded: %s", d.msg);
        fc_http_add_header(resp, "Retry-After", "1");
        fc_http_error(resp, 503, "unavailable", "cannot end the session right now; retry");
        return;
    }
    fc_http_add_header(resp, "Set-Cookie",
                       req->api->cfg->cookie_secure
                           ? "token=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0"
                           : "token=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
    fc_http_json(resp, 200, "{\"ok\":true}", 11);
}

void fc_api_session(struct fc_http_req *req, struct fc_http_resp *resp)
{
    char token[2100];
    if (!fc_http_cookie(req, "token", token, sizeof(token))) {
        fc_http_error(resp, 401, "unauthorized", "no session");
        return;
    }
    fc_buf_reset(&resp->body); /* the server already verified it */
    session_body(req->api, token, req->subject, req->session_exp, &resp->body);
    resp->status = 200;
}
