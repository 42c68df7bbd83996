/* The API's route table (method, pattern, class, handler), matching a path
 * against it, and what each class of route is limited to. */
#include "api/internal.h"
#include "api/parse.h"
#include "api/server_parts.h"

#include <stdio.h>
#include <string.h>

const struct route fc_api_routes[] = {
    {"GET", "/v1/feed/:fid", CLASS_PUBLIC, fc_api_feed},
    {"GET", "/v1/casts/:hash", CLASS_PUBLIC, fc_api_cast},
    {"GET", "/v1/casts/:hash/replies", CLASS_PUBLIC, fc_api_cast_replies},
    {"GET", "/v1/casts/:hash/thread", CLASS_PUBLIC, fc_api_cast_thread},
    {"GET", "/v1/channels/feed", CLASS_PUBLIC, fc_api_channel_feed},
    {"GET", "/v1/users/by-username/:name", CLASS_PUBLIC, fc_api_user_by_name},
    {"GET", "/v1/users/:fid", CLASS_PUBLIC, fc_api_user},
    {"GET", "/v1/users/:fid/casts", CLASS_PUBLIC, fc_api_user_casts},
    {"GET", "/v1/users/:fid/replies", CLASS_PUBLIC, fc_api_user_replies},
    {"GET", "/v1/users/:fid/likes", CLASS_PUBLIC, fc_api_user_likes},
    {"GET", "/v1/users/:fid/followers", CLASS_PUBLIC, fc_api_user_followers},
    {"GET", "/v1/users/:fid/following", CLASS_PUBLIC, fc_api_user_following},
    {"GET", "/v1/search/casts", CLASS_SEARCH, fc_api_search},
    {"GET", "/v1/search/users", CLASS_SEARCH, fc_api_search_users},
    {"GET", "/v1/search", CLASS_SEARCH, fc_api_search_all},
    {"GET", "/v1/trending", CLASS_PUBLIC, fc_api_trending},
    {"POST", "/auth/login", CLASS_LOGIN, fc_api_login},
    {"POST", "/auth/logout", CLASS_ADMIN, fc_api_logout},
    {"GET", "/auth/session", CLASS_SESSION, fc_api_session},
    {"GET", "/admin/targets", CLASS_ADMIN, fc_api_admin_targets},
    {"POST", "/admin/targets", CLASS_ADMIN, fc_api_admin_target_add},
    {"PUT", "/admin/targets/:fid", CLASS_ADMIN, fc_api_admin_target_put},
    {"DELETE", "/admin/targets/:fid", CLASS_ADMIN, fc_api_admin_target_delete},
    {"POST", "/admin/targets/:fid/backfill", CLASS_ADMIN, fc_api_admin_target_backfill},
    {"GET", "/admin/targets/:fid/stats", CLASS_ADMIN, fc_api_admin_target_stats},
    {"GET", "/admin/client-targets", CLASS_ADMIN, fc_api_admin_clients},
    {"POST", "/admin/client-targets", CLASS_ADMIN, fc_api_admin_client_add},
    {"DELETE", "/admin/client-targets/:fid", CLASS_ADMIN, fc_api_admin_client_delete},
    {"GET", "/admin/jobs", CLASS_ADMIN, fc_api_admin_jobs},
    {"POST", "/admin/jobs/backfill", CLASS_ADMIN, fc_api_admin_jobs_backfill},
    {"POST", "/admin/jobs/:id/retry", CLASS_ADMIN, fc_api_admin_job_retry},
    {"GET", "/admin/jobs/stats", CLASS_ADMIN, fc_api_admin_jobs_stats},
    {"POST", "/admin/jobs/pause", CLASS_ADMIN, fc_api_admin_jobs_pause},
    {"POST", "/admin/jobs/resume", CLASS_ADMIN, fc_api_admin_jobs_resume},
    {"POST", "/admin/jobs/clear", CLASS_ADMIN, fc_api_admin_jobs_clear},
    {"POST", "/admin/jobs/retry-all", CLASS_ADMIN, fc_api_admin_jobs_retry_all},
    {"GET", "/admin/dead-letters", CLASS_ADMIN, fc_api_admin_dead_letters},
    {"GET", "/admin/dead-letters/:id/payload", CLASS_ADMIN, fc_api_admin_dead_letter_payload},
    {"POST", "/admin/dead-letters/:id/retry", CLASS_ADMIN, fc_api_admin_dead_letter_retry},
    {"DELETE", "/admin/dead-letters/:id", CLASS_ADMIN, fc_api_admin_dead_letter_delete},
    {"GET", "/admin/status", CLASS_ADMIN, fc_api_admin_status},
    {"GET", "/admin/analytics", CLASS_ADMIN, fc_api_admin_analytics},
    {"GET", "/admin/throughput", CLASS_ADMIN, fc_api_admin_throughput},
    {"GET", "/healthz", CLASS_OPS, fc_api_healthz},
    {"GET", "/readyz", CLASS_OPS, fc_api_readyz},
    {"GET", "/metrics", CLASS_OPS, fc_api_metrics},
};
const size_t fc_api_n_routes = sizeof(fc_api_routes) / sizeof(fc_api_routes[0]);

