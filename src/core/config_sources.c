/* Reads the three configuration sources into settings: the INI file (with
 * line numbers, continuation lines and [hub "NAME"] sections), the
 * environment (FCINDEX_SECTION_KEY, older plain names, misspelt keys) and
 * --set section.key=value. Values are checked later, when applied. */
#include "core/config_internal.h"

#include <ctype.h>
#include <errno.h>
#include <ini.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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
char *fc_cfg_expand_env(struct loader *l, const char *value, const char *origin)
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
            fc_cfg_error(l, origin, "unterminated ${ in value");
            fc_buf_cleanup(&b);
            return NULL;
        }
        char name[128];
        size_t n = (size_t)(end - start - 2);
        if (n == 0 || n >= sizeof(name)) {
            fc_cfg_error(l, origin, "bad environment variable reference");
            fc_buf_cleanup(&b);
            return NULL;
        }
        memcpy(name, start + 2, n);
        name[n] = '\0';
        const char *v = env_get(l->envp, name);
        if (!v) {
            fc_cfg_error(l, origin, "environment variable %s is not set", name);
            fc_buf_cleanup(&b);
            return NULL;
        }
        fc_buf_puts(&b, v);
        p = end + 1;
    }
    return fc_buf_take(&b);
}

static void add_setting(struct loader *l, const struct option *opt, const char *value,
                        const char *origin, int priority)
{
    struct setting *s = fc_vec_push(&l->settings);
    s->opt = opt;
    s->value = fc_xstrdup(value);
    s->origin = fc_xstrdup(origin);
    s->priority = priority;
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
        fc_cfg_error(l, origin, "line longer than %d bytes (split a list over indented "
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
        fc_cfg_error(l, origin, "key \"%s\" is outside any [section]", name);
        return 1;
    }
    if (hub_section_name(section, hub, sizeof(hub))) {
        fc_cfg_hub_set(l, hub, name, value, origin);
        return 1;
    }
    if (strncasecmp(section, "hub", 3) == 0 && !fc_cfg_known_section(section)) {
        fc_cfg_error(l, origin, "bad hub section [%s]; write [hub \"NAME\"]", section);
        return 1;
    }
    const struct option *opt = fc_cfg_find_option(section, name);
    if (!opt) {
        if (fc_cfg_known_section(section))
            fc_cfg_error(l, origin, "unknown key \"%s\" in [%s]", name, section);
        else
            fc_cfg_error(l, origin, "unknown section [%s]", section);
        return 1;
    }
    /* An indented continuation line extends a list value. */
    if (continuation && l->settings.n && l->settings.p[l->settings.n - 1].opt == opt &&
        (opt->type == T_FIDS || strcmp(opt->key, "urls") == 0 || strcmp(opt->key, "cors_origins") == 0)) {
        struct setting *s = &l->settings.p[l->settings.n - 1];
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_puts(&b, s->value);
        if (b.len && b.data[b.len - 1] != ',')
            fc_buf_putc(&b, ',');
        fc_buf_puts(&b, value);
        free(s->value);
        s->value = fc_buf_take(&b);
        return 1;
    }
    for (size_t i = 0; i < l->settings.n; i++) {
        if (l->settings.p[i].opt == opt && l->settings.p[i].priority == 1) {
            fc_cfg_error(l, origin, "%s.%s set twice (first at %s)", opt->section, opt->key,
                     l->settings.p[i].origin);
            return 1;
        }
    }
    add_setting(l, opt, value, origin, 1);
    return 1;
}

enum fc_err fc_cfg_read_file(struct loader *l, const char *path)
{
    l->fp = fopen(path, "r");
    if (!l->fp) {
        fc_cfg_error(l, path, "cannot open: %s", strerror(errno));
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
        fc_cfg_error(l, origin, "syntax error (expected [section] or key = value)");
    }
    return FC_OK;
}

void fc_cfg_read_env(struct loader *l)
{
    if (!l->envp)
        return;
    const struct option *opt;
    for (size_t i = 0; (opt = fc_cfg_option_at(i)); i++) {
        char name[128], origin[160];
        /* The plain alias applies first, so the FCINDEX_ form wins if both are set. */
        if (opt->alias) {
            const char *v = env_get(l->envp, opt->alias);
            if (v) {
                snprintf(origin, sizeof(origin), "env %s", opt->alias);
                add_setting(l, opt, v, origin, 2);
            }
        }
        fc_cfg_env_name(opt, name, sizeof(name));
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
        add_setting(l, fc_cfg_find_option("redis", "url"), url, "env REDIS_HOST/REDIS_PORT", 2);
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
        const struct option *o;
        for (size_t i = 0; !known && (o = fc_cfg_option_at(i)); i++) {
            char full[128], sect[64];
            fc_cfg_env_name(o, full, sizeof(full));
            known = strcmp(full, name) == 0;
            snprintf(sect, sizeof(sect), "FCINDEX_%s_", o->section);
            for (char *c = sect; *c; c++)
                *c = (char)toupper((unsigned char)*c);
            section_match |= strncmp(name, sect, strlen(sect)) == 0;
        }
        if (!known && section_match) {
            char origin[160];
            snprintf(origin, sizeof(origin), "env %s", name);
            fc_cfg_error(l, origin, "unknown configuration key");
        }
    }
}

void fc_cfg_read_sets(struct loader *l, const char *const *sets, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const char *s = sets[i];
        char origin[300];
        snprintf(origin, sizeof(origin), "--set %.200s", s);
        const char *eq = strchr(s, '=');
        const char *dot = strchr(s, '.');
        if (!eq || !dot || dot > eq) {
            fc_cfg_error(l, origin, "expected section.key=value");
            continue;
        }
        char section[64], key[128];
        size_t slen = (size_t)(dot - s), klen = (size_t)(eq - dot - 1);
        if (slen == 0 || slen >= sizeof(section) || klen == 0 || klen >= sizeof(key)) {
            fc_cfg_error(l, origin, "expected section.key=value");
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
                fc_cfg_error(l, origin, "expected hub.NAME.key=value");
                continue;
            }
            *d2 = '\0';
            fc_cfg_hub_set(l, key, d2 + 1, eq + 1, origin);
            continue;
        }
        const struct option *opt = fc_cfg_find_option(section, key);
        if (!opt) {
            fc_cfg_error(l, origin, "unknown key %s.%s", section, key);
            continue;
        }
        add_setting(l, opt, eq + 1, "--set", 3);
    }
}

