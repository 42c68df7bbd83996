/* fcindex configuration: one table of options drives the INI file, the
 * environment, --set overrides, `config check`, `config show` and the
 * generated docs/config.md.
 *
 * Precedence, lowest first: built-in default (which may depend on the
 * profile) < file < environment < command line. Every problem is reported
 * with where the value came from (file:line, environment variable name, or
 * --set) and the key; loading fails if any problem was found. Modules never
 * read a global config: commands build option structs from this one. */
#ifndef FC_CORE_CONFIG_H
#define FC_CORE_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"

enum fc_profile { FC_PROFILE_DEVELOPMENT, FC_PROFILE_PRODUCTION, FC_PROFILE_TEST };

#define FC_MAX_HUBS 16
#define FC_MAX_HUB_HEADERS 16
#define FC_MAX_CONFIG_URL_BYTES 2048

/* One hub, in order of preference. Strings are owned by the config. */
struct fc_hub_conf {
    char *name;                       /* section name, or the URL when unnamed */
    char *url;                        /* base URL, no trailing slash */
    char *headers[FC_MAX_HUB_HEADERS];/* "Name: value", ${VAR} already expanded */
    size_t n_headers;
    int connect_timeout_ms;
    int timeout_ms;
    int budget_rps;                   /* requests per second shared by all workers; 0 = unlimited */
    int budget_burst;
};

struct fc_config {
    enum fc_profile profile;

    /* [database] */
    char *database_url;
    int db_pool_size;
    int db_conn_lifetime_s;
    int db_keepalive_s;
    int db_statement_timeout_ms;
    char *database_read_url; /* "": no read replica */
    int db_max_replica_lag_ms;

    /* [redis]: an empty url means embedded state, no Redis */
    char *redis_url;
    char *redis_prefix;

    /* [hubs] defaults for every hub, and the ordered list */
    char *hubs_urls;
    int hub_connect_timeout_ms;
    int hub_timeout_ms;
    int hub_retries;
    int hub_budget_rps;
    int hub_budget_burst;
    struct fc_hub_conf hubs[FC_MAX_HUBS];
    size_t n_hubs;

    /* [strategy] */
    uint64_t *root_targets;
    size_t n_root_targets;
    uint64_t *target_clients;
    size_t n_target_clients;
    bool client_discovery;
    int expansion_depth;
    char *dropped_rows;

    /* [api] */
    char *api_listen;
    char *api_allowed_hosts;
    char *api_cors_origins;
    char *api_trusted_proxies;
    int api_cache_profile_ttl_s;
    int api_cache_feed_ttl_s;
    int api_cache_search_ttl_s;
    int api_rate_public_per_min;
    int api_rate_search_per_min;
    int api_rate_admin_per_min;
    int api_rate_login_per_min;
    int api_rate_login_global_per_min;
    int api_max_body_bytes;
    int api_max_connections;
    int api_connection_timeout_s;
    int api_max_connections_per_client;
    int api_request_timeout_s;
    int api_query_timeout_ms;
    int api_threads;
    bool api_access_log;

    /* [auth] */
    char *jwt_secret;
    char *admin_password;
    char *admin_password_hash;
    int token_ttl_s;
    bool cookie_secure;

    /* [concurrency] */
    int backfill_workers;
    int job_lease_s;
    int batch_size;
    int event_page_size;

    /* [verify] */
    char *verify_mode;

    /* [log] */
    char *log_level;
    char *log_format;

    /* Where each table option got its value ("default", "file.ini:12",
     * "env FCINDEX_X", "--set"); indexed like the option table. */
    char **origins;
};

struct fc_config_sources {
    const char *file;        /* INI path or NULL */
    char **envp;             /* environment (NULL-terminated) or NULL for none */
    const char *const *sets; /* "section.key=value" from --set */
    size_t n_sets;
};

/* Loads a configuration. On failure returns FC_ERR_INVALID (or FC_ERR_IO for
 * an unreadable file) and appends one line per problem to errors. The config
 * must be released with fc_config_cleanup in every case. */
FC_MUST_CHECK
enum fc_err fc_config_load(struct fc_config *cfg, const struct fc_config_sources *src,
                           struct fc_buf *errors);

void fc_config_cleanup(struct fc_config *cfg);

/* Writes the effective configuration as INI, secrets masked, each value
 * followed by a comment naming its origin. */
void fc_config_show(const struct fc_config *cfg, struct fc_buf *out);

/* Writes the Markdown reference of every option (docs/config.md). */
void fc_config_docs(struct fc_buf *out);

const char *fc_profile_name(enum fc_profile p);

#endif
