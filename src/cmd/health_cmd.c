/* fcindex health: the database and its schema, Redis, the processes that
 * report themselves there, each hub and how far the stored cursors are
 * behind it; "healthy" or "UNHEALTHY" and the exit status to match. */
#include <stdio.h>
#include <stdlib.h>

#include "cmd/cmd.h"
#include "core/fctime.h"
#include "fc/types.h"
#include "hub/client.h"
#include "state/procs.h"
#include "state/redis_conn.h"
#include "store/db.h"
#include "store/migrate.h"
#include "store/targets.h"

/* The processes of the instance, as they report themselves in Redis; the
 * indexer's streams come from the follower among them. */
static void print_processes(const struct fc_config *cfg)
{
    struct fc_procs *procs = NULL;
    struct fc_proc_status *list = NULL;
    size_t n = 0;
    struct fc_diag d;
    if (fc_procs_open_redis(cfg->redis_url, cfg->redis_prefix, &procs, &d) ||
        fc_procs_list(procs, &list, &n, &d)) {
        printf("processes  FAIL  %s\n", d.msg);
        fc_procs_free(procs);
        return;
    }
    if (!n)
        printf("processes  -     none reporting (is `fcindex serve` running?)\n");
    int64_t now = fc_now_unix_ms();
    for (size_t i = 0; i < n; i++) {
        const struct fc_proc_status *p = &list[i];
        printf("process    %s  %s %s pid %d, up %llds, heartbeat %.1fs ago%s", 
               p->alive ? "ok  " : "GONE", p->role, p->host, p->pid,
               (long long)((p->heartbeat_unix_ms - p->started_unix_ms) / 1000),
               (double)(now - p->heartbeat_unix_ms) / 1000.0,
               p->follower ? ", follows the stream" : "");
        if (p->indexer)
            printf(", %.0f events/s, %.0f messages/s", p->events_per_s, p->messages_per_s);
        printf("\n");
        for (unsigned s = 0; p->alive && s < p->n_streams; s++)
            printf("stream     ok    shard %u: cursor %llu, %.1f s behind the head\n",
                   p->stream[s].shard, (unsigned long long)p->stream[s].cursor,
                   p->stream[s].lag_s);
        for (unsigned h = 0; p->alive && h < p->n_hubs; h++)
            printf("hub seen   %s  %s by pid %d%s%s\n", p->hub[h].breaker_open ? "WARN" : "ok  ",
                   p->hub[h].name, p->pid, p->hub[h].last_error[0] ? ": " : "",
                   p->hub[h].last_error);
    }
    free(list);
    fc_procs_free(procs);
}

int fc_cmd_health(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc)
        return fc_cmd_usage("usage: fcindex health\n");
    struct fc_config cfg;
    int rc = fc_cmd_load_config(ctx, &cfg);
    if (rc) {
        fc_config_cleanup(&cfg);
        return rc;
    }
    bool healthy = true;
    struct fc_diag diag = {{0}};
    struct fc_db *db = NULL;
    struct fc_db_options o = fc_db_options_from(&cfg);
    o.connect_timeout_s = 5; /* a health check answers quickly */
    if (fc_db_open(&o, &db, &diag)) {
        printf("database   FAIL  %s\n", diag.msg);
        healthy = false;
    } else {
        int v = 0;
        if (fc_migrate_current_version(db, &v, &diag) || v != fc_migrate_latest_version()) {
            printf("database   FAIL  schema at version %d, this fcindex needs %d (run migrate)\n",
                   v, fc_migrate_latest_version());
            healthy = false;
        } else {
            printf("database   ok    schema version %d\n", v);
        }
    }
    if (*cfg.redis_url) {
        struct fc_redis *r = NULL;
        if (fc_redis_open(cfg.redis_url, 2000, &r, &diag) || fc_redis_ping(r, &diag)) {
            printf("redis      FAIL  %s\n", diag.msg);
            healthy = false;
        } else {
            printf("redis      ok\n");
        }
        fc_redis_close(r);
        print_processes(&cfg);
    } else {
        printf("redis      -     not configured (embedded state)\n");
    }
    struct fc_hub_client *hc = NULL;
    struct fc_hub_client_options ho = {.hubs = cfg.hubs, .n_hubs = cfg.n_hubs, .retries = 0};
    size_t reachable = 0;
    if (fc_hub_client_new(&ho, &hc, &diag)) {
        printf("hubs       FAIL  %s\n", diag.msg);
        healthy = false;
    }
    for (size_t i = 0; hc && i < cfg.n_hubs; i++) {
        struct fc_hub_conn *conn = fc_hub_conn_new(hc);
        struct fc_hub_info info;
        if (fc_hub_info(conn, (int)i, &info, NULL, &diag)) {
            printf("hub        FAIL  %s: %s\n", cfg.hubs[i].name, diag.msg);
        } else {
            reachable++;
            printf("hub        ok    %s: %s %s", cfg.hubs[i].name,
                   info.snapchain ? "snapchain" : "hubble", info.version);
            if (info.snapchain)
                printf(", %u shards", info.num_shards);
            printf("\n");
            /* lag per stream: how far the stored cursor is behind the hub */
            for (unsigned s = 1; db && info.snapchain && s <= info.num_shards && s < 64; s++) {
                uint64_t next;
                bool found;
                if (fc_cursor_get(db, "snapchain", s, &next, &found, &diag) == FC_OK) {
                    if (!found)
                        printf("lag        -     shard %u: never synced\n", s);
                    else {
                        long long behind = (long long)info.max_height[s] - (long long)fc_snapchain_event_block(next);
                        printf("lag        %s  shard %u: %lld blocks behind\n",
                               behind > 100 ? "WARN" : "ok  ", s, behind > 0 ? behind : 0);
                    }
                }
            }
            if (db && !info.snapchain) {
                uint64_t next;
                bool found;
                if (fc_cursor_get(db, cfg.hubs[i].name, 0, &next, &found, &diag) == FC_OK &&
                    found && next) {
                    int64_t ms = fc_now_unix_ms() - (int64_t)fc_hubble_event_unix_ms(next);
                    printf("lag        %s  %s: %lld s behind\n", ms > 60000 ? "WARN" : "ok  ",
                           cfg.hubs[i].name, (long long)(ms / 1000));
                }
            }
        }
        fc_hub_conn_free(conn);
    }
    if (cfg.n_hubs && !reachable)
        healthy = false;
    fc_hub_client_free(hc);
    fc_cmd_disconnect(&cfg, db);
    printf("%s\n", healthy ? "healthy" : "UNHEALTHY");
    return healthy ? FC_EXIT_OK : FC_EXIT_FAIL;
}
