/* Which database a request reads from. Public reads (routes of the public
 * and search classes: req->public_read) go to the read replica
 * (database.read_url) while store/replica finds it current; everything else
 * (writes, sessions, admin), and every read when no replica is configured,
 * uses the primary's pool. A statement that fails on the replica is
 * repeated once on the primary, so a replica going away costs no request.
 *
 * How current a replica's answer is goes into req->read_as_of_ms, which the
 * response cache uses so that a fill from a replica that had not yet
 * replayed a change is not kept past that change's invalidation
 * (cache.h, as_of_ms). Thread-safe. */
#ifndef FC_API_READS_H
#define FC_API_READS_H

#include <stdbool.h>

#include "api/http.h"
#include "core/buf.h"
#include "core/config.h"
#include "core/err.h"
#include "store/pool.h"

struct fc_api_reads;

/* Opens the replica's pool and starts its probe when database.read_url is
 * set; without it every read goes to the API's own pool (the primary).
 * *out is the caller's, freed with fc_api_reads_free. */
FC_MUST_CHECK
enum fc_err fc_api_reads_new(const struct fc_config *cfg, struct fc_api_reads **out,
                             struct fc_diag *diag);
void fc_api_reads_free(struct fc_api_reads *r);

struct fc_api_conn {
    struct fc_db *db;
    bool replica; /* taken from the replica's pool */
};

/* A connection for req's reads: the replica's when req->public_read, the
 * replica is current and primary_only is false; else the primary's. False
 * after setting a 503 (no primary connection came free or it is down). */
bool fc_api_conn_take(struct fc_http_req *req, struct fc_http_resp *resp, bool primary_only,
                      struct fc_api_conn *c);
/* Gives the connection back; failed says its statement failed (a replica
 * connection found lost then sends reads to the primary until the next
 * probe finds the replica well). */
void fc_api_conn_give(struct fc_http_req *req, struct fc_api_conn *c, bool failed);

/* Prometheus lines: reads per database, and with a replica its state. */
void fc_api_reads_metrics(struct fc_api_reads *r, struct fc_buf *out);
/* The "reads" member of /admin/status's api object (no leading comma). */
void fc_api_reads_status_json(struct fc_api_reads *r, struct fc_buf *out);

#endif
