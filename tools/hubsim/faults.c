#include "faults.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "rng.h"

static const char *const kind_names[FAULT_NKINDS] = {
    "none", "error", "rate_limit", "reset", "truncate", "broken_json", "slow", "hang",
};

const char *fault_kind_name(enum fault_kind k)
{
    return kind_names[k];
}

void faults_init(struct faults *f, uint64_t seed)
{
    memset(f, 0, sizeof(*f));
    pthread_mutex_init(&f->lock, NULL);
    f->seed = seed;
}

void faults_cleanup(struct faults *f)
{
    pthread_mutex_destroy(&f->lock);
}

static bool get_num(yajl_val obj, const char *key, double lo, double hi, double *out,
                    struct fc_diag *diag, enum fc_err *err)
{
    const char *path[] = {key, NULL};
    yajl_val v = yajl_tree_get(obj, path, yajl_t_any);
    if (!v)
        return false;
    if (!YAJL_IS_NUMBER(v)) {
        *err = fc_diag_set(diag, FC_ERR_INVALID, "%s: expected a number", key);
        return false;
    }
    double d = YAJL_GET_DOUBLE(v);
    if (d < lo || d > hi) {
        *err = fc_diag_set(diag, FC_ERR_INVALID, "%s: %g is out of range [%g, %g]", key, d, lo, hi);
        return false;
    }
    *out = d;
    return true;
}

/* Ors into *ways the flags of the names in obj's array key (way() is 0 for a
 * name it does not know, which sets *err naming the expected ones); false
 * when obj has no such array. */
static bool get_ways(yajl_val obj, const char *key, unsigned (*way)(const char *),
                     const char *expected, unsigned *ways, struct fc_diag *diag, enum fc_err *err)
{
    const char *path[] = {key, NULL};
    yajl_val a = yajl_tree_get(obj, path, yajl_t_array);
    if (!a)
        return false;
    for (size_t i = 0; i < YAJL_GET_ARRAY(a)->len && !*err; i++) {
        yajl_val v = YAJL_GET_ARRAY(a)->values[i];
        unsigned w = YAJL_IS_STRING(v) ? way(YAJL_GET_STRING(v)) : 0;
        if (!w)
            *err = fc_diag_set(diag, FC_ERR_INVALID, "%s: expected %s", key, expected);
        *ways |= w;
    }
    return true;
}

