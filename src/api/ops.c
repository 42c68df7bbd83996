/* Operations routes: liveness, readiness (database, schema, Redis) and
 * Prometheus metrics. */
#include "api/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/fctime.h"
#include "api/status.h"
#include "core/log.h"
#include "state/redis_conn.h"
#include "store/migrate.h"

void fc_api_healthz(struct fc_http_req *req, struct fc_http_resp *resp)
{
    char b[96];
    int n = snprintf(b, sizeof(b), "{\"status\":\"ok\",\"uptime_s\":%lld}",
                     (long long)((fc_now_mono_ms() - req->api->started_ms) / 1000));
    fc_http_json(resp, 200, b, (size_t)n);
}

/* Writes a check's "ok", or "unavailable" after logging why; returns ok. */
static bool put_check(struct fc_buf *b, const char *what, bool ok, const struct fc_diag *diag)
{
    if (!ok)
        log_warn("readyz", "%s: %s", what, diag->msg);
    fc_buf_puts(b, ok ? "\"ok\"" : "\"unavailable\"");
    return ok;
}

/* The database and, once reached, its schema; false when either is not ready. */
static bool check_database(struct fc_api *api, struct fc_buf *b)
{
    struct fc_db *db = NULL;
    struct fc_diag diag;
    if (fc_pool_get(api->ops_pool, 500, &db, &diag))
        return put_check(b, "database", false, &diag);
    int v = 0;
    bool ok = fc_migrate_current_version(db, &v, &diag) == FC_OK;
    fc_pool_put(api->ops_pool, db);
    bool ready = put_check(b, "database", ok, &diag);
    fc_buf_printf(b, ",\"schema\":");
    if (ok && v == fc_migrate_latest_version()) {
        fc_buf_puts(b, "\"ok\"");
    } else if (ok) {
        fc_buf_printf(b, "\"version %d, expected %d (run fcindex migrate)\"", v,
                      fc_migrate_latest_version());
        ready = false;
    } else {
        fc_buf_puts(b, "\"unknown\"");
    }
    return ready;
}

/* Redis when configured, through one kept link reopened (with backoff) only
 * when lost. */
static bool check_redis(struct fc_api *api, struct fc_buf *b)
{
    if (!*api->cfg->redis_url) {
        fc_buf_puts(b, "\"not configured\"");
        return true;
    }
    struct fc_diag diag;
    pthread_mutex_lock(&api->ops_redis_lock);
    void *reply = fc_redis_link_cmd(&api->ops_redis, &diag, "PING");
    bool ok = reply && fc_redis_reply_is_ok(reply, "PONG");
    if (reply && !ok)
        fc_diag_set(&diag, FC_ERR_UNAVAILABLE, "PING refused");
    fc_redis_reply_free(reply);
    pthread_mutex_unlock(&api->ops_redis_lock);
    return put_check(b, "redis", ok, &diag);
}

/* /readyz names the dependency that is down, never the driver's text (it
 * can hold host names and user names); the detail goes to the log. */
void fc_api_readyz(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api *api = req->api;
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag diag;
    fc_buf_puts(&b, "{\"checks\":{\"database\":");
    bool ready = check_database(api, &b);
    fc_buf_puts(&b, ",\"redis\":");
    if (!check_redis(api, &b))
        ready = false;
    /* what the live indexers report about their own connections */
    struct fc_proc_status *procs = NULL;
    size_t n_procs = 0;
    bool ix_db_down = false, ix_redis_down = false;
    if (fc_procs_list(api->procs, &procs, &n_procs, &diag) == FC_OK)
        for (size_t i = 0; i < n_procs; i++) {
            ix_db_down |= procs[i].alive && procs[i].indexer && procs[i].db_down;
            ix_redis_down |= procs[i].alive && procs[i].indexer && procs[i].redis_down;
        }
    free(procs);
    if (ix_db_down || ix_redis_down) {
        fc_buf_printf(&b, ",\"indexer\":\"%s%s%s unreachable\"", ix_db_down ? "database" : "",
                      ix_db_down && ix_redis_down ? " and " : "", ix_redis_down ? "redis" : "");
        ready = false;
    }
    fc_buf_printf(&b, "},\"status\":\"%s\"}", ready ? "ready" : "not ready");
    fc_http_json(resp, ready ? 200 : 503, b.data, b.len);
    fc_buf_cleanup(&b);
}

static long rss_bytes(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, rss = 0;
    if (!f)
        return 0;
    if (fscanf(f, "%ld %ld", &pages, &rss) != 2)
        rss = 0;
    fclose(f);
    return rss * 4096;
}

/* The primary's view of its streaming replicas, as metric lines (none on
 * a primary without replicas; an error on a standby, then omitted). Lag
 * columns need superuser or pg_monitor, else they read as 0. */
static const char replica_lag_sql[] =
    "WITH r AS (SELECT replace(replace(coalesce(nullif(application_name, ''), client_addr::text, '?'), "
    "'\\', '\\\\'), '\"', '\\\"') AS name, "
    "coalesce(extract(epoch FROM replay_lag), 0) AS secs, "
    "coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0) AS bytes "
    "FROM pg_stat_replication) "
    "SELECT string_agg(format('fcindex_db_replica_lag_seconds{replica=\"%s\"} %s' || chr(10) || "
    "'fcindex_db_replica_lag_bytes{replica=\"%s\"} %s', name, secs, name, bytes), chr(10)) "
    "FROM r";

