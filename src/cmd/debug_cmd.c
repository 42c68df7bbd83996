/* fcindex debug target FID | hub | queue: what the database holds next to
 * what the hubs hold, each hub's facts, and the queue's state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/fctime.h"
#include "core/fid_parse.h"
#include "core/log.h"
#include "core/vec.h"
#include "fc/decode.h"
#include "hub/client.h"
#include "state/jobq.h"
#include "store/db.h"
#include "store/debug.h"
#include "store/jobctl.h"
#include "store/target_list.h"

static const char usage[] = "usage: fcindex debug target FID [--json] | hub [--json] | "
                            "queue [--json]\n";

#define SHOWN 5 /* differences listed per kind */

typedef char hash_hex[41];
typedef FC_VEC(hash_hex) hashes;

static void collect(void *ud, const struct fc_item *it)
{
    hashes *hs = ud;
    if (it->kind != FC_ITEM_MESSAGE)
        return;
    char *h = *fc_vec_push(hs);
    for (int i = 0; i < 20; i++)
        snprintf(h + 2 * i, 3, "%02x", it->message->hash[i]);
}

static int cmp_hash(const void *a, const void *b)
{
    return strcmp(a, b);
}

/* Appends the first SHOWN hashes of a that b lacks (both sorted), as a JSON array. */
static void only_in(char (*a)[41], size_t na, char (*b)[41], size_t nb, struct fc_buf *out,
                    size_t *count)
{
    size_t i = 0, j = 0, shown = 0;
    *count = 0;
    fc_buf_puts(out, "[");
    while (i < na) {
        int c = j < nb ? strcmp(a[i], b[j]) : -1;
        if (c == 0) {
            i++;
            j++;
        } else if (c > 0) {
            j++;
        } else {
            if (shown++ < SHOWN)
                fc_buf_printf(out, "%s\"0x%s\"", shown > 1 ? "," : "", a[i]);
            (*count)++;
            i++;
        }
    }
    fc_buf_puts(out, "]");
}

static int debug_target(struct fc_db *db, const struct fc_config *cfg, uint64_t fid)
{
    struct fc_buf out = FC_BUF_INIT;
    struct fc_diag d;
    char q[24];
    snprintf(q, sizeof(q), "%llu", (unsigned long long)fid);
    /* the target's row: its job state, attempts and last error */
    struct fc_target_filter f = {.fid = fid, .limit = 1};
    fc_buf_printf(&out, "{\"fid\":%s,\"target\":", q);
    if (fc_target_list_json(db, &f, &out, &d)) {
        fprintf(stderr, "fcindex debug: %s\n", d.msg);
        fc_buf_cleanup(&out);
        return FC_EXIT_FAIL;
    }
    struct fc_hub_client *hc = NULL;
    struct fc_hub_client_options ho = {.hubs = cfg->hubs, .n_hubs = cfg->n_hubs, .retries = 1};
    enum fc_err herr = fc_hub_client_new(&ho, &hc, &d);
    struct fc_hub_conn *conn = herr ? NULL : fc_hub_conn_new(hc);
    struct fc_hub_info info = {0};
    if (!herr)
        herr = fc_hub_info(conn, -1, &info, NULL, &d);
    char hub_error[sizeof(d.msg)] = "";
    if (herr)
        snprintf(hub_error, sizeof(hub_error), "%s", d.msg);
    fc_buf_puts(&out, ",\"kinds\":{");
    int rc = FC_EXIT_OK;
    for (int k = 0; k < FC_DK_COUNT; k++) {
        char (*mine)[41] = NULL;
        size_t nmine = 0;
        if (fc_debug_hashes(db, fid, (enum fc_debug_kind)k, &mine, &nmine, &d)) {
            rc = fc_cmd_fail("debug", &d);
            break;
        }
        hashes theirs = {0};
        enum fc_err e = herr;
        if (!herr) {
            char path[160];
            snprintf(path, sizeof(path), "/v1/%s?fid=%s%s", fc_debug_kind_endpoint(k), q,
                     k == FC_DK_REACTIONS && info.snapchain ? "&reaction_type=None" : "");
            size_t pages;
            e = fc_hub_paginate(conn, path, 1000, FC_PAGE_MESSAGES, collect, &theirs, &pages, &d);
            if (e && !*hub_error)
                snprintf(hub_error, sizeof(hub_error), "%s", d.msg);
        }
        if (theirs.n)
            qsort(theirs.p, theirs.n, sizeof(*theirs.p), cmp_hash);
        fc_buf_printf(&out, "%s\"%s\":{\"database\":%zu,\"hubs\":", k ? "," : "",
                      fc_debug_kind_name(k), nmine);
        if (e)
            fc_buf_puts(&out, "null,\"only_in_database\":[],\"only_in_hubs\":[]");
        else {
            size_t a, b;
            fc_buf_printf(&out, "%zu,\"only_in_database\":", theirs.n);
            only_in(mine, nmine, theirs.p, theirs.n, &out, &a);
            fc_buf_puts(&out, ",\"only_in_hubs\":");
            only_in(theirs.p, theirs.n, mine, nmine, &out, &b);
            fc_buf_printf(&out, ",\"differences\":%zu", a + b);
        }
        fc_buf_puts(&out, "}");
        free(mine);
        fc_vec_free(&theirs);
    }
    fc_buf_puts(&out, "},\"hub_error\":");
    if (*hub_error)
        fc_buf_json_str(&out, hub_error, strlen(hub_error));
    else
        fc_buf_puts(&out, "null");
    fc_buf_puts(&out, "}");
    fc_hub_conn_free(conn);
    fc_hub_client_free(hc);
    if (!rc)
        printf("%s\n", out.data);
    fc_buf_cleanup(&out);
    return rc;
}