enum fc_err faults_apply_json(struct faults *f, const char *json, size_t len, int *down_ms,
                              struct fc_diag *diag)
{
    char errbuf[256], *text = fc_xstrndup(json, len);
    yajl_val root = yajl_tree_parse(text, errbuf, sizeof(errbuf));
    free(text);
    *down_ms = 0;
    if (!root || !YAJL_IS_OBJECT(root)) {
        yajl_tree_free(root);
        return fc_diag_set(diag, FC_ERR_INVALID, "body must be a JSON object%s%s",
                           root ? "" : ": ", root ? "" : errbuf);
    }
    static const char *const known[] = {
        "endpoint", "clear", "seed", "down_ms", "latency_ms", "jitter_ms", "error_rate",
        "error_statuses", "rate_limit_rate", "retry_after_s", "reset_rate", "truncate_rate",
        "broken_json_rate", "slow_rate", "slow_bytes_per_sec", "hang_rate", "hang_ms",
        "bad_item_rate", "bad_item_at", "bad_item_ways", "forge_rate", "forge_ways",
    };
    for (size_t i = 0; i < YAJL_GET_OBJECT(root)->len; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            ok |= strcmp(YAJL_GET_OBJECT(root)->keys[i], known[k]) == 0;
        if (!ok) {
            enum fc_err e = fc_diag_set(diag, FC_ERR_INVALID, "unknown key \"%s\"",
                                        YAJL_GET_OBJECT(root)->keys[i]);
            yajl_tree_free(root);
            return e;
        }
    }
    enum fc_err err = FC_OK;
    struct fault_rule r;
    memset(&r, 0, sizeof(r));
    snprintf(r.endpoint, sizeof(r.endpoint), "*");
    r.retry_after_s = 1;
    r.slow_bytes_per_sec = 2000;
    r.hang_ms = 60000;
    r.error_statuses[0] = 500;
    r.error_statuses[1] = 502;
    r.error_statuses[2] = 503;
    r.n_error_statuses = 3;
    const char *ep_path[] = {"endpoint", NULL};
    yajl_val ep = yajl_tree_get(root, ep_path, yajl_t_string);
    if (ep)
        snprintf(r.endpoint, sizeof(r.endpoint), "%s", YAJL_GET_STRING(ep));
    double d;
    pthread_mutex_lock(&f->lock);
    const char *clear_path[] = {"clear", NULL};
    yajl_val clear = yajl_tree_get(root, clear_path, yajl_t_true);
    if (clear)
        f->n_rules = 0;
    if (get_num(root, "seed", 0, 1e18, &d, diag, &err)) {
        f->seed = (uint64_t)d;
        f->counter = 0;
    }
    if (get_num(root, "down_ms", 0, 3600000, &d, diag, &err))
        *down_ms = (int)d;
    bool any = false;
#define NUM(key, lo, hi, field, type)                                  \
    if (get_num(root, key, lo, hi, &d, diag, &err)) {                  \
        r.field = (type)d;                                             \
        any = true;                                                    \
    }
    NUM("latency_ms", 0, 600000, latency_ms, int)
    NUM("jitter_ms", 0, 600000, jitter_ms, int)
    NUM("error_rate", 0, 1, error_rate, double)
    NUM("rate_limit_rate", 0, 1, rate_limit_rate, double)
    NUM("retry_after_s", 0, 3600, retry_after_s, int)
    NUM("reset_rate", 0, 1, reset_rate, double)
    NUM("truncate_rate", 0, 1, truncate_rate, double)
    NUM("broken_json_rate", 0, 1, broken_json_rate, double)
    NUM("slow_rate", 0, 1, slow_rate, double)
    NUM("slow_bytes_per_sec", 1, 1e9, slow_bytes_per_sec, int)
    NUM("hang_rate", 0, 1, hang_rate, double)
    NUM("hang_ms", 0, 3600000, hang_ms, int)
    NUM("bad_item_rate", 0, 1, items.rate, double)
    NUM("forge_rate", 0, 1, items.forge_rate, double)
#undef NUM
    const char *at_path[] = {"bad_item_at", NULL};
    yajl_val at = yajl_tree_get(root, at_path, yajl_t_array);
    if (at) {
        for (size_t i = 0; i < YAJL_GET_ARRAY(at)->len && !err; i++) {
            yajl_val v = YAJL_GET_ARRAY(at)->values[i];
            if (i >= ITEM_FAULT_MAX_AT || !YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < -1000000 ||
                YAJL_GET_INTEGER(v) > 1000000)
                err = fc_diag_set(diag, FC_ERR_INVALID, "bad_item_at: at most %d positions, "
                                  "integers (negative counts from the end)", ITEM_FAULT_MAX_AT);
            else
                r.items.at[r.items.n_at++] = (int)YAJL_GET_INTEGER(v);
        }
        any = true;
    }
    any |= get_ways(root, "bad_item_ways", item_fault_way, "\"hash\", \"fid\" or \"utf8\"",
                    &r.items.ways, diag, &err);
    any |= get_ways(root, "forge_ways", item_forge_way,
                    "\"text\", \"hash\", \"signature\" or \"signer\"", &r.items.forge_ways,
                    diag, &err);
    const char *st_path[] = {"error_statuses", NULL};
    yajl_val st = yajl_tree_get(root, st_path, yajl_t_array);
    if (st) {
        r.n_error_statuses = 0;
        for (size_t i = 0; i < YAJL_GET_ARRAY(st)->len && i < 4; i++) {
            yajl_val v = YAJL_GET_ARRAY(st)->values[i];
            if (!YAJL_IS_INTEGER(v) || YAJL_GET_INTEGER(v) < 400 || YAJL_GET_INTEGER(v) > 599) {
                err = fc_diag_set(diag, FC_ERR_INVALID, "error_statuses: expected 400..599");
                break;
            }
            r.error_statuses[r.n_error_statuses++] = (int)YAJL_GET_INTEGER(v);
        }
        if (!r.n_error_statuses && !err)
            err = fc_diag_set(diag, FC_ERR_INVALID, "error_statuses: empty");
        any = true;
    }
    if (!err && (any || ep)) {
        int slot = -1;
        for (int i = 0; i < f->n_rules; i++)
            if (strcmp(f->rules[i].endpoint, r.endpoint) == 0)
                slot = i;
        if (slot < 0 && f->n_rules < MAX_FAULT_RULES)
            slot = f->n_rules++;
        if (slot < 0)
            err = fc_diag_set(diag, FC_ERR_LIMIT, "too many fault rules");
        else
            f->rules[slot] = r;
    }
    pthread_mutex_unlock(&f->lock);
    yajl_tree_free(root);
    return err;
}

