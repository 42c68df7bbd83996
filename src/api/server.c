/* The HTTP server's life cycle: configuration (listen address, allowed
 * hosts, CORS origins, trusted proxies), the shared state it opens (pools,
 * cache, target sets, queue, process registry, rate limiter, change
 * notices), then the query workers, the request deadline and
 * libmicrohttpd's daemon; stopping answers every queued request first.
 * Requests: conn.c (libmicrohttpd), admit.c (checks), routes.c (the table),
 * workers.c; handlers in public.c, social.c, admin*.c, analytics.c, ops.c. */
#include "api/instance.h"
#include "api/parse.h"
#include "api/server_parts.h"

#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/fctime.h"
#include "core/log.h"
#include "state/redis_conn.h"

/* Splits a comma-separated option into a new array of strings. */
/* Appends the items of a comma-separated option to out. */
static void split_list(const char *s, fc_api_strings *out)
{
    while (s && *s) {
        while (*s == ' ' || *s == ',')
            s++;
        size_t n = strcspn(s, ", ");
        if (n) {
            char *item = fc_xmalloc(n + 1);
            memcpy(item, s, n);
            item[n] = '\0';
            *fc_vec_push(out) = item;
        }
        s += n;
    }
}

static void free_list(fc_api_strings *list)
{
    for (size_t i = 0; i < list->n; i++)
        free(list->p[i]);
    fc_vec_free(list);
}

static void on_change(void *arg, const uint64_t *fids, size_t n)
{
    fc_cache_invalidate(((struct fc_api *)arg)->cache, fids, n);
}

static void on_reset(void *arg)
{
    fc_cache_clear(((struct fc_api *)arg)->cache);
}

void fc_api_invalidate(struct fc_api *api, const uint64_t *fids, size_t n)
{
    fc_cache_invalidate(api->cache, fids, n);
}

/* A target set: the one the process shares, or the API's own. Alone
 * without Redis, target changes go to PostgreSQL, which the indexer process
 * re-reads; an embedded set then only serves this process. */
FC_MUST_CHECK
static enum fc_err own_fidset(const struct fc_config *cfg, struct fc_fidset *given,
                              const char *name, struct fc_fidset **use, struct fc_fidset **owned,
                              struct fc_diag *diag)
{
    if (given) {
        *use = given;
        return FC_OK;
    }
    if (!*cfg->redis_url)
        *owned = fc_fidset_new_embedded();
    else if (fc_fidset_open_redis(cfg->redis_url, cfg->redis_prefix, name, owned, diag))
        return FC_ERR_UNAVAILABLE;
    *use = *owned;
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err open_state(struct fc_api *api, const struct fc_api_shared *shared,
                              struct fc_diag *diag)
{
    const struct fc_config *cfg = api->cfg;
    struct fc_api_shared none = {0};
    if (!shared)
        shared = &none;
    struct fc_api_shared *own = &api->owned;
    enum fc_err err = own_fidset(cfg, shared->targets, "targets", &api->targets, &own->targets,
                                 diag);
    if (!err)
        err = own_fidset(cfg, shared->roots, "roots", &api->roots, &own->roots, diag);
    if (!err)
        err = own_fidset(cfg, shared->clients, "clients", &api->clients, &own->clients, diag);
    if (!err && shared->jobq) {
        api->jobq = shared->jobq;
    } else if (!err && !*cfg->redis_url) {
        struct fc_jobq_options jo = {0, 0, 0};
        api->jobq = own->jobq = fc_jobq_new_embedded(&jo);
    } else if (!err) {
        char consumer[96];
        snprintf(consumer, sizeof(consumer), "api:%d", (int)getpid());
        struct fc_jobq_options jo = {3, 500, cfg->job_lease_s * 1000};
        err = fc_jobq_open_redis(cfg->redis_url, cfg->redis_prefix, consumer, &jo, &own->jobq,
                                 diag);
        api->jobq = own->jobq;
    }
    if (!err && shared->procs)
        api->procs = shared->procs;
    else if (!err && !*cfg->redis_url)
        api->procs = own->procs = fc_procs_new_embedded();
    else if (!err) {
        err = fc_procs_open_redis(cfg->redis_url, cfg->redis_prefix, &own->procs, diag);
        api->procs = own->procs;
    }
    if (!err && shared->rates)
        api->rates = shared->rates;
    else if (!err && !*cfg->redis_url)
        api->rates = own->rates = fc_rates_new_embedded();
    else if (!err) {
        err = fc_rates_open_redis(cfg->redis_url, cfg->redis_prefix, &own->rates, diag);
        api->rates = own->rates;
    }
    return err;
}

static bool parse_listen(const char *listen, struct sockaddr_in *addr)
{
    char host[256];
    const char *colon = strrchr(listen, ':');
    if (!colon || (size_t)(colon - listen) >= sizeof(host))
        return false;
    memcpy(host, listen, (size_t)(colon - listen));
    host[colon - listen] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port > 65535)
        return false;
    memset(addr, 0, sizeof(*addr));
    addr->sin_family = AF_INET;
    addr->sin_port = htons((uint16_t)port);
    if (!*host || strcmp(host, "0.0.0.0") == 0)
        addr->sin_addr.s_addr = htonl(INADDR_ANY);
    else if (strcmp(host, "localhost") == 0)
        addr->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    else if (inet_pton(AF_INET, host, &addr->sin_addr) != 1)
        return false;
    return true;
}

