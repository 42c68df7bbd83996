/* Inside the configuration loader: the option table's row type and the
 * loader state shared by config.c (the table, applying values, show and
 * docs), config_sources.c (file, environment, --set) and config_hubs.c.
 * Not for use outside src/core/config*.c. */
#ifndef FC_CORE_CONFIG_INTERNAL_H
#define FC_CORE_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/buf.h"
#include "core/config.h"
#include "core/vec.h"

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
    FC_VEC(struct setting) settings;
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

/* ---- config.c: the option table and value checks ---- */

/* Row i of the option table, or NULL past its end. */
const struct option *fc_cfg_option_at(size_t i);
/* The option section.key (case-insensitive), or NULL. */
const struct option *fc_cfg_find_option(const char *section, const char *key);
/* Whether any option lives in section. */
bool fc_cfg_known_section(const char *section);
/* FCINDEX_SECTION_KEY for opt. */
void fc_cfg_env_name(const struct option *opt, char *out, size_t out_size);
/* Records one error line "origin: message" (values redacted) on the loader. */
void fc_cfg_error(struct loader *l, const char *origin, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* A whole decimal long, no spaces. */
bool fc_cfg_parse_long(const char *s, long *out);
/* scheme://something */
bool fc_cfg_looks_like_url(const char *v);

/* ---- config_sources.c ---- */

/* Expands ${VAR}; NULL (and an error) when a variable is missing. Caller frees. */
char *fc_cfg_expand_env(struct loader *l, const char *value, const char *origin);
/* Reads an INI file into settings; FC_ERR_IO when it cannot be opened. */
FC_MUST_CHECK
enum fc_err fc_cfg_read_file(struct loader *l, const char *path);
void fc_cfg_read_env(struct loader *l);
void fc_cfg_read_sets(struct loader *l, const char *const *sets, size_t n);

/* ---- config_hubs.c ---- */

/* One key of hub hub_name (url, header, timeouts, budget), checked. */
void fc_cfg_hub_set(struct loader *l, const char *hub_name, const char *key, const char *value,
                    const char *origin);
/* Fills cfg->hubs from hubs.urls and the hub sections; origin names hubs.urls. */
void fc_cfg_resolve_hubs(struct loader *l, struct fc_config *cfg, const char *origin);

#endif
