#include "core/config.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <ini.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/log.h"
#include "core/password.h"

enum opt_type { T_STR, T_INT, T_BOOL, T_ENUM, T_FIDS, T_PROFILE };

enum opt_flags {
    F_SECRET = 1 << 0,   /* masked by config show */
    F_URL = 1 << 1,      /* must look like scheme://... when non-empty */
};

struct option {
    const char *section;
    const char *key;
    enum opt_type type;
    size_t offset;       /* into struct fc_config */
    size_t count_offset; /* T_FIDS: offset of the size_t count */
    const char *def;     /* default as text; profile table may override */
    long min, max;       /* T_INT range */
    const char *choices; /* T_ENUM: "a|b|c" */
    unsigned flags;
    const char *alias;   /* plain environment name kept from earlier setups */
    const char *help;
};

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

    {"log", "level", T_ENUM, OFF(log_level), 0, "info", 0, 0, "error|warn|info|debug", 0, NULL,
     "Least severe level written."},
    {"log", "format", T_ENUM, OFF(log_format), 0, "text", 0, 0, "text|json", 0, NULL,
     "text (logfmt) or json (one object per line)."},
};

#define N_OPTIONS (sizeof(options) / sizeof(options[0]))

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

/* One value from a source, applied in priority order. */
struct setting {
    const struct option *opt;
    char *value;
    char *origin;
    int priority; /* 1 file, 2 env, 3 cli */
};

/* A [hub "NAME"] section or --set hub.NAME.key as read. */
struct hub_raw {
    char *name;
    char *url;
    char *headers[FC_MAX_HUB_HEADERS];
    size_t n_headers;
    long connect_timeout_ms, timeout_ms, budget_rps, budget_burst; /* -1 = inherit */
    char *origin;
};

struct loader {
    struct setting *settings;
    size_t n_settings, cap_settings;
    struct hub_raw hubs[FC_MAX_HUBS];
    size_t n_hubs;
    struct fc_buf *errors;
    int nerrors;
    char **envp;
    /* file reading state for line numbers */
    FILE *fp;
    const char *path;
    int lineno;
    bool line_too_long;
    char last_key[160]; /* section.key of the previous line, for continuations */
};

static void error_at(struct loader *l, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void error_at(struct loader *l, const char *origin, const char *fmt, ...)
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

static const struct option *find_option(const char *section, const char *key)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcasecmp(options[i].section, section) == 0 && strcasecmp(options[i].key, key) == 0)
            return &options[i];
    return NULL;
}

static bool known_section(const char *section)
{
    for (size_t i = 0; i < N_OPTIONS; i++)
        if (strcasecmp(options[i].section, section) == 0)
            return true;
    return false;
}

static void add_setting(struct loader *l, const struct option *opt, const char *value,
                        const char *origin, int priority)
{
    if (l->n_settings == l->cap_settings) {
        l->cap_settings = l->cap_settings ? l->cap_settings * 2 : 32;
        l->settings = fc_xrealloc(l->settings, l->cap_settings * sizeof(*l->settings));
    }
    struct setting *s = &l->settings[l->n_settings++];
    s->opt = opt;
    s->value = fc_xstrdup(value);
    s->origin = fc_xstrdup(origin);
    s->priority = priority;
}

static const char *env_get(char **envp, const char *name)
{
    if (!envp)
        return NULL;
    size_t n = strlen(name);
    for (char **e = envp; *e; e++)
        if (strncmp(*e, name, n) == 0 && (*e)[n] == '=')
            return *e + n + 1;
    return NULL;
}

/* Expands ${VAR} from the environment; a missing variable is an error so an
 * API key never silently becomes empty. */
