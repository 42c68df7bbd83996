/* Routes one request to its endpoint family; a corpus replays a recorded
 * answer to an identical request first. */
#define _GNU_SOURCE
#include "internal.h"

#include <stdio.h>
#include <string.h>

const char *const hubsim_endpoints[HUBSIM_N_ENDPOINTS] = {
    "/v1/info", "/v1/events", "/v1/eventById", "/v1/castById", "/v1/castsByFid",
    "/v1/reactionsByFid", "/v1/linksByFid", "/v1/userDataByFid", "/v1/verificationsByFid",
    "/v1/userNameProofsByFid", "/v1/onChainSignersByFid", "/v1/onChainEventsByFid", "/v1/fids",
    "/v1/linksByTargetFid", "/v1/reactionsByCast", "/v1/castsByParent", "other",
};

size_t hubsim_endpoint_index(const char *path)
{
    for (size_t i = 0; i + 1 < HUBSIM_N_ENDPOINTS; i++)
        if (strcmp(hubsim_endpoints[i], path) == 0)
            return i;
    return HUBSIM_N_ENDPOINTS - 1;
}

static const struct {
    const char *path;
    void (*fn)(struct req *r);
} routes[] = {
    {"/v1/info", h_info},
    {"/v1/events", h_events},
    {"/v1/eventById", h_event_by_id},
    {"/v1/castById", h_cast_by_id},
    {"/v1/castsByFid", h_casts},
    {"/v1/reactionsByFid", h_reactions},
    {"/v1/linksByFid", h_links},
    {"/v1/userDataByFid", h_user_data},
    {"/v1/verificationsByFid", h_verifications},
    {"/v1/userNameProofsByFid", h_username_proofs},
    {"/v1/onChainSignersByFid", h_signers},
    {"/v1/onChainEventsByFid", h_onchain_events},
    {"/v1/fids", h_fids},
    {"/v1/linksByTargetFid", h_links_by_target},
    {"/v1/reactionsByCast", h_reactions_by_cast},
    {"/v1/castsByParent", h_casts_by_parent},
};

/* Corpus mode: a request identical to a recorded one gets the recorded
 * bytes. Token values are compared with '+' restored (an unencoded '+'
 * arrives as a space). */
static bool replay_recorded(const struct hubsim *hs, const char *path, const char *const *keys,
                            const char *const *vals, size_t n, struct sim_response *resp)
{
    if (!hs->o.corpus)
        return false;
    char canon[2048];
    const char *fixed[MAX_QUERY_ARGS];
    char store[MAX_QUERY_ARGS][160];
    size_t m = n < MAX_QUERY_ARGS ? n : MAX_QUERY_ARGS;
    for (size_t i = 0; i < m; i++) {
        snprintf(store[i], sizeof(store[i]), "%s", vals[i]);
        if (strcasestr(keys[i], "token"))
            for (char *c = store[i]; *c; c++)
                if (*c == ' ')
                    *c = '+';
        fixed[i] = store[i];
    }
    corpus_canon(path, keys, fixed, m, canon, sizeof(canon));
    size_t len;
    const char *body = corpus_exact(hs->o.corpus, canon, &len);
    if (!body)
        return false;
    fc_buf_reset(&resp->body);
    fc_buf_append(&resp->body, body, len);
    resp->status = 200;
    resp->content_type = "application/json";
    return true;
}

static bool route_hub_api(struct req *r)
{
    for (size_t i = 0; i < sizeof(routes) / sizeof(routes[0]); i++) {
        if (strcmp(routes[i].path, r->path) == 0) {
            routes[i].fn(r);
            return true;
        }
    }
    return false;
}

void hubsim_handle(struct hubsim *hs, const char *method, const char *path,
                   const char *const *keys, const char *const *vals, size_t n,
                   const char *upload, size_t upload_len, struct sim_response *resp)
{
    struct req r = {hs, path, keys, vals, n, resp, hs->o.flavour == SIM_SNAPCHAIN};
    resp->status = 500;
    resp->content_type = "text/plain";
    resp->retry_after_s = 0;
    if (strcmp(path, "/_sim/faults") == 0)
        h_sim_faults(&r, method, upload, upload_len);
    else if (strcmp(path, "/_sim/stats") == 0)
        h_sim_stats(&r);
    else if (strcmp(method, "GET") != 0)
        req_unknown_route(&r, method);
    else if (!replay_recorded(hs, path, keys, vals, n, resp) && !route_hub_api(&r))
        req_unknown_route(&r, method);
}