const char *fc_api_class_name(enum route_class c)
{
    /* the session check spends the admin budget */
    static const char *const names[] = {"public", "search", "admin", "login", "ops", "admin"};
    return names[c];
}

int fc_api_rate_limit_for(const struct fc_config *cfg, enum route_class c)
{
    switch (c) {
    case CLASS_PUBLIC: return cfg->api_rate_public_per_min;
    case CLASS_SEARCH: return cfg->api_rate_search_per_min;
    case CLASS_ADMIN:
    case CLASS_SESSION: return cfg->api_rate_admin_per_min;
    case CLASS_LOGIN: return cfg->api_rate_login_per_min;
    default: return 0;
    }
}

/* Matches path against pattern, pointing req's params at the :segments. */
static bool match(const char *pattern, const char *path, struct fc_http_req *req)
{
    size_t off[FC_API_MAX_PARAMS], len[FC_API_MAX_PARAMS], n;
    if (!fc_api_match(pattern, path, off, len, &n))
        return false;
    for (size_t i = 0; i < n; i++)
        req->param[i] = path + off[i]; /* terminated in the copy by route() */
    req->n_param = n;
    return true;
}

int fc_api_route_find(const char *method, const char *path, bool *path_known,
                      struct fc_buf *allow)
{
    *path_known = false;
    int found = -1;
    for (size_t i = 0; i < fc_api_n_routes; i++) {
        size_t off[FC_API_MAX_PARAMS], len[FC_API_MAX_PARAMS], n;
        if (!fc_api_match(fc_api_routes[i].pattern, path, off, len, &n))
            continue;
        /* a literal route wins over a :param one at the same place
         * (/v1/users/by-username/x is not user "by-username"): the table
         * lists literal ones first */
        *path_known = true;
        if (allow)
            fc_buf_printf(allow, "%s%s", allow->len ? ", " : "", fc_api_routes[i].method);
        if (found < 0 && strcmp(fc_api_routes[i].method, method) == 0)
            found = (int)i;
    }
    return found;
}

int fc_api_route_resolve(struct fc_http_req *req, char *path_copy, bool *path_known,
                         struct fc_buf *allow)
{
    int found = fc_api_route_find(req->method, path_copy, path_known, allow);
    if (found >= 0) {
        match(fc_api_routes[found].pattern, path_copy, req);
        /* cut the captured segments at their '/' */
        for (size_t i = 0; i < req->n_param; i++) {
            char *slash = strchr((char *)req->param[i], '/');
            if (slash)
                *slash = '\0';
        }
    }
    return found;
}