static char *expand_env(struct loader *l, const char *value, const char *origin)
{
    struct fc_buf b = FC_BUF_INIT;
    const char *p = value;
    while (*p) {
        const char *start = strstr(p, "${");
        if (!start) {
            fc_buf_puts(&b, p);
            break;
        }
        fc_buf_append(&b, p, (size_t)(start - p));
        const char *end = strchr(start, '}');
        if (!end) {
            error_at(l, origin, "unterminated ${ in value");
            fc_buf_cleanup(&b);
            return NULL;
        }
        char name[128];
        size_t n = (size_t)(end - start - 2);
        if (n == 0 || n >= sizeof(name)) {
            error_at(l, origin, "bad environment variable reference");
            fc_buf_cleanup(&b);
            return NULL;
        }
        memcpy(name, start + 2, n);
        name[n] = '\0';
        const char *v = env_get(l->envp, name);
        if (!v) {
            error_at(l, origin, "environment variable %s is not set", name);
            fc_buf_cleanup(&b);
            return NULL;
        }
        fc_buf_puts(&b, v);
        p = end + 1;
    }
    return fc_buf_take(&b);
}

static bool parse_long(const char *s, long *out)
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

static bool looks_like_url(const char *v)
{
    const char *sep = strstr(v, "://");
    if (!sep || sep == v)
        return false;
    for (const char *c = v; c < sep; c++)
        if (!isalnum((unsigned char)*c) && *c != '+' && *c != '-' && *c != '.')
            return false;
    return sep[3] != '\0';
}

enum fc_err fc_parse_fid(const char *s, uint64_t *out, struct fc_diag *diag)
{
    if (!*s)
        return fc_diag_set(diag, FC_ERR_INVALID, "empty fid");
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is not a positive integer", s);
        if (v > (UINT64_MAX >> 1) / 10)
            return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is too large", s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v == 0 || v > (UINT64_MAX >> 1))
        return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is out of range", s);
    *out = v;
    return FC_OK;
}

