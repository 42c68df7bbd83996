/* The configuration: the option table (one row per option: section, key,
 * type, default, range, flags, help), applying and checking values in
 * priority order (default < file < environment < --set), and what the
 * table drives besides: config show and the generated docs/config.md.
 * Reading the sources is config_sources.c; hubs are config_hubs.c. */
#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/config_internal.h"
#include "core/fid_parse.h"
#include "core/log.h"
#include "core/password.h"

#define OFF(f) offsetof(struct fc_config, f)

static const struct option options[] = {
    {"general", "profile", T_PROFILE, OFF(profile), 0, "development", 0, 0,
     "production|development|test", 0, "FCINDEX_PROFILE",
     "Sets pool defaults and safety checks: only production may listen beyond loopback."},

    {"database", "url", T_STR, OFF(database_url), 0, "", 0, 0, NULL, F_SECRET | F_URL,
     "DATABASE_URL", "PostgreSQL connection URL (postgresql://user:pass@host:port/db)."},
    {"database", "pool_size", T_INT, OFF(db_pool_size), 0, NULL, 1, 1000, NULL, 0, NULL,
     "Connections in the pool (profile default: production 20, development 10, test 5)."},
    {"database", "conn_lifetime_s", T_INT, OFF(db_conn_lifetime_s), 0, NULL, 10, 86400, NULL, 0,
     NULL, "Seconds before a pooled connection is replaced (profile default 1800/600/300)."},
    {"database", "keepalive_s", T_INT, OFF(db_keepalive_s), 0, NULL, 1, 3600, NULL, 0, NULL,
     "TCP keepalive idle seconds for database connections (profile default 30/30/10)."},
    {"database", "statement_timeout_ms", T_INT, OFF(db_statement_timeout_ms), 0, "30000", 0,
     3600000, NULL, 0, NULL, "Statement timeout in milliseconds; 0 disables it."},
    {"database", "read_url", T_STR, OFF(database_read_url), 0, "", 0, 0, NULL, F_SECRET | F_URL,
     NULL, "PostgreSQL streaming replica (a hot standby of database.url) that serves the API's "
     "public reads; writes, sessions and admin routes stay on the primary. Empty: every read "
     "goes to the primary. See docs/operations.md, read replica."},
    {"database", "max_replica_lag_ms", T_INT, OFF(db_max_replica_lag_ms), 0, "5000", 100,
     3600000, NULL, 0, NULL, "How old the read replica's data may be (measured against the "
     "primary's WAL position a few times a second) before public reads go to the primary; "
     "they return once it has caught up."},

    {"redis", "url", T_STR, OFF(redis_url), 0, "", 0, 0, NULL, F_SECRET | F_URL, "REDIS_URL",
     "Redis URL (redis://host:port/db). Empty: embedded state, single process, no Redis."},
    {"redis", "prefix", T_STR, OFF(redis_prefix), 0, "fcindex:", 0, 0, NULL, 0, NULL,
     "Prefix of every Redis key, so several deployments can share one Redis."},

    {"hubs", "urls", T_STR, OFF(hubs_urls), 0, "", 0, 0, NULL, 0, NULL,
     "Comma-separated hub base URLs or [hub \"NAME\"] names, in order of preference. "
     "Empty: `make run` starts the bundled simulator."},
    {"hubs", "connect_timeout_ms", T_INT, OFF(hub_connect_timeout_ms), 0, "5000", 100, 600000,
     NULL, 0, NULL, "Default connect timeout per hub request."},
    {"hubs", "timeout_ms", T_INT, OFF(hub_timeout_ms), 0, "30000", 100, 600000, NULL, 0, NULL,
     "Default total timeout per hub request (large pages take time to build)."},
    {"hubs", "retries", T_INT, OFF(hub_retries), 0, "5", 0, 100, NULL, 0, NULL,
     "Retries of a failed request, with exponential backoff and jitter, across hubs."},
    {"hubs", "budget_rps", T_INT, OFF(hub_budget_rps), 0, "0", 0, 1000000, NULL, 0, NULL,
     "Default request budget per hub in requests per second; 0 = unlimited."},
    {"hubs", "budget_burst", T_INT, OFF(hub_budget_burst), 0, "50", 1, 1000000, NULL, 0, NULL,
     "Requests a hub's budget lets through at once after an idle period."},

    {"strategy", "root_targets", T_FIDS, OFF(root_targets), OFF(n_root_targets), "", 0, 0, NULL,
     0, NULL, "Comma-separated fids indexed as roots (added at start, never removed by it)."},
    {"strategy", "target_clients", T_FIDS, OFF(target_clients), OFF(n_target_clients), "", 0, 0,
     NULL, 0, NULL, "Comma-separated app fids; users who sign up through them become roots."},
    {"strategy", "client_discovery", T_BOOL, OFF(client_discovery), 0, "true", 0, 0, NULL, 0,
     NULL, "Add users who add a signer of a target client as roots."},
    {"strategy", "expansion_depth", T_INT, OFF(expansion_depth), 0, "1", 0, 3, NULL, 0, NULL,
     "How many follow hops from the roots become targets (0: roots only)."},
    {"strategy", "dropped_rows", T_ENUM, OFF(dropped_rows), 0, "keep", 0, 0, "keep|delete", 0,
     NULL, "What happens to the rows of an account that leaves the target set: `keep` them, or "
     "`delete` its own messages that touch no remaining target (clean-up runs in `serve` and "
     "`fcindex targets cleanup`)."},

    {"api", "listen", T_STR, OFF(api_listen), 0, "127.0.0.1:8080", 0, 0, NULL, 0, NULL,
     "Address and port of the HTTP API (host:port)."},
    {"api", "allowed_hosts", T_STR, OFF(api_allowed_hosts), 0, "", 0, 0, NULL, 0, NULL,
     "Comma-separated host names (no port) clients use to reach the API; a request whose "
     "Host names another gets 421, and login and admin changes from an Origin not listed get "
     "403 (DNS rebinding). Empty: the api.listen host, plus localhost, 127.0.0.1 and [::1] "
     "when it is loopback; listening on all addresses then requires setting it."},
    {"api", "cors_origins", T_STR, OFF(api_cors_origins), 0, "", 0, 0, NULL, 0, NULL,
     "Comma-separated origins allowed by CORS on public routes; `*` for any; empty for none."},
    {"api", "cache_profile_ttl_s", T_INT, OFF(api_cache_profile_ttl_s), 0, "300", 0, 86400, NULL,
     0, NULL, "Seconds a cached profile may live (changes invalidate it sooner)."},
    {"api", "cache_feed_ttl_s", T_INT, OFF(api_cache_feed_ttl_s), 0, "900", 0, 86400, NULL, 0,
     NULL, "Seconds a cached feed page may live (changes invalidate it sooner)."},
    {"api", "cache_search_ttl_s", T_INT, OFF(api_cache_search_ttl_s), 0, "1", 0, 86400, NULL, 0,
     NULL, "Seconds a cached search answer may live (any new cast may alter it: at 1, a cast "
           "is in search answers within 2 s of its commit; 0: not cached)."},
    {"api", "rate_public_per_min", T_INT, OFF(api_rate_public_per_min), 0, "600", 0, 10000000,
     NULL, 0, NULL, "Public requests per client IP per minute; 0 disables the limit."},
    {"api", "rate_search_per_min", T_INT, OFF(api_rate_search_per_min), 0, "60", 0, 10000000,
     NULL, 0, NULL, "Search requests per client IP per minute."},
    {"api", "rate_admin_per_min", T_INT, OFF(api_rate_admin_per_min), 0, "300", 0, 10000000,
     NULL, 0, NULL, "Admin requests per client IP per minute."},
    {"api", "rate_login_per_min", T_INT, OFF(api_rate_login_per_min), 0, "5", 1, 10000, NULL, 0,
     NULL, "Login attempts per client IP per minute."},
    {"api", "rate_login_global_per_min", T_INT, OFF(api_rate_login_global_per_min), 0, "60", 1,
     1000000, NULL, 0, NULL, "Login attempts per minute from all clients together (after "
     "the per-client limit; IPv6 clients count per /64). After 3 failures a client waits 1 s, "
     "then 2, 4, ... up to 15 min after each further failure."},
    {"api", "max_body_bytes", T_INT, OFF(api_max_body_bytes), 0, "65536", 1024, 16777216, NULL,
     0, NULL, "Largest request body accepted."},
    {"api", "max_connections", T_INT, OFF(api_max_connections), 0, "1024", 1, 1000000, NULL, 0,
     NULL, "Concurrent HTTP connections."},
    {"api", "max_connections_per_client", T_INT, OFF(api_max_connections_per_client), 0, "32",
     0, 1000000, NULL, 0, NULL, "Concurrent HTTP connections from one address (0: no cap). "
     "Behind a reverse proxy every connection comes from the proxy: raise it there."},
    {"api", "request_timeout_s", T_INT, OFF(api_request_timeout_s), 0, "10", 1, 3600, NULL, 0,
     NULL, "Seconds a request may take to arrive whole (headers and body) after its connection "
     "opens or its previous response, however slowly its bytes trickle in."},
    {"api", "query_timeout_ms", T_INT, OFF(api_query_timeout_ms), 0, "5000", 100, 600000, NULL,
     0, NULL, "Statement timeout of every API database query (database.statement_timeout_ms "
     "is the indexer's)."},
    {"api", "connection_timeout_s", T_INT, OFF(api_connection_timeout_s), 0, "30", 1, 3600,
     NULL, 0, NULL, "Idle seconds before a client connection is closed."},
    {"api", "trusted_proxies", T_STR, OFF(api_trusted_proxies), 0, "", 0, 0, NULL, 0, NULL,
     "Comma-separated addresses of reverse proxies whose X-Forwarded-For names the client "
     "(for rate limits and logs); empty: the TCP peer is the client."},
    {"api", "threads", T_INT, OFF(api_threads), 0, "4", 1, 256, NULL, 0, NULL,
     "HTTP connection threads (each serves many connections). Database work runs on query "
     "workers, one per pooled connection (database.pool_size), so these never wait on it."},
    {"api", "access_log", T_BOOL, OFF(api_access_log), 0, "false", 0, 0, NULL, 0, NULL,
     "Log one line per HTTP request."},

    {"auth", "jwt_secret", T_STR, OFF(jwt_secret), 0, "", 0, 0, NULL, F_SECRET, "JWT_SECRET",
     "HMAC key for admin session tokens, 32+ bytes. Empty: the first `serve` generates a "
     "random one and stores it in the database, where every API process finds it."},
    {"auth", "admin_password", T_STR, OFF(admin_password), 0, "", 0, 0, NULL, F_SECRET,
     "ADMIN_PASSWORD", "Admin password (plain, 12+ characters; production: 16+); prefer "
     "admin_password_hash. With neither set, the first `serve` prints a generated one-time "
     "password once and stores only its hash."},
    {"auth", "admin_password_hash", T_STR, OFF(admin_password_hash), 0, "", 0, 0, NULL,
     F_SECRET, NULL, "Admin password as an argon2id hash ($argon2id$...); wins over the plain one."},
    {"auth", "token_ttl_s", T_INT, OFF(token_ttl_s), 0, "86400", 60, 2592000, NULL, 0, NULL,
     "Lifetime of an admin session token."},
    {"auth", "cookie_secure", T_BOOL, OFF(cookie_secure), 0, "true", 0, 0, NULL, 0, NULL,
     "Mark the session cookie Secure (turn off only for plain-HTTP local use)."},

    {"concurrency", "backfill_workers", T_INT, OFF(backfill_workers), 0, "4", 1, 256, NULL, 0,
     NULL, "Backfill jobs run at once in one process."},
    {"concurrency", "job_lease_s", T_INT, OFF(job_lease_s), 0, "300", 1, 86400, NULL, 0, NULL,
     "Seconds a taken backfill job may run before another worker may take it (a crashed "
     "worker's job is then picked up)."},
    {"concurrency", "batch_size", T_INT, OFF(batch_size), 0, "1000", 1, 100000, NULL, 0, NULL,
     "Messages per database batch."},
    {"concurrency", "event_page_size", T_INT, OFF(event_page_size), 0, "1000", 1, 10000, NULL, 0,
     NULL, "Events requested per /v1/events page (Snapchain)."},

    {"verify", "mode", T_ENUM, OFF(verify_mode), 0, "enforce", 0, 0, "enforce|log|off", 0, NULL,
     "Message authentication (hash, ed25519 signature, signer added on-chain by the account): "
     "`enforce` keeps a message that fails out of the tables and in dead_letters with its "
     "reason, `log` writes it anyway and logs and counts the failure, `off` checks nothing."},

    {"log", "level", T_ENUM, OFF(log_level), 0, "info", 0, 0, "error|warn|info|debug", 0, NULL,
     "Least severe level written."},
    {"log", "format", T_ENUM, OFF(log_format), 0, "text", 0, 0, "text|json", 0, NULL,
     "text (logfmt) or json (one object per line)."},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

const struct option *fc_cfg_option_at(size_t i)
{
    return i < N_OPTIONS ? &options[i] : NULL;
}

/* Pool defaults per profile, as the deployment guide describes them. */
struct profile_default {
    const char *key;
    const char *value[3]; /* development, production, test */
};
static const struct profile_default profile_defaults[] = {
    {"database.pool_size", {"10", "20", "5"}},
    {"database.conn_lifetime_s", {"600", "1800", "300"}},
    {"database.keepalive_s", {"30", "30", "10"}},
};

static const char *const profile_names[] = {"development", "production", "test"};

const char *fc_profile_name(enum fc_profile p)
{
    return profile_names[p];
}

void fc_cfg_error(struct loader *l, const char *origin, const char *fmt, ...)
{
    va_list ap;
    struct fc_buf line = FC_BUF_INIT;
    fc_buf_printf(&line, "%s: ", origin);
    va_start(ap, fmt);
    fc_buf_vprintf(&line, fmt, ap);
    va_end(ap);
    /* messages quote values: a URL's password must not reach the terminal */
    size_t size = line.len * 3 + 16;
    char *safe = fc_xmalloc(size);
    fc_redact(line.data, safe, size);
    fc_buf_puts(l->errors, safe);
    fc_buf_putc(l->errors, '\n');
    free(safe);
    fc_buf_cleanup(&line);
    l->nerrors++;
}

const struct option *fc_cfg_find_option(const char *section, const char *key)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcasecmp(options[i].section, section) == 0 && strcasecmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
}