void fc_api_metrics(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api *api = req->api;
    struct fc_buf *o = &resp->body;
    fc_buf_reset(o);
    fc_metrics_render(api->metrics, o);
    struct fc_cache_stats cs;
    fc_cache_stats(api->cache, &cs);
    fc_buf_printf(o, "# TYPE fcindex_cache_hits_total counter\nfcindex_cache_hits_total %llu\n"
                     "# TYPE fcindex_cache_misses_total counter\nfcindex_cache_misses_total %llu\n"
                     "# TYPE fcindex_cache_waits_total counter\nfcindex_cache_waits_total %llu\n"
                     "# TYPE fcindex_cache_entries gauge\nfcindex_cache_entries %zu\n"
                     "# TYPE fcindex_cache_bytes gauge\nfcindex_cache_bytes %zu\n",
                  (unsigned long long)cs.hits, (unsigned long long)cs.misses,
                  (unsigned long long)cs.waits, cs.entries, cs.bytes);
    struct fc_pool_stats ps;
    fc_pool_stats(api->pool, &ps);
    fc_buf_printf(o, "# TYPE fcindex_db_pool_size gauge\nfcindex_db_pool_size %zu\n"
                     "# TYPE fcindex_db_pool_in_use gauge\nfcindex_db_pool_in_use %zu\n"
                     "# TYPE fcindex_db_pool_waits_total counter\nfcindex_db_pool_waits_total %llu\n"
                     "# TYPE fcindex_db_pool_timeouts_total counter\n"
                     "fcindex_db_pool_timeouts_total %llu\n"
                     "# HELP fcindex_db_pool_replaced_total Idle connections found closed by the "
                     "server (or past database.conn_lifetime_s) and replaced before use.\n"
                     "# TYPE fcindex_db_pool_replaced_total counter\n"
                     "fcindex_db_pool_replaced_total %llu\n",
                  ps.size, ps.in_use, (unsigned long long)ps.waits,
                  (unsigned long long)ps.timeouts, (unsigned long long)ps.replaced);
    fc_api_reads_metrics(api->reads, o);
    struct fc_proc_status *procs = NULL;
    size_t n_procs = 0;
    struct fc_diag pd;
    if (fc_procs_list(api->procs, &procs, &n_procs, &pd) == FC_OK)
        fc_api_status_metrics(procs, n_procs, o);
    free(procs);
    struct fc_jobq_counts jc;
    struct fc_diag d;
    if (fc_jobq_counts(api->jobq, &jc, &d) == FC_OK)
        fc_buf_printf(o, "# TYPE fcindex_backfill_jobs gauge\n"
                         "fcindex_backfill_jobs{state=\"pending\"} %zu\n"
                         "fcindex_backfill_jobs{state=\"running\"} %zu\n"
                         "fcindex_backfill_jobs{state=\"delayed\"} %zu\n"
                         "fcindex_backfill_jobs{state=\"failed\"} %zu\n",
                      jc.pending, jc.running, jc.delayed, jc.failed);
    struct fc_db *db = NULL;
    char dead[32] = "", queued[32] = "";
    struct fc_buf replicas = FC_BUF_INIT;
    bool replicas_ok = false, found = false;
    if (fc_pool_get(api->ops_pool, 500, &db, &d) == FC_OK) {
        if (fc_db_query_value(db, "SELECT count(*)::text FROM dead_letters", 0, NULL, dead,
                              sizeof(dead), &d))
            dead[0] = '\0';
        /* counted up to a bound: a backlog of millions must not slow a scrape */
        if (fc_db_query_value(db, "SELECT count(*)::text FROM (SELECT 1 FROM cast_search_queue "
                                  "LIMIT 1000000) q", 0, NULL, queued, sizeof(queued), &d))
            queued[0] = '\0';
        replicas_ok = fc_db_query_text(db, replica_lag_sql, 0, NULL, &replicas, &found, &d) == FC_OK;
        fc_pool_put(api->ops_pool, db);
    }
    if (*dead)
        fc_buf_printf(o, "# TYPE fcindex_dead_letters gauge\nfcindex_dead_letters %s\n", dead);
    if (*queued)
        fc_buf_printf(o, "# HELP fcindex_search_queue Casts written but not yet searchable "
                         "(counted up to 1,000,000).\n"
                         "# TYPE fcindex_search_queue gauge\nfcindex_search_queue %s\n", queued);
    if (replicas_ok) {
        fc_buf_puts(o, "# HELP fcindex_db_replica_lag_seconds Replay delay of each streaming "
                       "replica of the database, as the primary sees it (pg_stat_replication).\n"
                       "# TYPE fcindex_db_replica_lag_seconds gauge\n"
                       "# HELP fcindex_db_replica_lag_bytes WAL each streaming replica has yet "
                       "to replay.\n# TYPE fcindex_db_replica_lag_bytes gauge\n");
        if (found && replicas.len)
            fc_buf_printf(o, "%s\n", replicas.data);
    }
    fc_buf_cleanup(&replicas);
    fc_buf_printf(o, "# TYPE process_resident_memory_bytes gauge\n"
                     "process_resident_memory_bytes %ld\n", rss_bytes());
    resp->status = 200;
    resp->content_type = "text/plain; version=0.0.4";
}