enum fc_err fc_parse_fid_list(const char *s, uint64_t **out, size_t *n, struct fc_diag *diag)
{
    uint64_t *fids = NULL;
    size_t count = 0, cap = 0;
    const char *p = s;
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len == 0 && !end && count == 0)
            break; /* whitespace only */
        char item[32];
        if (len == 0 || len >= sizeof(item)) {
            free(fids);
            return fc_diag_set(diag, FC_ERR_INVALID, "bad fid list item at \"%.20s\"", p);
        }
        memcpy(item, p, len);
        item[len] = '\0';
        uint64_t fid;
        enum fc_err err = fc_parse_fid(item, &fid, diag);
        if (err) {
            free(fids);
            return err;
        }
        if (count == FC_MAX_CONFIG_FIDS) {
            free(fids);
            return fc_diag_set(diag, FC_ERR_LIMIT, "more than %d fids", FC_MAX_CONFIG_FIDS);
        }
        if (count == cap) {
            cap = cap ? cap * 2 : 16;
            fids = fc_xrealloc(fids, cap * sizeof(*fids));
        }
        fids[count++] = fid;
        if (!end)
            break;
        p = end + 1;
    }
    *out = fids;
    *n = count;
    return FC_OK;
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
            error_at(l, origin, "%s.%s: value longer than 8192 bytes", opt->section, opt->key);
            return false;
        }
        if ((opt->flags & F_URL) && *value && !looks_like_url(value)) {
            error_at(l, origin, "%s.%s: \"%s\" is not a URL (scheme://...)", opt->section,
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
        if (!parse_long(value, &v)) {
            error_at(l, origin, "%s.%s: expected an integer, got \"%s\"", opt->section, opt->key,
                     value);
            return false;
        }
        if (v < opt->min || v > opt->max) {
            error_at(l, origin, "%s.%s: %ld is out of range [%ld, %ld]", opt->section, opt->key,
                     v, opt->min, opt->max);
            return false;
        }
        *(int *)(void *)field = (int)v;
        return true;
    }
    case T_BOOL: {
        bool v;
        if (!parse_bool(value, &v)) {
            error_at(l, origin, "%s.%s: expected true or false, got \"%s\"", opt->section,
                     opt->key, value);
            return false;
        }
        *(bool *)(void *)field = v;
        return true;
    }
    case T_ENUM: {
        if (!enum_has(opt->choices, value)) {
            error_at(l, origin, "%s.%s: \"%s\" is not one of %s", opt->section, opt->key, value,
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
        error_at(l, origin, "%s.%s: \"%s\" is not one of %s", opt->section, opt->key, value,
                 opt->choices);
        return false;
    }
    case T_FIDS: {
        uint64_t *fids;
        size_t n;
        struct fc_diag d;
        if (fc_parse_fid_list(value, &fids, &n, &d)) {
            error_at(l, origin, "%s.%s: %s", opt->section, opt->key, d.msg);
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

static struct hub_raw *hub_get(struct loader *l, const char *name, const char *origin)
{
    for (size_t i = 0; i < l->n_hubs; i++)
        if (strcmp(l->hubs[i].name, name) == 0)
            return &l->hubs[i];
    if (l->n_hubs == FC_MAX_HUBS) {
        error_at(l, origin, "more than %d hubs", FC_MAX_HUBS);
        return NULL;
    }
    struct hub_raw *h = &l->hubs[l->n_hubs++];
    memset(h, 0, sizeof(*h));
    h->name = fc_xstrdup(name);
    h->origin = fc_xstrdup(origin);
    h->connect_timeout_ms = h->timeout_ms = h->budget_rps = h->budget_burst = -1;
    return h;
}

static void hub_set(struct loader *l, const char *hub_name, const char *key, const char *value,
                    const char *origin)
{
    struct hub_raw *h = hub_get(l, hub_name, origin);
    if (!h)
        return;
    if (strcasecmp(key, "url") == 0) {
        if (!looks_like_url(value) || strlen(value) > FC_MAX_CONFIG_URL_BYTES) {
            error_at(l, origin, "hub \"%s\".url: \"%s\" is not an http(s) URL", hub_name, value);
            return;
        }
        free(h->url);
        h->url = fc_xstrdup(value);
        return;
    }
    if (strcasecmp(key, "header") == 0) {
        const char *colon = strchr(value, ':');
        if (!colon || colon == value) {
            error_at(l, origin, "hub \"%s\".header: expected \"Name: value\"", hub_name);
            return;
        }
        if (h->n_headers == FC_MAX_HUB_HEADERS) {
            error_at(l, origin, "hub \"%s\": more than %d headers", hub_name, FC_MAX_HUB_HEADERS);
            return;
        }
        char *expanded = expand_env(l, value, origin);
        if (!expanded)
            return;
        if (strpbrk(expanded, "\r\n")) {
            error_at(l, origin, "hub \"%s\".header: value contains a line break", hub_name);
            free(expanded);
            return;
        }
        h->headers[h->n_headers++] = expanded;
        return;
    }
    static const struct {
        const char *key;
        size_t off;
        long min, max;
    } ints[] = {
        {"connect_timeout_ms", offsetof(struct hub_raw, connect_timeout_ms), 100, 600000},
        {"timeout_ms", offsetof(struct hub_raw, timeout_ms), 100, 600000},
        {"budget_rps", offsetof(struct hub_raw, budget_rps), 0, 1000000},
        {"budget_burst", offsetof(struct hub_raw, budget_burst), 1, 1000000},
    };
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (strcasecmp(key, ints[i].key) != 0)
            continue;
        long v;
        if (!parse_long(value, &v)) {
            error_at(l, origin, "hub \"%s\".%s: expected an integer, got \"%s\"", hub_name, key,
                     value);
        } else if (v < ints[i].min || v > ints[i].max) {
            error_at(l, origin, "hub \"%s\".%s: %ld is out of range [%ld, %ld]", hub_name, key, v,
                     ints[i].min, ints[i].max);
        } else {
            *(long *)(void *)((char *)h + ints[i].off) = v;
        }
        return;
    }
    error_at(l, origin, "hub \"%s\": unknown key \"%s\" (url, header, connect_timeout_ms, "
                        "timeout_ms, budget_rps, budget_burst)", hub_name, key);
}

/* Recognises [hub "NAME"] and copies NAME into out. */
static bool hub_section_name(const char *section, char *out, size_t out_size)
{
    if (strncasecmp(section, "hub", 3) != 0)
        return false;
    const char *p = section + 3;
    while (*p == ' ')
        p++;
    if (*p != '"')
        return false;
    const char *end = strchr(p + 1, '"');
    if (!end || end[1] != '\0' || end == p + 1 || (size_t)(end - p - 1) >= out_size)
        return false;
    memcpy(out, p + 1, (size_t)(end - p - 1));
    out[end - p - 1] = '\0';
    return true;
}

/* fgets-style reader that counts lines and notices lines longer than inih's
 * fixed line buffer, which it would otherwise cut silently. */
static char *read_line(char *str, int num, void *stream)
{
    struct loader *l = stream;
    if (!fgets(str, num, l->fp))
        return NULL;
    size_t n = strlen(str);
    if (n == (size_t)num - 1 && str[n - 1] != '\n' && !feof(l->fp)) {
        l->lineno++;
        l->line_too_long = true;
        char origin[512];
        snprintf(origin, sizeof(origin), "%s:%d", l->path, l->lineno);
        error_at(l, origin, "line longer than %d bytes (split a list over indented "
                            "continuation lines)", num - 2);
        int c;
        while ((c = fgetc(l->fp)) != EOF && c != '\n')
            ;
        str[0] = ';'; /* hand inih a comment instead of the cut line */
        str[1] = '\0';
        return str;
    }
    l->lineno++;
    return str;
}

static int on_ini(void *user, const char *section, const char *name, const char *value)
{
    struct loader *l = user;
    char origin[512], hub[128], key[160];
    snprintf(origin, sizeof(origin), "%s:%d", l->path, l->lineno);
    snprintf(key, sizeof(key), "%s.%s", section, name);
    bool continuation = strcmp(key, l->last_key) == 0 && !l->line_too_long;
    l->line_too_long = false;
    snprintf(l->last_key, sizeof(l->last_key), "%s", key);

    if (!*section) {
        error_at(l, origin, "key \"%s\" is outside any [section]", name);
        return 1;
    }
    if (hub_section_name(section, hub, sizeof(hub))) {
        hub_set(l, hub, name, value, origin);
        return 1;
    }
    if (strncasecmp(section, "hub", 3) == 0 && !known_section(section)) {
        error_at(l, origin, "bad hub section [%s]; write [hub \"NAME\"]", section);
        return 1;
    }
    const struct option *opt = find_option(section, name);
    if (!opt) {
        if (known_section(section))
            error_at(l, origin, "unknown key \"%s\" in [%s]", name, section);
        else
            error_at(l, origin, "unknown section [%s]", section);
        return 1;
    }
    /* An indented continuation line extends a list value. */
    if (continuation && l->n_settings && l->settings[l->n_settings - 1].opt == opt &&
        (opt->type == T_FIDS || strcmp(opt->key, "urls") == 0 || strcmp(opt->key, "cors_origins") == 0)) {
        struct setting *s = &l->settings[l->n_settings - 1];
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_puts(&b, s->value);
        if (b.len && b.data[b.len - 1] != ',')
            fc_buf_putc(&b, ',');
        fc_buf_puts(&b, value);
        free(s->value);
        s->value = fc_buf_take(&b);
        return 1;
    }
    for (size_t i = 0; i < l->n_settings; i++) {
        if (l->settings[i].opt == opt && l->settings[i].priority == 1) {
            error_at(l, origin, "%s.%s set twice (first at %s)", opt->section, opt->key,
                     l->settings[i].origin);
            return 1;
        }
    }
    add_setting(l, opt, value, origin, 1);
    return 1;
}

static enum fc_err read_file(struct loader *l, const char *path)
{
    l->fp = fopen(path, "r");
    if (!l->fp) {
        error_at(l, path, "cannot open: %s", strerror(errno));
        return FC_ERR_IO;
    }
    l->path = path;
    l->lineno = 0;
    int rc = ini_parse_stream(read_line, l, on_ini, l);
    fclose(l->fp);
    l->fp = NULL;
    if (rc > 0) {
        /* inih reports the first line it could not parse (no '=' or bad [). */
        char origin[512];
        snprintf(origin, sizeof(origin), "%s:%d", path, rc);
        error_at(l, origin, "syntax error (expected [section] or key = value)");
    }
    return FC_OK;
}

static void env_name(const struct option *opt, char *out, size_t out_size)
{
    snprintf(out, out_size, "FCINDEX_%s_%s", opt->section, opt->key);
    for (char *c = out; *c; c++)
        *c = (char)toupper((unsigned char)*c);
}

static void read_env(struct loader *l)
{
    if (!l->envp)
        return;
    for (size_t i = 0; i < N_OPTIONS; i++) {
        const struct option *opt = &options[i];
        char name[128], origin[160];
        /* The plain alias applies first, so the FCINDEX_ form wins if both are set. */
        if (opt->alias) {
            const char *v = env_get(l->envp, opt->alias);
            if (v) {
                snprintf(origin, sizeof(origin), "env %s", opt->alias);
                add_setting(l, opt, v, origin, 2);
            }
        }
        env_name(opt, name, sizeof(name));
        const char *v = env_get(l->envp, name);
        if (v) {
            snprintf(origin, sizeof(origin), "env %s", name);
            add_setting(l, opt, v, origin, 2);
        }
    }
    /* REDIS_HOST/REDIS_PORT from older setups, used only when no URL is given. */
    const char *host = env_get(l->envp, "REDIS_HOST");
    if (host && !env_get(l->envp, "REDIS_URL") && !env_get(l->envp, "FCINDEX_REDIS_URL")) {
        const char *port = env_get(l->envp, "REDIS_PORT");
        char url[512];
        snprintf(url, sizeof(url), "redis://%s:%s", host, port && *port ? port : "6379");
        add_setting(l, find_option("redis", "url"), url, "env REDIS_HOST/REDIS_PORT", 2);
    }
    /* A misspelt key under a known section is an error, not silently ignored. */
    for (char **e = l->envp; *e; e++) {
        if (strncmp(*e, "FCINDEX_", 8) != 0)
            continue;
        const char *eq = strchr(*e, '=');
        if (!eq)
            continue;
        char name[128];
        size_t n = (size_t)(eq - *e);
        if (n >= sizeof(name))
            continue;
        memcpy(name, *e, n);
        name[n] = '\0';
        bool known = strcmp(name, "FCINDEX_PROFILE") == 0;
        bool section_match = false;
        for (size_t i = 0; i < N_OPTIONS && !known; i++) {
            char full[128], sect[64];
            env_name(&options[i], full, sizeof(full));
            known = strcmp(full, name) == 0;
            snprintf(sect, sizeof(sect), "FCINDEX_%s_", options[i].section);
            for (char *c = sect; *c; c++)
                *c = (char)toupper((unsigned char)*c);
            section_match |= strncmp(name, sect, strlen(sect)) == 0;
        }
        if (!known && section_match) {
            char origin[160];
            snprintf(origin, sizeof(origin), "env %s", name);
            error_at(l, origin, "unknown configuration key");
        }
    }
}

static void read_sets(struct loader *l, const char *const *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = sets[i];
        char origin[300];
        snprintf(origin, sizeof(origin), "--set %.200s", s);
        const char *eq = strchr(s, '=');
        const char *dot = strchr(s, '.');
        if (!eq || !dot || dot > eq) {
            error_at(l, origin, "expected section.key=value");
            continue;
        }
        char section[64], key[128];
        size_t slen = (size_t)(dot - s), klen = (size_t)(eq - dot - 1);
        if (slen == 0 || slen >= sizeof(section) || klen == 0 || klen >= sizeof(key)) {
            error_at(l, origin, "expected section.key=value");
            continue;
        }
        memcpy(section, s, slen);
        section[slen] = '\0';
        memcpy(key, dot + 1, klen);
        key[klen] = '\0';
        if (strcmp(section, "hub") == 0) {
            /* hub.NAME.key=value */
            char *d2 = strrchr(key, '.');
            if (!d2 || d2 == key) {
                error_at(l, origin, "expected hub.NAME.key=value");
                continue;
            }
            *d2 = '\0';
            hub_set(l, key, d2 + 1, eq + 1, origin);
            continue;
        }
        const struct option *opt = find_option(section, key);
        if (!opt) {
            error_at(l, origin, "unknown key %s.%s", section, key);
            continue;
        }
        add_setting(l, opt, eq + 1, "--set", 3);
    }
}

static int by_priority(const void *a, const void *b)
{
    const struct setting *x = a, *y = b;
    if (x->priority != y->priority)
        return x->priority - y->priority;
    return x < y ? -1 : x > y; /* keep source order within a priority */
}

static void trim_trailing_slash(char *url)
{
    size_t n = strlen(url);
    while (n > 0 && url[n - 1] == '/')
        url[--n] = '\0';
}

static void build_hub(struct fc_config *cfg, struct hub_raw *raw, const char *url)
{
    struct fc_hub_conf *h = &cfg->hubs[cfg->n_hubs++];
    if (raw) {
        h->name = fc_xstrdup(raw->name);
    } else { /* an unnamed hub is named by its URL, without its credentials */
        char safe[FC_MAX_CONFIG_URL_BYTES + 16];
        fc_redact(url, safe, sizeof(safe));
        h->name = fc_xstrdup(safe);
    }
    h->url = fc_xstrdup(url);
    trim_trailing_slash(h->url);
    h->connect_timeout_ms = cfg->hub_connect_timeout_ms;
    h->timeout_ms = cfg->hub_timeout_ms;
    h->budget_rps = cfg->hub_budget_rps;
    h->budget_burst = cfg->hub_budget_burst;
    if (!raw)
        return;
    for (size_t i = 0; i < raw->n_headers; i++) {
        h->headers[i] = raw->headers[i];
        raw->headers[i] = NULL;
    }
    h->n_headers = raw->n_headers;
    raw->n_headers = 0;
    if (raw->connect_timeout_ms >= 0)
        h->connect_timeout_ms = (int)raw->connect_timeout_ms;
    if (raw->timeout_ms >= 0)
        h->timeout_ms = (int)raw->timeout_ms;
    if (raw->budget_rps >= 0)
        h->budget_rps = (int)raw->budget_rps;
    if (raw->budget_burst >= 0)
        h->budget_burst = (int)raw->budget_burst;
    raw->name[0] = '\0'; /* mark used */
}

/* Orders hubs: hubs.urls first (each an URL or a section name), then any
 * [hub] section not named there, in file order. */
static void resolve_hubs(struct loader *l, struct fc_config *cfg, const char *origin)
{
    const char *p = cfg->hubs_urls;
    while (p && *p) {
        while (*p == ' ' || *p == '\t')
            p++;
        const char *end = strchr(p, ',');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
            len--;
        if (len) {
            char *item = fc_xstrndup(p, len);
            struct hub_raw *match = NULL;
            for (size_t i = 0; i < l->n_hubs; i++) {
                struct hub_raw *h = &l->hubs[i];
                if (h->name[0] && (strcmp(h->name, item) == 0 ||
                                   (h->url && strcmp(h->url, item) == 0)))
                    match = h;
            }
            if (cfg->n_hubs == FC_MAX_HUBS) {
                error_at(l, origin, "hubs.urls: more than %d hubs", FC_MAX_HUBS);
            } else if (match && match->url) {
                char *url = fc_xstrdup(match->url);
                build_hub(cfg, match, url);
                free(url);
            } else if (match) {
                error_at(l, match->origin, "hub \"%s\" has no url", match->name);
            } else if (!looks_like_url(item) ||
                       (strncmp(item, "http://", 7) != 0 && strncmp(item, "https://", 8) != 0) ||
                       len > FC_MAX_CONFIG_URL_BYTES) {
                error_at(l, origin, "hubs.urls: \"%s\" is neither an http(s) URL nor a "
                                    "[hub \"NAME\"] section", item);
            } else {
                build_hub(cfg, NULL, item);
            }
            free(item);
        }
        if (!end)
            break;
        p = end + 1;
    }
    for (size_t i = 0; i < l->n_hubs; i++) {
        struct hub_raw *h = &l->hubs[i];
        if (!h->name[0])
            continue;
        if (!h->url) {
            error_at(l, h->origin, "hub \"%s\" has no url", h->name);
            continue;
        }
        if (cfg->n_hubs == FC_MAX_HUBS) {
            error_at(l, h->origin, "more than %d hubs", FC_MAX_HUBS);
            break;
        }
        char *url = fc_xstrdup(h->url);
        build_hub(cfg, h, url);
        free(url);
    }
}

static void check_cross_fields(struct loader *l, struct fc_config *cfg)
{
    const char *jwt_origin = cfg->origins[find_option("auth", "jwt_secret") - options];
    const char *pw_origin = cfg->origins[find_option("auth", "admin_password") - options];
    /* empty secrets are generated at the first start; a configured one
     * must be strong in every profile */
    if (*cfg->jwt_secret && strlen(cfg->jwt_secret) < 32)
        error_at(l, jwt_origin, "auth.jwt_secret: needs at least 32 bytes (or leave it empty "
                                "to have one generated and stored in the database)");
    const char *weak = *cfg->admin_password && !*cfg->admin_password_hash
                           ? fc_password_problem(cfg->admin_password,
                                                 cfg->profile == FC_PROFILE_PRODUCTION)
                           : NULL;
    if (weak)
        error_at(l, pw_origin, "auth.admin_password: the password is %s", weak);
    if (*cfg->admin_password_hash && strncmp(cfg->admin_password_hash, "$argon2id$", 10) != 0)
        error_at(l, cfg->origins[find_option("auth", "admin_password_hash") - options],
                 "auth.admin_password_hash: expected an argon2id hash ($argon2id$...)");
    const char *listen = cfg->api_listen;
    const char *colon = strrchr(listen, ':');
    long port;
    if (!colon || colon == listen || !parse_long(colon + 1, &port) || port < 0 || port > 65535)
        error_at(l, cfg->origins[find_option("api", "listen") - options],
                 "api.listen: expected host:port, got \"%s\"", listen);
}

static void set_origin(struct fc_config *cfg, const struct option *opt, const char *origin)
{
    size_t i = (size_t)(opt - options);
    free(cfg->origins[i]);
    cfg->origins[i] = fc_xstrdup(origin);
}

enum fc_err fc_config_load(struct fc_config *cfg, const struct fc_config_sources *src,
                           struct fc_buf *errors)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->origins = fc_xcalloc(N_OPTIONS, sizeof(char *));
    struct loader l = {.errors = errors, .envp = src->envp};
    enum fc_err io = FC_OK;

    if (src->file)
        io = read_file(&l, src->file);
    read_env(&l);
    read_sets(&l, src->sets, src->n_sets);
    if (l.n_settings)
        qsort(l.settings, l.n_settings, sizeof(*l.settings), by_priority);

    /* The profile decides some defaults, so settle it first. */
    const struct option *profile_opt = find_option("general", "profile");
    apply_value(&l, cfg, profile_opt, profile_opt->def, "default");
    for (size_t i = 0; i < l.n_settings; i++)
        if (l.settings[i].opt == profile_opt)
            apply_value(&l, cfg, profile_opt, l.settings[i].value, l.settings[i].origin);

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
    for (size_t i = 0; i < l.n_settings; i++) {
        struct setting *s = &l.settings[i];
        if (apply_value(&l, cfg, s->opt, s->value, s->origin))
            set_origin(cfg, s->opt, s->origin);
    }
    resolve_hubs(&l, cfg, cfg->origins[find_option("hubs", "urls") - options]);
    check_cross_fields(&l, cfg);

    for (size_t i = 0; i < l.n_settings; i++) {
        free(l.settings[i].value);
        free(l.settings[i].origin);
    }
    free(l.settings);
    for (size_t i = 0; i < l.n_hubs; i++) {
        free(l.hubs[i].name);
        free(l.hubs[i].url);
        free(l.hubs[i].origin);
        for (size_t k = 0; k < l.hubs[i].n_headers; k++)
            free(l.hubs[i].headers[k]);
    }
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
        env_name(opt, env, sizeof(env));
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