bool fc_cfg_known_section(const char *section)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcasecmp(options[i].section, section) == 0)
            return true;
    return false;
}

bool fc_cfg_parse_long(const char *s, long *out)
{
    if (!*s)
        return false;
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || *end || isspace((unsigned char)*s))
        return false;
    *out = v;
    return true;
}

static bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

static bool enum_has(const char *choices, const char *v)
{
    size_t n = strlen(v);
    const char *p = choices;
    while (*p) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (len == n && strncasecmp(p, v, n) == 0)
            return true;
        if (!bar)
            break;
        p = bar + 1;
    }
    return false;
}

bool fc_cfg_looks_like_url(const char *v)
{
    const char *sep = strstr(v, "://");
    if (!sep || sep == v)
        return false;
    for (const char *c = v; c < sep; c++)
        if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
            return false;
    return sep[3] != '\0';
}

/* Stores one textual value into the config field of opt; returns false and
 * reports on a bad value. */
static bool apply_value(struct loader *l, struct fc_config *cfg, const struct option *opt,
                        const char *value, const char *origin)
{
    char *field = (char *)cfg + opt->offset;
    switch (opt->type) {
    case T_STR: {
        if (strlen(value) > 8192) {
            fc_cfg_error(l, origin, "%s.%s: value longer than 8192 bytes", opt->section, opt->key);
            return false;
        }
        if ((opt->flags & F_URL) && *value && !fc_cfg_looks_like_url(value)) {
            fc_cfg_error(l, origin, "%s.%s: \"%s\" is not a URL (scheme://...)", opt->section,
                     opt->key, opt->flags & F_SECRET ? "***" : value);
            return false;
        }
        char **dst = (char **)(void *)field;
        free(*dst);
        *dst = fc_xstrdup(value);
        return true;
    }
    case T_INT: {
        long v;
        if (!fc_cfg_parse_long(value, &v)) {
            fc_cfg_error(l, origin, "%s.%s: expected an integer, got \"%s\"", opt->section, opt->key,
                     value);
            return false;
        }
        if (v < opt->min || v > opt->max) {
            fc_cfg_error(l, origin, "%s.%s: %ld is out of range [%ld, %ld]", opt->section, opt->key,
                     v, opt->min, opt->max);
            return false;
        }
        *(int *)(void *)field = (int)v;
        return true;
    }
    case T_BOOL: {
        bool v;
        if (!parse_bool(value, &v)) {
            fc_cfg_error(l, origin, "%s.%s: expected true or false, got \"%s\"", opt->section,
                     opt->key, value);
            return false;
        }
        *(bool *)(void *)field = v;
        return true;
    }
    case T_ENUM: {
        if (!enum_has(opt->choices, value)) {
            fc_cfg_error(l, origin, "%s.%s: \"%s\" is not one of %s", opt->section, opt->key, value,
                     opt->choices);
            return false;
        }
        char **dst = (char **)(void *)field;
        free(*dst);
        *dst = fc_xstrdup(value);
        for (char *c = *dst; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        return true;
    }
    case T_PROFILE: {
        for (int i = 0; i < 3; i++) {
            if (strcasecmp(value, profile_names[i]) == 0) {
                *(enum fc_profile *)(void *)field = (enum fc_profile)i;
                return true;
            }
        }
        fc_cfg_error(l, origin, "%s.%s: \"%s\" is not one of %s", opt->section, opt->key, value,
                 opt->choices);
        return false;
    }
    case T_FIDS: {
        uint64_t *fids;
        size_t n;
        struct fc_diag d;
        if (fc_parse_fid_list(value, &fids, &n, &d)) {
            fc_cfg_error(l, origin, "%s.%s: %s", opt->section, opt->key, d.msg);
            return false;
        }
        uint64_t **dst = (uint64_t **)(void *)field;
        free(*dst);
        *dst = fids;
        *(size_t *)(void *)((char *)cfg + opt->count_offset) = n;
        return true;
    }
    }
    return false;
}

void fc_cfg_env_name(const struct option *opt, char *out, size_t out_size)
{
    snprintf(out, out_size, "FCINDEX_%s_%s", opt->section, opt->key);
    for (char *c = out; *c; c++)
        *c = (char)toupper((unsigned char)*c);
}

static int by_priority(const void *a, const void *b)
{
    const struct setting *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority - y->priority;
    return x < y ? -1 : x > y; /* keep source order within a priority */
}

static void check_cross_fields(struct loader *l, struct fc_config *cfg)
{
    const char *jwt_origin = cfg->origins[fc_cfg_find_option("auth", "jwt_secret") - options];
    const char *pw_origin = cfg->origins[fc_cfg_find_option("auth", "admin_password") - options];
    /* empty secrets are generated at the first start; a configured one
     * must be strong in every profile */
    if (*cfg->jwt_secret && strlen(cfg->jwt_secret) < 32)
        fc_cfg_error(l, jwt_origin, "auth.jwt_secret: needs at least 32 bytes (or leave it empty "
                                "to have one generated and stored in the database)");
    const char *weak = *cfg->admin_password && !*cfg->admin_password_hash
                           ? fc_password_problem(cfg->admin_password,
                                                 cfg->profile == FC_PROFILE_PRODUCTION)
                           : NULL;
    if (weak)
        fc_cfg_error(l, pw_origin, "auth.admin_password: the password is %s", weak);
    if (*cfg->admin_password_hash && strncmp(cfg->admin_password_hash, "$argon2id$", 10) != 0)
        fc_cfg_error(l, cfg->origins[fc_cfg_find_option("auth", "admin_password_hash") - options],
                 "auth.admin_password_hash: expected an argon2id hash ($argon2id$...)");
    const char *listen = cfg->api_listen;
    const char *colon = strrchr(listen, ':');
    long port;
    if (!colon || colon == listen || !fc_cfg_parse_long(colon + 1, &port) || port < 0 || port > 65535)
        fc_cfg_error(l, cfg->origins[fc_cfg_find_option("api", "listen") - options],
                 "api.listen: expected host:port, got \"%s\"", listen);
}

static void set_origin(struct fc_config *cfg, const struct option *opt, const char *origin)
{
    size_t i = (size_t)(opt - options);
    free(cfg->origins[i]);
    cfg->origins[i] = fc_xstrdup(origin);
}

static void loader_cleanup(struct loader *l)
{
    for (size_t i = 0; i < l->settings.n; i++) {
        free(l->settings.p[i].value);
        free(l->settings.p[i].origin);
    }
    fc_vec_free(&l->settings);
    for (size_t i = 0; i < l->n_hubs; i++) {
        free(l->hubs[i].name);
        free(l->hubs[i].url);
        free(l->hubs[i].origin);
        for (size_t k = 0; k < l->hubs[i].n_headers; k++)
            free(l->hubs[i].headers[k]);
    }
}

enum fc_err fc_config_load(struct fc_config *cfg, const struct fc_config_sources *src,
                           struct fc_buf *errors)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->origins = fc_xcalloc(N_OPTIONS, sizeof(char *));
    struct loader l = {.errors = errors, .envp = src->envp};
    enum fc_err io = FC_OK;

    if (src->file)
        io = fc_cfg_read_file(&l, src->file);
    fc_cfg_read_env(&l);
    fc_cfg_read_sets(&l, src->sets, src->n_sets);
    if (l.settings.n)
        qsort(l.settings.p, l.settings.n, sizeof(*l.settings.p), by_priority);

    /* The profile decides some defaults, so settle it first. */
    const struct option *profile_opt = fc_cfg_find_option("general", "profile");
    apply_value(&l, cfg, profile_opt, profile_opt->def, "default");
    for (size_t i = 0; i < l.settings.n; i++)
        if (l.settings.p[i].opt == profile_opt)
            apply_value(&l, cfg, profile_opt, l.settings.p[i].value, l.settings.p[i].origin);

    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option *opt = &options[i];
        const char *def = opt->def;
        char key[160];
        snprintf(key, sizeof(key), "%s.%s", opt->section, opt->key);
        for (size_t k = 0; k < sizeof(profile_defaults) / sizeof(profile_defaults[0]); k++)
            if (strcmp(profile_defaults[k].key, key) == 0)
                def = profile_defaults[k].value[cfg->profile];
        if (opt != profile_opt)
            apply_value(&l, cfg, opt, def, "default");
        set_origin(cfg, opt, "default");
    }
    for (size_t i = 0; i < l.settings.n; i++) {
        struct setting *s = &l.settings.p[i];
        if (apply_value(&l, cfg, s->opt, s->value, s->origin))
            set_origin(cfg, s->opt, s->origin);
    }
    fc_cfg_resolve_hubs(&l, cfg, cfg->origins[fc_cfg_find_option("hubs", "urls") - options]);
    check_cross_fields(&l, cfg);

    loader_cleanup(&l);
    if (io)
        return io;
    return l.nerrors ? FC_ERR_INVALID : FC_OK;
}