/* api.allowed_hosts lowercased, or when empty the listen host's names. */
FC_MUST_CHECK
static enum fc_err default_hosts(struct fc_api *api, const struct sockaddr_in *addr,
                                 struct fc_diag *diag)
{
    for (size_t i = 0; i < api->hosts.n; i++) {
        char name[256], *host = api->hosts.p[i];
        if (!fc_api_host_name(host, name) || strchr(host, ':') != NULL)
            return fc_diag_set(diag, FC_ERR_INVALID,
                               "api.allowed_hosts: \"%s\" is not a host name (no port)", host);
        snprintf(host, strlen(host) + 1, "%s", name);
    }
    if (api->hosts.n)
        return FC_OK;
    char host[256];
    const char *listen = api->cfg->api_listen;
    snprintf(host, sizeof(host), "%.*s", (int)(strrchr(listen, ':') - listen), listen);
    if (addr->sin_addr.s_addr == htonl(INADDR_ANY))
        return fc_diag_set(diag, FC_ERR_INVALID,
                           "api.allowed_hosts: set the host names clients use to reach the API "
                           "(api.listen %s accepts any address)", listen);
    split_list(host, &api->hosts);
    if ((ntohl(addr->sin_addr.s_addr) >> 24) == 127)
        split_list("localhost,127.0.0.1,[::1]", &api->hosts);
    return FC_OK;
}