void faults_describe(struct faults *f, struct fc_buf *out)
{
    pthread_mutex_lock(&f->lock);
    fc_buf_printf(out, "{\"seed\":%llu,\"requests\":%llu,\"rules\":[",
                  (unsigned long long)f->seed, (unsigned long long)f->counter);
    for (int i = 0; i < f->n_rules; i++) {
        const struct fault_rule *r = &f->rules[i];
        fc_buf_printf(out, "%s{\"endpoint\":\"%s\",\"latency_ms\":%d,\"jitter_ms\":%d,"
                           "\"error_rate\":%g,\"error_statuses\":[",
                      i ? "," : "", r->endpoint, r->latency_ms, r->jitter_ms, r->error_rate);
        for (int k = 0; k < r->n_error_statuses; k++)
            fc_buf_printf(out, "%s%d", k ? "," : "", r->error_statuses[k]);
        fc_buf_printf(out, "],\"rate_limit_rate\":%g,\"retry_after_s\":%d,\"reset_rate\":%g,"
                           "\"truncate_rate\":%g,\"broken_json_rate\":%g,\"slow_rate\":%g,"
                           "\"slow_bytes_per_sec\":%d,\"hang_rate\":%g,\"hang_ms\":%d}",
                      r->rate_limit_rate, r->retry_after_s, r->reset_rate, r->truncate_rate,
                      r->broken_json_rate, r->slow_rate, r->slow_bytes_per_sec, r->hang_rate,
                      r->hang_ms);
        out->len--; /* reopen the rule object for its item faults */
        fc_buf_printf(out, ",\"bad_item_rate\":%g,\"bad_item_at\":[", r->items.rate);
        for (int k = 0; k < r->items.n_at; k++)
            fc_buf_printf(out, "%s%d", k ? "," : "", r->items.at[k]);
        fc_buf_puts(out, "],\"bad_item_ways\":[");
        static const char *const way_names[] = {"hash", "fid", "utf8"};
        bool first = true;
        for (int k = 0; k < 3; k++)
            if (!r->items.ways || (r->items.ways & (1u << k))) {
                fc_buf_printf(out, "%s\"%s\"", first ? "" : ",", way_names[k]);
                first = false;
            }
        fc_buf_printf(out, "],\"forge_rate\":%g,\"forge_ways\":[", r->items.forge_rate);
        static const char *const forge_names[FORGE_NWAYS] = {"text", "hash", "signature",
                                                             "signer"};
        first = true;
        for (int k = 0; k < FORGE_NWAYS; k++)
            if (!r->items.forge_ways || (r->items.forge_ways & (1u << k))) {
                fc_buf_printf(out, "%s\"%s\"", first ? "" : ",", forge_names[k]);
                first = false;
            }
        fc_buf_puts(out, "]}");
    }
    fc_buf_puts(out, "],\"injected\":{");
    for (int k = 1; k < FAULT_NKINDS; k++)
        fc_buf_printf(out, "%s\"%s\":%llu", k > 1 ? "," : "", kind_names[k],
                      (unsigned long long)f->injected[k]);
    fc_buf_printf(out, ",\"bad_item\":%llu,\"forged\":{\"text\":%llu,\"hash\":%llu,"
                       "\"signature\":%llu,\"signer\":%llu}",
                  (unsigned long long)f->bad_items, (unsigned long long)f->forged[0],
                  (unsigned long long)f->forged[1], (unsigned long long)f->forged[2],
                  (unsigned long long)f->forged[3]);
    fc_buf_puts(out, "}}");
    pthread_mutex_unlock(&f->lock);
}

struct fault_decision faults_decide(struct faults *f, const char *endpoint)
{
    struct fault_decision d;
    memset(&d, 0, sizeof(d));
    pthread_mutex_lock(&f->lock);
    const struct fault_rule *r = NULL;
    for (int i = 0; i < f->n_rules; i++) {
        if (strcmp(f->rules[i].endpoint, endpoint) == 0)
            r = &f->rules[i];
        else if (!r && strcmp(f->rules[i].endpoint, "*") == 0)
            r = &f->rules[i];
    }
    uint64_t n = f->counter++;
    if (r) {
        uint64_t h = sim_hash4(f->seed, 0xFA17, n, 0);
        d.delay_ms = r->latency_ms + (r->jitter_ms ? (int)(h % (uint64_t)(r->jitter_ms + 1)) : 0);
        /* One uniform draw picks at most one fault, by cumulative rates. */
        double u = sim_unit(sim_mix(h)), acc = 0;
        const struct {
            double rate;
            enum fault_kind kind;
        } order[] = {
            {r->hang_rate, FAULT_HANG}, {r->rate_limit_rate, FAULT_RATE_LIMIT},
            {r->error_rate, FAULT_ERROR}, {r->reset_rate, FAULT_RESET},
            {r->truncate_rate, FAULT_TRUNCATE}, {r->broken_json_rate, FAULT_BROKEN_JSON},
            {r->slow_rate, FAULT_SLOW},
        };
        for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
            acc += order[i].rate;
            if (u <= acc) {
                d.kind = order[i].kind;
                break;
            }
        }
        d.status = r->error_statuses[(h >> 40) % (uint64_t)(r->n_error_statuses ? r->n_error_statuses : 1)];
        d.retry_after_s = r->retry_after_s;
        d.slow_bytes_per_sec = r->slow_bytes_per_sec;
        d.hang_ms = r->hang_ms;
        d.items = r->items;
        f->injected[d.kind]++;
    }
    pthread_mutex_unlock(&f->lock);
    return d;
}

void faults_apply_items(struct faults *f, const struct fault_decision *d, struct fc_buf *body)
{
    if (!item_faults_active(&d->items))
        return;
    pthread_mutex_lock(&f->lock);
    uint64_t seed = f->seed;
    pthread_mutex_unlock(&f->lock);
    uint64_t forged[FORGE_NWAYS] = {0};
    size_t n = item_faults_apply(&d->items, seed, body, forged);
    pthread_mutex_lock(&f->lock);
    uint64_t n_forged = 0;
    for (int k = 0; k < FORGE_NWAYS; k++) {
        f->forged[k] += forged[k];
        n_forged += forged[k];
    }
    f->bad_items += n - n_forged;
    pthread_mutex_unlock(&f->lock);
}
