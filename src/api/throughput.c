/* GET /admin/throughput: the indexers' events and messages over the last
 * hour, per FC_RATES_BUCKET_S-second bucket, summed over every indexer
 * process that recorded in the window (gone ones included), from the
 * throughput history (state/rates.h); and their rates now from the
 * process registry. No database involved. */
#include "api/internal.h"

#include <inttypes.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "api/status.h"
#include "core/fctime.h"
#include "core/log.h"

/* One counter of every bucket, oldest first, as a JSON array named name. */
static void series(struct fc_buf *o, const char *name, const struct fc_rate_history *h,
                   size_t offset)
{
    fc_buf_printf(o, ",\"%s\":[", name);
    for (unsigned i = 0; i < h->n; i++) {
        uint64_t v;
        memcpy(&v, (const char *)&h->bucket[i] + offset, sizeof(v));
        fc_buf_printf(o, "%s%" PRIu64, i ? "," : "", v);
    }
    fc_buf_puts(o, "]");
}

void fc_api_admin_throughput(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api *api = req->api;
    struct fc_rate_history *h = fc_xcalloc(1, sizeof(*h));
    struct fc_diag d;
    if (fc_rates_history(api->rates, fc_now_unix_ms(), h, &d) != FC_OK) {
        log_warn("api", "throughput history: %s", d.msg);
        fc_http_error(resp, 503, "unavailable",
                      "the throughput history cannot be read (Redis unreachable); retry");
        free(h);
        return;
    }
    struct fc_proc_status *procs = NULL;
    size_t n = 0;
    if (fc_procs_list(api->procs, &procs, &n, &d) != FC_OK) {
        log_warn("api", "process registry: %s", d.msg);
        n = 0;
    }
    char since[32], until[32];
    fc_time_format_rfc3339(h->since_unix_s, since, sizeof(since));
    fc_time_format_rfc3339(h->now_unix_ms / 1000, until, sizeof(until));
    struct fc_buf *o = &resp->body;
    fc_buf_reset(o);
    fc_buf_printf(o,
                  "{\"bucket_s\":%u,\"since\":\"%s\",\"until\":\"%s\",\"processes\":%zu,"
                  "\"total\":{\"events_read\":%" PRIu64 ",\"events_applied\":%" PRIu64
                  ",\"messages\":%" PRIu64 "},\"now\":",
                  h->bucket_s, since, until, h->processes, h->total.events_read,
                  h->total.events_applied, h->total.messages);
    fc_api_status_rates_now_json(procs, n, o);
    series(o, "events_read", h, offsetof(struct fc_rate_counts, events_read));
    series(o, "events_applied", h, offsetof(struct fc_rate_counts, events_applied));
    series(o, "messages", h, offsetof(struct fc_rate_counts, messages));
    fc_buf_puts(o, "}");
    resp->status = 200;
    free(procs);
    free(h);
}