void fc_config_cleanup(struct fc_config *cfg)
{
    for (size_t i = 0; i < N_OPTIONS; i++) {
        char *field = (char *)cfg + options[i].offset;
        if (options[i].type == T_STR || options[i].type == T_ENUM) {
            free(*(char **)(void *)field);
        } else if (options[i].type == T_FIDS) {
            free(*(uint64_t **)(void *)field);
        }
        if (cfg->origins)
            free(cfg->origins[i]);
    }
    free(cfg->origins);
    for (size_t i = 0; i < cfg->n_hubs; i++) {
        free(cfg->hubs[i].name);
        free(cfg->hubs[i].url);
        for (size_t k = 0; k < cfg->hubs[i].n_headers; k++)
            free(cfg->hubs[i].headers[k]);
    }
    memset(cfg, 0, sizeof(*cfg));
}

static void value_text(const struct fc_config *cfg, const struct option *opt, struct fc_buf *out)
{
    const char *field = (const char *)cfg + opt->offset;
    switch (opt->type) {
    case T_STR:
    case T_ENUM: {
        const char *v = *(char *const *)(const void *)field;
        if ((opt->flags & F_SECRET) && *v) {
            if (opt->flags & F_URL) {
                char red[FC_MAX_CONFIG_URL_BYTES + 16];
                fc_redact(v, red, sizeof(red));
                fc_buf_puts(out, red);
            } else {
                fc_buf_puts(out, "***");
            }
        } else {
            fc_buf_puts(out, v);
        }
        break;
    }
    case T_INT: fc_buf_printf(out, "%d", *(const int *)(const void *)field); break;
    case T_BOOL: fc_buf_puts(out, *(const bool *)(const void *)field ? "true" : "false"); break;
    case T_PROFILE: fc_buf_puts(out, profile_names[cfg->profile]); break;
    case T_FIDS: {
        const uint64_t *fids = *(uint64_t *const *)(const void *)field;
        size_t n = *(const size_t *)(const void *)((const char *)cfg + opt->count_offset);
        for (size_t i = 0; i < n; i++)
            fc_buf_printf(out, "%s%llu", i ? "," : "", (unsigned long long)fids[i]);
        break;
    }
    }
}