static int debug_hub(const struct fc_config *cfg)
{
    struct fc_hub_client *hc = NULL;
    struct fc_hub_client_options ho = {.hubs = cfg->hubs, .n_hubs = cfg->n_hubs, .retries = 0};
    struct fc_diag d;
    if (fc_hub_client_new(&ho, &hc, &d))
        return fc_cmd_fail("debug", &d);
    struct fc_buf out = FC_BUF_INIT;
    fc_buf_puts(&out, "{\"hubs\":[");
    for (size_t i = 0; i < cfg->n_hubs; i++) {
        struct fc_hub_conn *conn = fc_hub_conn_new(hc);
        struct fc_hub_info info;
        int64_t t0 = fc_now_mono_ms();
        enum fc_err e = fc_hub_info(conn, (int)i, &info, NULL, &d);
        int64_t ms = fc_now_mono_ms() - t0;
        char name[200];
        fc_redact(cfg->hubs[i].name, name, sizeof(name));
        fc_buf_printf(&out, "%s{\"name\":", i ? "," : "");
        fc_buf_json_str(&out, name, strlen(name));
        fc_buf_printf(&out, ",\"ok\":%s,\"latency_ms\":%lld", e ? "false" : "true", (long long)ms);
        if (e) {
            fc_buf_puts(&out, ",\"error\":");
            fc_buf_json_str(&out, d.msg, strlen(d.msg));
        } else {
            fc_buf_printf(&out, ",\"flavour\":\"%s\",\"version\":",
                          info.snapchain ? "snapchain" : "hubble");
            fc_buf_json_str(&out, info.version, strlen(info.version));
            fc_buf_puts(&out, ",\"shards\":[");
            for (unsigned s = 1; info.snapchain && s <= info.num_shards && s < 64; s++)
                fc_buf_printf(&out, "%s{\"shard\":%u,\"height\":%llu}", s > 1 ? "," : "", s,
                              (unsigned long long)info.max_height[s]);
            fc_buf_puts(&out, "]");
        }
        fc_buf_puts(&out, "}");
        fc_hub_conn_free(conn);
    }
    fc_buf_puts(&out, "]}");
    printf("%s\n", out.data);
    fc_buf_cleanup(&out);
    fc_hub_client_free(hc);
    return FC_EXIT_OK;
}

static int debug_queue(struct fc_db *db, const struct fc_config *cfg)
{
    struct fc_buf out = FC_BUF_INIT;
    struct fc_diag d;
    fc_buf_puts(&out, "{\"stats\":");
    enum fc_err err = fc_jobctl_stats_json(db, &out, &d);
    /* the running jobs, the failures and the oldest waiting, 20 of each */
    static const struct {
        const char *key, *state, *sort;
    } lists[] = {{"running", "running", "added_at"},
                 {"failed", "failed", "-fid"},
                 {"pending", "pending", "added_at"},
                 {"held", "held", "added_at"}};
    for (size_t i = 0; !err && i < sizeof(lists) / sizeof(lists[0]); i++) {
        fc_buf_printf(&out, ",\"%s\":", lists[i].key);
        struct fc_target_filter f = {.state = lists[i].state, .sort = lists[i].sort, .limit = 20};
        err = fc_target_list_json(db, &f, &out, &d);
    }
    fc_buf_puts(&out, ",\"queue\":");
    struct fc_jobq *q = NULL;
    struct fc_jobq_counts c;
    struct fc_jobq_options jo = {3, 500, cfg->job_lease_s * 1000};
    if (*cfg->redis_url &&
        fc_jobq_open_redis(cfg->redis_url, cfg->redis_prefix, "cli", &jo, &q, &d) == FC_OK &&
        fc_jobq_counts(q, &c, &d) == FC_OK)
        fc_buf_printf(&out, "{\"pending\":%zu,\"running\":%zu,\"delayed\":%zu,\"failed\":%zu}",
                      c.pending, c.running, c.delayed, c.failed);
    else
        fc_buf_puts(&out, "null");
    fc_jobq_free(q);
    fc_buf_puts(&out, "}");
    if (err)
        fprintf(stderr, "fcindex debug: %s\n", d.msg);
    else
        printf("%s\n", out.data);
    fc_buf_cleanup(&out);
    return err ? FC_EXIT_FAIL : FC_EXIT_OK;
}

int fc_cmd_debug(struct fc_cmd_ctx *ctx)
{
    fc_cmd_flag(ctx, "--json"); /* accepted: the output is always one JSON document */
    const char *sub = ctx->argc ? ctx->argv[0] : "";
    uint64_t fid = 0;
    struct fc_diag d;
    bool target = strcmp(sub, "target") == 0 && ctx->argc == 2 &&
                  fc_parse_fid(ctx->argv[1], &fid, &d) == FC_OK;
    bool hub = strcmp(sub, "hub") == 0 && ctx->argc == 1;
    bool queue = strcmp(sub, "queue") == 0 && ctx->argc == 1;
    if (!target && !hub && !queue)
        return fc_cmd_usage(usage);
    struct fc_config cfg;
    struct fc_db *db = NULL;
    int rc = fc_cmd_load_config(ctx, &cfg);
    if (!rc && !hub)
        rc = fc_cmd_open_db(&cfg, &db);
    if (!rc)
        rc = target ? debug_target(db, &cfg, fid) : hub ? debug_hub(&cfg)
                                                           : debug_queue(db, &cfg);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
