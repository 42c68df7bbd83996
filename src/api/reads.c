#include "api/reads.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/internal.h"
#include "core/log.h"
#include "store/replica.h"

struct fc_api_reads {
    struct fc_replica *replica;  /* NULL without database.read_url */
    struct fc_pool *replica_pool;
    _Atomic uint64_t on_primary, on_replica; /* connections taken for public reads */
};

enum fc_err fc_api_reads_new(const struct fc_config *cfg, struct fc_api_reads **out,
                             struct fc_diag *diag)
{
    struct fc_api_reads *r = fc_xcalloc(1, sizeof(*r));
    *out = r;
    if (!cfg->database_read_url || !*cfg->database_read_url)
        return FC_OK;
    struct fc_db_options dbo = fc_db_options_from(cfg);
    dbo.url = cfg->database_read_url;
    dbo.statement_timeout_ms = cfg->api_query_timeout_ms;
    dbo.connect_timeout_s = 2; /* a replica that is away costs a request little */
    r->replica_pool = fc_pool_new(&dbo, (size_t)cfg->db_pool_size);
    struct fc_replica_options ro = {.primary = fc_db_options_from(cfg),
                                    .replica = dbo,
                                    .max_lag_ms = cfg->db_max_replica_lag_ms};
    ro.primary.statement_timeout_ms = ro.replica.statement_timeout_ms = 2000;
    ro.primary.connect_timeout_s = 2;
    return fc_replica_start(&ro, &r->replica, diag);
}

void fc_api_reads_free(struct fc_api_reads *r)
{
    if (!r)
        return;
    fc_replica_stop(r->replica);
    fc_pool_free(r->replica_pool);
    free(r);
}

bool fc_api_conn_take(struct fc_http_req *req, struct fc_http_resp *resp, bool primary_only,
                      struct fc_api_conn *c)
{
    struct fc_api_reads *r = req->api->reads;
    int64_t as_of = 0;
    c->db = NULL;
    c->replica = false;
    if (r->replica && req->public_read && !primary_only &&
        fc_replica_route(r->replica, &as_of)) {
        struct fc_diag d;
        enum fc_err err = fc_pool_get(r->replica_pool, 2000, &c->db, &d);
        if (err == FC_OK) {
            c->replica = true;
            atomic_fetch_add(&r->on_replica, 1);
            /* the response is as old as its oldest part */
            if (!req->read_as_of_ms || as_of < req->read_as_of_ms)
                req->read_as_of_ms = as_of;
            return true;
        }
        if (err == FC_ERR_UNAVAILABLE)
            fc_replica_failed(r->replica, d.msg);
        else
            log_warn("api", "request %s: no read replica connection came free (%s); reading "
                            "from the primary", req->request_id, d.msg);
    }
    c->db = fc_api_take_db(req, resp);
    if (!c->db)
        return false;
    if (req->public_read)
        atomic_fetch_add(&r->on_primary, 1);
    return true;
}

void fc_api_conn_give(struct fc_http_req *req, struct fc_api_conn *c, bool failed)
{
    struct fc_api_reads *r = req->api->reads;
    if (!c->db)
        return;
    if (c->replica) {
        bool lost = failed && fc_db_broken(c->db);
        fc_pool_put(r->replica_pool, c->db);
        if (lost)
            fc_replica_failed(r->replica, "its connection was lost");
    } else {
        fc_pool_put(req->api->pool, c->db);
    }
    c->db = NULL;
}

void fc_api_reads_metrics(struct fc_api_reads *r, struct fc_buf *o)
{
    fc_buf_printf(o,
                  "# HELP fcindex_db_public_reads_total Database connections taken for public "
                  "reads (cache misses), by the database that served them: the read replica "
                  "(database.read_url) or the primary.\n"
                  "# TYPE fcindex_db_public_reads_total counter\n"
                  "fcindex_db_public_reads_total{database=\"primary\"} %llu\n",
                  (unsigned long long)atomic_load(&r->on_primary));
    if (!r->replica)
        return;
    struct fc_replica_status st;
    fc_replica_status(r->replica, &st);
    fc_buf_printf(o,
                  "fcindex_db_public_reads_total{database=\"replica\"} %llu\n"
                  "# HELP fcindex_db_read_replica_up Whether the last probe reached the read "
                  "replica and found it a standby.\n"
                  "# TYPE fcindex_db_read_replica_up gauge\nfcindex_db_read_replica_up %d\n"
                  "# HELP fcindex_db_reads_on_replica 1 while public reads go to the read "
                  "replica, 0 while they fall back to the primary.\n"
                  "# TYPE fcindex_db_reads_on_replica gauge\nfcindex_db_reads_on_replica %d\n"
                  "# HELP fcindex_db_read_fallbacks_total Times public reads moved from the read "
                  "replica to the primary.\n"
                  "# TYPE fcindex_db_read_fallbacks_total counter\n"
                  "fcindex_db_read_fallbacks_total %llu\n",
                  (unsigned long long)atomic_load(&r->on_replica), st.up, st.serving,
                  (unsigned long long)st.fallbacks);
    if (st.lag_s >= 0)
        fc_buf_printf(o,
                      "# HELP fcindex_db_read_replica_lag_seconds How old the read replica's "
                      "data is at most: its replayed WAL position against the primary's, as "
                      "this process last measured them.\n"
                      "# TYPE fcindex_db_read_replica_lag_seconds gauge\n"
                      "fcindex_db_read_replica_lag_seconds %.3f\n",
                      st.lag_s);
}

void fc_api_reads_status_json(struct fc_api_reads *r, struct fc_buf *o)
{
    if (!r->replica) {
        fc_buf_puts(o, "\"reads\":{\"from\":\"primary\",\"replica\":null}");
        return;
    }
    struct fc_replica_status st;
    fc_replica_status(r->replica, &st);
    fc_buf_printf(o, "\"reads\":{\"from\":\"%s\",\"replica\":{\"up\":%s,\"lag_s\":",
                  st.serving ? "replica" : "primary", st.up ? "true" : "false");
    if (st.lag_s >= 0)
        fc_buf_printf(o, "%.3f", st.lag_s);
    else
        fc_buf_puts(o, "null");
    fc_buf_printf(o, ",\"fallbacks\":%llu,\"reason\":", (unsigned long long)st.fallbacks);
    if (st.serving)
        fc_buf_puts(o, "null");
    else
        fc_buf_json_str(o, st.reason, strlen(st.reason));
    fc_buf_puts(o, "}}");
}