void fc_config_show(const struct fc_config *cfg, struct fc_buf *out)
{
    const char *section = "";
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option *opt = &options[i];
        if (strcmp(section, opt->section) != 0) {
            fc_buf_printf(out, "%s[%s]\n", i ? "\n" : "", opt->section);
            section = opt->section;
        }
        fc_buf_printf(out, "%s = ", opt->key);
        value_text(cfg, opt, out);
        fc_buf_printf(out, "  ; %s\n", cfg->origins[i]);
    }
    for (size_t i = 0; i < cfg->n_hubs; i++) {
        const struct fc_hub_conf *h = &cfg->hubs[i];
        char red[FC_MAX_CONFIG_URL_BYTES + 16];
        fc_redact(h->url, red, sizeof(red));
        fc_buf_printf(out, "\n[hub \"%s\"]  ; preference %zu\nurl = %s\n", h->name, i + 1, red);
        for (size_t k = 0; k < h->n_headers; k++) {
            const char *colon = strchr(h->headers[k], ':');
            fc_buf_printf(out, "header = %.*s: ***\n", (int)(colon - h->headers[k]),
                          h->headers[k]);
        }
        fc_buf_printf(out, "connect_timeout_ms = %d\ntimeout_ms = %d\nbudget_rps = %d\n"
                           "budget_burst = %d\n",
                      h->connect_timeout_ms, h->timeout_ms, h->budget_rps, h->budget_burst);
    }
}

