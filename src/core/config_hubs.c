/* Hubs: [hub "NAME"] sections and hub.NAME.key settings as read, then the
 * ordered hub list (hubs.urls first, then sections not named there) with
 * each hub's headers, timeouts and budget. */
#include "core/config_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/comma_list.h"
#include "core/log.h"

static struct hub_raw *hub_get(struct loader *l, const char *name, const char *origin)
{
    for (size_t i = 0; i < l->n_hubs; i++)
        if (strcmp(l->hubs[i].name, name) == 0)
            return &l->hubs[i];
    if (l->n_hubs == FC_MAX_HUBS) {
        fc_cfg_error(l, origin, "more than %d hubs", FC_MAX_HUBS);
        return NULL;
    }
    struct hub_raw *h = &l->hubs[l->n_hubs++];
    memset(h, 0, sizeof(*h));
    h->name = fc_xstrdup(name);
    h->origin = fc_xstrdup(origin);
    h->connect_timeout_ms = h->timeout_ms = h->budget_rps = h->budget_burst = -1;
    return h;
}

void fc_cfg_hub_set(struct loader *l, const char *hub_name, const char *key, const char *value,
                    const char *origin)
{
    struct hub_raw *h = hub_get(l, hub_name, origin);
    if (!h)
        return;
    if (strcasecmp(key, "url") == 0) {
        if (!fc_cfg_looks_like_url(value) || strlen(value) > FC_MAX_CONFIG_URL_BYTES) {
            fc_cfg_error(l, origin, "hub \"%s\".url: \"%s\" is not an http(s) URL", hub_name, value);
            return;
        }
        free(h->url);
        h->url = fc_xstrdup(value);
        return;
    }
    if (strcasecmp(key, "header") == 0) {
        const char *colon = strchr(value, ':');
        if (!colon || colon == value) {
            fc_cfg_error(l, origin, "hub \"%s\".header: expected \"Name: value\"", hub_name);
            return;
        }
        if (h->n_headers == FC_MAX_HUB_HEADERS) {
            fc_cfg_error(l, origin, "hub \"%s\": more than %d headers", hub_name, FC_MAX_HUB_HEADERS);
            return;
        }
        char *expanded = fc_cfg_expand_env(l, value, origin);
        if (!expanded)
            return;
        if (strpbrk(expanded, "\r\n")) {
            fc_cfg_error(l, origin, "hub \"%s\".header: value contains a line break", hub_name);
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
        if (!fc_cfg_parse_long(value, &v)) {
            fc_cfg_error(l, origin, "hub \"%s\".%s: expected an integer, got \"%s\"", hub_name, key,
                     value);
        } else if (v < ints[i].min || v > ints[i].max) {
            fc_cfg_error(l, origin, "hub \"%s\".%s: %ld is out of range [%ld, %ld]", hub_name, key, v,
                     ints[i].min, ints[i].max);
        } else {
            *(long *)(void *)((char *)h + ints[i].off) = v;
        }
        return;
    }
    fc_cfg_error(l, origin, "hub \"%s\": unknown key \"%s\" (url, header, connect_timeout_ms, "
                        "timeout_ms, budget_rps, budget_burst)", hub_name, key);
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
void fc_cfg_resolve_hubs(struct loader *l, struct fc_config *cfg, const char *origin)
{
    const char *rest = cfg->hubs_urls, *p;
    size_t len;
    bool last;
    while (fc_comma_list_next(&rest, &p, &len, &last)) {
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
                fc_cfg_error(l, origin, "hubs.urls: more than %d hubs", FC_MAX_HUBS);
            } else if (match && match->url) {
                char *url = fc_xstrdup(match->url);
                build_hub(cfg, match, url);
                free(url);
            } else if (match) {
                fc_cfg_error(l, match->origin, "hub \"%s\" has no url", match->name);
            } else if (!fc_cfg_looks_like_url(item) ||
                       (strncmp(item, "http://", 7) != 0 && strncmp(item, "https://", 8) != 0) ||
                       len > FC_MAX_CONFIG_URL_BYTES) {
                fc_cfg_error(l, origin, "hubs.urls: \"%s\" is neither an http(s) URL nor a "
                                    "[hub \"NAME\"] section", item);
            } else {
                build_hub(cfg, NULL, item);
            }
            free(item);
        }
    }
    for (size_t i = 0; i < l->n_hubs; i++) {
        struct hub_raw *h = &l->hubs[i];
        if (!h->name[0])
            continue;
        if (!h->url) {
            fc_cfg_error(l, h->origin, "hub \"%s\" has no url", h->name);
            continue;
        }
        if (cfg->n_hubs == FC_MAX_HUBS) {
            fc_cfg_error(l, h->origin, "more than %d hubs", FC_MAX_HUBS);
            break;
        }
        char *url = fc_xstrdup(h->url);
        build_hub(cfg, h, url);
        free(url);
    }
}

