#include "indexer/report.h"

#include <stdio.h>
#include <string.h>

#include "core/fctime.h"
#include "core/log.h"
#include "hub/client.h"

static double rate(uint64_t now, uint64_t before, int64_t elapsed_ms)
{
    if (elapsed_ms <= 0 || now < before)
        return 0.0;
    return (double)(now - before) * 1000.0 / (double)elapsed_ms;
}

static void report_hubs(struct fc_hub_client *hc, struct fc_proc_status *s)
{
    size_t n = fc_hub_client_n_hubs(hc);
    s->n_hubs = n < FC_PROC_MAX_HUBS ? (unsigned)n : FC_PROC_MAX_HUBS;
    for (unsigned h = 0; h < s->n_hubs; h++) {
        struct fc_proc_hub *out = &s->hub[h];
        struct fc_hub_health health;
        fc_hub_client_health(hc, h, &health);
        /* a hub named by its URL may carry credentials */
        fc_redact(fc_hub_client_hub_name(hc, h), out->name, sizeof(out->name));
        out->breaker_open = health.breaker_open;
        out->latency_ms = health.latency_ms;
        snprintf(out->last_error, sizeof(out->last_error), "%s", health.last_error);
        out->n_outcomes = 0;
        for (int o = 0; o < FC_HUB_NOUTCOMES && out->n_outcomes < FC_PROC_MAX_OUTCOMES; o++) {
            snprintf(out->outcome[out->n_outcomes].name, sizeof(out->outcome[0].name), "%s",
                     fc_hub_outcome_name((enum fc_hub_outcome)o));
            out->outcome[out->n_outcomes++].count = health.counts[o];
        }
    }
}

void fc_indexer_report(struct fc_indexer *ix, struct fc_proc_status *s)
{
    struct fc_indexer_metrics m;
    fc_indexer_metrics(ix, &m);
    int64_t elapsed = s->heartbeat_unix_ms ? fc_now_unix_ms() - s->heartbeat_unix_ms : 0;
    s->events_per_s = rate(m.events_read, s->events_read, elapsed);
    s->messages_per_s = rate(m.backfill_messages, s->backfill_messages, elapsed);
    s->indexer = true;
    s->follower = m.follower;
    s->events_read = m.events_read;
    s->events_applied = m.events_applied;
    s->backfill_messages = m.backfill_messages;
    s->dead_letters = m.dead_letters;
    memcpy(s->verify, m.verify, sizeof(s->verify));
    s->verify_rejected = m.verify_rejected;
    s->retention_resyncs = m.retention_resyncs;
    s->block_rereads = m.block_rereads;
    s->writer_retries = m.writer_retries;
    s->db_down = m.db_down;
    s->redis_down = m.redis_down;
    /* only the follower reads the streams; another process's cursors would be stale */
    s->n_streams = 0;
    for (unsigned i = 0; m.follower && i < m.n_streams && i < FC_PROC_MAX_STREAMS; i++) {
        s->stream[i].shard = m.stream[i].shard;
        s->stream[i].cursor = m.stream[i].cursor;
        s->stream[i].lag_s = m.stream[i].lag_s;
        s->n_streams = i + 1;
    }
    report_hubs(fc_indexer_hub_client(ix), s);
}