void fc_config_docs(struct fc_buf *out)
{
    fc_buf_puts(out,
        "# Configuration reference\n\n"
        "Generated by `fcindex config docs` from the option table in `src/core/config.c`; "
        "a test fails when this file is out of date.\n\n"
        "Values come from, lowest precedence first: the built-in default (some depend on "
        "`general.profile`), the INI file given with `--config FILE`, the environment, and "
        "`--set section.key=value` on the command line. The environment form of every key is "
        "`FCINDEX_<SECTION>_<KEY>` in capitals (for example `FCINDEX_HUBS_URLS`); the plain "
        "names in the table's last column work too, and the `FCINDEX_` form wins when both "
        "are set. `REDIS_HOST`/`REDIS_PORT` build `redis.url` when no Redis URL is given.\n\n"
        "Unknown sections and keys, wrong types and out-of-range values are errors reported "
        "with file:line (or the variable name) and the key; `fcindex config check [FILE]` "
        "lists them all and exits non-zero. Secrets are masked by `fcindex config show`.\n\n"
        "Lists (`hubs.urls`, `strategy.root_targets`, `strategy.target_clients`, "
        "`api.cors_origins`) are comma-separated and may continue on indented lines.\n\n");
    const char *section = "";
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option *opt = &options[i];
        if (strcmp(section, opt->section) != 0) {
            fc_buf_printf(out, "\n## [%s]\n\n| key | type | default | environment | meaning |\n"
                               "|---|---|---|---|---|\n", opt->section);
            section = opt->section;
        }
        static const char *const type_names[] = {"string", "integer", "boolean", "choice",
                                                 "fid list", "choice"};
        char key[160], env[160];
        snprintf(key, sizeof(key), "%s.%s", opt->section, opt->key);
        fc_cfg_env_name(opt, env, sizeof(env));
        fc_buf_printf(out, "| `%s` | %s", opt->key, type_names[opt->type]);
        if (opt->type == T_INT)
            fc_buf_printf(out, " %ld..%ld", opt->min, opt->max);
        if (opt->choices) {
            /* a bare '|' would end the Markdown table cell */
            fc_buf_puts(out, " (");
            for (const char *c = opt->choices; *c; c++)
                fc_buf_puts(out, *c == '|' ? ", " : (char[2]){*c, 0});
            fc_buf_puts(out, ")");
        }
        fc_buf_puts(out, " | ");
        bool by_profile = false;
        for (size_t k = 0; k < sizeof(profile_defaults) / sizeof(profile_defaults[0]); k++) {
            if (strcmp(profile_defaults[k].key, key) == 0) {
                fc_buf_printf(out, "production %s, development %s, test %s",
                              profile_defaults[k].value[1], profile_defaults[k].value[0],
                              profile_defaults[k].value[2]);
                by_profile = true;
            }
        }
        if (!by_profile)
            fc_buf_printf(out, *opt->def ? "`%s`" : "(empty)", opt->def);
        fc_buf_printf(out, " | `%s`%s%s%s | %s%s |\n", env, opt->alias ? ", `" : "",
                      opt->alias ? opt->alias : "", opt->alias ? "`" : "", opt->help,
                      opt->flags & F_SECRET ? " Secret." : "");
    }
    fc_buf_puts(out,
        "\n## [hub \"NAME\"]\n\n"
        "One section per hub; `hubs.urls` may name it, otherwise it is tried after the listed "
        "ones, in file order. Settings not given inherit from `[hubs]`.\n\n"
        "| key | meaning |\n|---|---|\n"
        "| `url` | base URL, e.g. `http://127.0.0.1:3381` (required) |\n"
        "| `header` | extra request header `Name: value`, repeatable; `${VAR}` takes the value "
        "from the environment (a missing variable is an error), e.g. "
        "`header = x-api-key: ${NEYNAR_API_KEY}` |\n"
        "| `connect_timeout_ms`, `timeout_ms` | per-request timeouts |\n"
        "| `budget_rps`, `budget_burst` | the hub's request budget, shared by all workers |\n\n"
        "On the command line: `--set hub.NAME.url=...`.\n\n"
        "## Profiles\n\n"
        "`production` sets database pool 20, connection lifetime 30 min, TCP keepalive 30 s, "
        "and holds `auth.admin_password` to the stricter password rules (16+ characters, "
        "8+ different ones, not a common word with a few characters added). Only `production` "
        "may listen on an address other than loopback. "
        "`development`: 10 / 10 min / 30 s. `test`: 5 / 5 min / 10 s. Each value can be "
        "overridden. Security defaults and running behind a proxy: docs/security.md.\n");
}