enum fc_err fc_api_start(const struct fc_config *cfg, const struct fc_api_shared *shared,
                         struct fc_api **out, struct fc_diag *diag)
{
    struct fc_api *api = fc_xcalloc(1, sizeof(*api));
    api->cfg = cfg;
    api->started_ms = fc_now_mono_ms();
    api->id_salt = (uint64_t)getpid() * 2654435761u ^ (uint64_t)fc_now_unix_ms();
    api->labels = fc_xcalloc(fc_api_n_routes, sizeof(char *));
    for (size_t i = 0; i < fc_api_n_routes; i++) {
        struct fc_buf l = FC_BUF_INIT;
        fc_buf_printf(&l, "method=\"%s\",route=\"%s\"", fc_api_routes[i].method,
                      fc_api_routes[i].pattern);
        api->labels[i] = fc_buf_take(&l);
    }
    api->metrics = fc_metrics_new((const char *const *)api->labels, fc_api_n_routes);
    split_list(cfg->api_cors_origins, &api->cors);
    split_list(cfg->api_trusted_proxies, &api->proxies);
    split_list(cfg->api_allowed_hosts, &api->hosts);
    struct fc_db_options dbo = fc_db_options_from(cfg);
    dbo.statement_timeout_ms = cfg->api_query_timeout_ms;
    api->pool = fc_pool_new(&dbo, (size_t)cfg->db_pool_size);
    /* /readyz and /metrics: their own connection and a short timeout, so they
     * answer while the shared pool is busy with slow queries */
    dbo.statement_timeout_ms = 1000;
    dbo.connect_timeout_s = 2;
    api->ops_pool = fc_pool_new(&dbo, 1);
    pthread_mutex_init(&api->ops_redis_lock, NULL);
    fc_redis_link_init(&api->ops_redis, api->cfg->redis_url);
    api->cache = fc_cache_new(20000, 256u << 20);
    struct sockaddr_in addr;
    enum fc_err err = FC_OK;
    if (!parse_listen(cfg->api_listen, &addr))
        err = fc_diag_set(diag, FC_ERR_INVALID, "api.listen: cannot use \"%s\"", cfg->api_listen);
    else if ((ntohl(addr.sin_addr.s_addr) >> 24) != 127 && cfg->profile != FC_PROFILE_PRODUCTION)
        /* development defaults (generated secrets, plain-HTTP cookies, loopback Host names)
         * are for one machine */
        err = fc_diag_set(diag, FC_ERR_INVALID,
                          "api.listen %s is reachable from other machines, but the profile is "
                          "%s: set general.profile=production (with auth.admin_password_hash "
                          "and api.allowed_hosts; see docs/security.md), or listen on "
                          "127.0.0.1", cfg->api_listen, fc_profile_name(cfg->profile));
    if (!err)
        err = default_hosts(api, &addr, diag);
    if (!err)
        err = fc_api_reads_new(cfg, &api->reads, diag);
    if (!err)
        err = fc_api_instance_auth(cfg, api->pool, &api->auth, api->one_time_password, diag);
    if (!err)
        err = open_state(api, shared, diag);
    if (!err && *cfg->redis_url)
        err = fc_ratelimit_open_redis(cfg->redis_url, cfg->redis_prefix, &api->rl, diag);
    else if (!err)
        api->rl = fc_ratelimit_new_embedded();
    /* another process's commits arrive through Redis; our own indexer's
     * commits invalidate directly (see cmd serve) */
    if (!err && *cfg->redis_url)
        err = fc_changes_sub_start(cfg->redis_url, cfg->redis_prefix, on_change, on_reset, api,
                                   &api->sub, diag);
    if (!err) {
        fc_api_workers_start(api);
        fc_api_reaper_start(api);
        api->locks_ready = true;
        api->daemon = fc_api_daemon_start(api, &addr);
        if (!api->daemon)
            err = fc_diag_set(diag, FC_ERR_UNAVAILABLE, "cannot listen on %s", cfg->api_listen);
    }
    if (err) {
        fc_api_stop(api);
        return err;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(api->daemon, MHD_DAEMON_INFO_BIND_PORT);
    api->port = info ? info->port : 0;
    log_info("api", "listening on %s (port %u), %u threads", cfg->api_listen, api->port,
             (unsigned)cfg->api_threads);
    *out = api;
    return FC_OK;
}

void fc_api_stop(struct fc_api *api)
{
    if (!api)
        return;
    /* Not MHD_quiesce_daemon first: with epoll worker threads it races with
     * them (both remove the listen socket from a worker's epoll set, and the
     * loser aborts the process: "Failed to remove listen FD from epoll set",
     * seen in test_api). A request that arrives while stopping gets 503
     * from the stopped queue instead. */
    if (api->locks_ready)
        fc_api_workers_stop(api); /* every suspended request is answered first */
    if (api->daemon)
        MHD_stop_daemon(api->daemon);
    if (api->locks_ready) {
        fc_api_reaper_stop(api);
        fc_api_workers_free(api);
    }
    fc_changes_sub_stop(api->sub);
    fc_fidset_free(api->owned.targets);
    fc_fidset_free(api->owned.roots);
    fc_fidset_free(api->owned.clients);
    fc_jobq_free(api->owned.jobq);
    fc_procs_free(api->owned.procs);
    fc_rates_free(api->owned.rates);
    fc_ratelimit_free(api->rl);
    fc_auth_free(api->auth);
    fc_cache_free(api->cache);
    fc_api_reads_free(api->reads);
    fc_pool_free(api->pool);
    fc_pool_free(api->ops_pool);
    fc_redis_link_cleanup(&api->ops_redis);
    pthread_mutex_destroy(&api->ops_redis_lock);
    fc_metrics_free(api->metrics);
    for (size_t i = 0; api->labels && i < fc_api_n_routes; i++)
        free(api->labels[i]);
    free(api->labels);
    free_list(&api->cors);
    free_list(&api->proxies);
    free_list(&api->hosts);
    free(api);
}

unsigned fc_api_port(const struct fc_api *api)
{
    return api->port;
}

bool fc_api_take_one_time_password(struct fc_api *api, char *out, size_t out_size)
{
    size_t n = strlen(api->one_time_password);
    if (!n || n >= out_size)
        return false;
    memcpy(out, api->one_time_password, n + 1);
    memset(api->one_time_password, 0, sizeof(api->one_time_password));
    return true;
}
