#include "api/status.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/fctime.h"

/* Counters are summed over the live indexer processes (each backfills);
 * the streams are the follower's, the one process that reads them. */
struct indexer_view {
    size_t live;
    uint64_t events_read, events_applied, backfill_messages, dead_letters;
    uint64_t retention_resyncs, block_rereads, writer_retries;
    uint64_t verify[6], verify_rejected;
    double events_per_s, messages_per_s;
    const struct fc_proc_status *follower;
};

static void view_of(const struct fc_proc_status *p, size_t n, struct indexer_view *v)
{
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        if (!p[i].alive || !p[i].indexer)
            continue;
        v->live++;
        v->events_read += p[i].events_read;
        v->events_applied += p[i].events_applied;
        v->backfill_messages += p[i].backfill_messages;
        v->dead_letters += p[i].dead_letters;
        v->retention_resyncs += p[i].retention_resyncs;
        v->block_rereads += p[i].block_rereads;
        v->writer_retries += p[i].writer_retries;
        for (int r = 0; r < 6; r++)
            v->verify[r] += p[i].verify[r];
        v->verify_rejected += p[i].verify_rejected;
        v->events_per_s += p[i].events_per_s;
        v->messages_per_s += p[i].messages_per_s;
        if (p[i].follower && !v->follower)
            v->follower = &p[i];
    }
}

static void iso_time(int64_t unix_ms, char out[32])
{
    time_t t = (time_t)(unix_ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (!strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm))
        out[0] = '\0';
}

static void streams_json(const struct fc_proc_status *f, struct fc_buf *o)
{
    fc_buf_puts(o, "[");
    for (unsigned i = 0; f && i < f->n_streams; i++)
        fc_buf_printf(o, "%s{\"shard\":%u,\"cursor\":%" PRIu64 ",\"lag_s\":%.1f}", i ? "," : "",
                      f->stream[i].shard, f->stream[i].cursor, f->stream[i].lag_s);
    fc_buf_puts(o, "]");
}

/* A hub as the live indexers see it: unhealthy when any of them has its
 * breaker open; requests summed; latency and error from the follower when
 * it reports the hub, else from the first that does. */
struct hub_view {
    size_t seen;
    bool breaker_open;
    const struct fc_proc_hub *detail;
    uint64_t counts[FC_PROC_MAX_OUTCOMES];
    const char *names[FC_PROC_MAX_OUTCOMES];
    size_t n_outcomes;
};

static void hub_view_of(const struct fc_proc_status *p, size_t n, const char *name,
                        const struct fc_proc_status *follower, struct hub_view *v)
{
    memset(v, 0, sizeof(*v));
    for (size_t i = 0; i < n; i++) {
        if (!p[i].alive || !p[i].indexer)
            continue;
        for (unsigned h = 0; h < p[i].n_hubs; h++) {
            const struct fc_proc_hub *hub = &p[i].hub[h];
            if (strcmp(hub->name, name) != 0)
                continue;
            v->seen++;
            v->breaker_open |= hub->breaker_open;
            if (!v->detail || &p[i] == follower)
                v->detail = hub;
            for (unsigned k = 0; k < hub->n_outcomes; k++) {
                size_t j = 0;
                while (j < v->n_outcomes && strcmp(v->names[j], hub->outcome[k].name) != 0)
                    j++;
                if (j == v->n_outcomes) {
                    if (v->n_outcomes == FC_PROC_MAX_OUTCOMES)
                        continue;
                    v->names[v->n_outcomes++] = hub->outcome[k].name;
                }
                v->counts[j] += hub->outcome[k].count;
            }
        }
    }
}

static void hubs_json(const struct fc_proc_status *p, size_t n, const char *const *names,
                      size_t n_hubs, const struct fc_proc_status *follower, struct fc_buf *o)
{
    fc_buf_puts(o, "\"hubs\":[");
    for (size_t i = 0; i < n_hubs; i++) {
        struct hub_view v;
        hub_view_of(p, n, names[i], follower, &v);
        fc_buf_puts(o, i ? ",{\"name\":" : "{\"name\":");
        fc_buf_json_str(o, names[i], strlen(names[i]));
        if (!v.seen) {
            fc_buf_puts(o, ",\"healthy\":null,\"latency_ms\":null,\"last_error\":null,"
                           "\"requests\":{}}");
            continue;
        }
        fc_buf_printf(o, ",\"healthy\":%s,\"latency_ms\":%.1f,\"last_error\":",
                      v.breaker_open ? "false" : "true", v.detail->latency_ms);
        if (v.detail->last_error[0])
            fc_buf_json_str(o, v.detail->last_error, strlen(v.detail->last_error));
        else
            fc_buf_puts(o, "null");
        fc_buf_puts(o, ",\"requests\":{");
        for (size_t k = 0; k < v.n_outcomes; k++) {
            fc_buf_puts(o, k ? "," : "");
            fc_buf_json_str(o, v.names[k], strlen(v.names[k]));
            fc_buf_printf(o, ":%" PRIu64, v.counts[k]);
        }
        fc_buf_puts(o, "}}");
    }
    fc_buf_puts(o, "]");
}

static void processes_json(const struct fc_proc_status *p, size_t n, struct fc_buf *o)
{
    int64_t now = fc_now_unix_ms();
    fc_buf_puts(o, "\"processes\":[");
    for (size_t i = 0; i < n; i++) {
        char started[32], beat[32];
        iso_time(p[i].started_unix_ms, started);
        iso_time(p[i].heartbeat_unix_ms, beat);
        fc_buf_puts(o, i ? ",{\"id\":" : "{\"id\":");
        fc_buf_json_str(o, p[i].id, strlen(p[i].id));
        fc_buf_puts(o, ",\"role\":");
        fc_buf_json_str(o, p[i].role, strlen(p[i].role));
        fc_buf_puts(o, ",\"host\":");
        fc_buf_json_str(o, p[i].host, strlen(p[i].host));
        fc_buf_puts(o, ",\"version\":");
        fc_buf_json_str(o, p[i].version, strlen(p[i].version));
        fc_buf_printf(o,
                      ",\"pid\":%d,\"state\":\"%s\",\"started_at\":\"%s\",\"uptime_s\":%" PRId64
                      ",\"last_heartbeat\":\"%s\",\"heartbeat_age_s\":%.1f,\"follower\":%s",
                      p[i].pid, p[i].alive ? "alive" : "gone", started,
                      (p[i].heartbeat_unix_ms - p[i].started_unix_ms) / 1000, beat,
                      (double)(now - p[i].heartbeat_unix_ms) / 1000.0,
                      p[i].follower ? "true" : "false");
        if (p[i].indexer)
            fc_buf_printf(o, ",\"events_per_s\":%.1f,\"messages_per_s\":%.1f}", p[i].events_per_s,
                          p[i].messages_per_s);
        else
            fc_buf_puts(o, ",\"events_per_s\":null,\"messages_per_s\":null}");
    }
    fc_buf_puts(o, "]");
}

void fc_api_status_json(const struct fc_proc_status *p, size_t n, const char *const *hub_names,
                        size_t n_hubs, struct fc_buf *o)
{
    struct indexer_view v;
    view_of(p, n, &v);
    if (!v.live) {
        fc_buf_puts(o, "\"indexer\":null,");
    } else {
        fc_buf_printf(o, "\"indexer\":{\"processes\":%zu,\"follower\":", v.live);
        if (v.follower)
            fc_buf_json_str(o, v.follower->id, strlen(v.follower->id));
        else
            fc_buf_puts(o, "null");
        fc_buf_printf(o,
                      ",\"events_read\":%" PRIu64 ",\"events_applied\":%" PRIu64
                      ",\"events_per_s\":%.1f,\"backfill_messages\":%" PRIu64
                      ",\"messages_per_s\":%.1f,\"dead_letters\":%" PRIu64 ",\"streams\":",
                      v.events_read, v.events_applied, v.events_per_s, v.backfill_messages,
                      v.messages_per_s, v.dead_letters);
        streams_json(v.follower, o);
        fc_buf_puts(o, "},");
    }
    hubs_json(p, n, hub_names, n_hubs, v.follower, o);
    fc_buf_puts(o, ",");
    processes_json(p, n, o);
}

void fc_api_status_rates_now_json(const struct fc_proc_status *p, size_t n, struct fc_buf *o)
{
    struct indexer_view v;
    view_of(p, n, &v);
    fc_buf_printf(o, "{\"indexer_processes\":%zu,\"events_per_s\":%.1f,\"messages_per_s\":%.1f}",
                  v.live, v.events_per_s, v.messages_per_s);
}

/* A Prometheus label value: backslash, quote and newline escaped. */
static void put_label(struct fc_buf *o, const char *v)
{
    for (; *v; v++) {
        if (*v == '\\' || *v == '"')
            fc_buf_putc(o, '\\');
        if (*v == '\n')
            fc_buf_puts(o, "\\n");
        else
            fc_buf_putc(o, *v);
    }
}

static void metrics_hubs(const struct fc_proc_status *p, size_t n, struct fc_buf *o)
{
    fc_buf_puts(o, "# HELP fcindex_hub_requests_total Hub requests by hub and outcome.\n"
                   "# TYPE fcindex_hub_requests_total counter\n");
    /* every hub name any live indexer reports, once */
    const char *seen[FC_PROC_MAX_HUBS * 4];
    size_t n_seen = 0;
    struct fc_buf up = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++) {
        if (!p[i].alive || !p[i].indexer)
            continue;
        for (unsigned h = 0; h < p[i].n_hubs; h++) {
            const char *name = p[i].hub[h].name;
            size_t k = 0;
            while (k < n_seen && strcmp(seen[k], name) != 0)
                k++;
            if (k < n_seen || n_seen == sizeof(seen) / sizeof(seen[0]))
                continue;
            seen[n_seen++] = name;
            struct hub_view v;
            hub_view_of(p, n, name, NULL, &v);
            for (size_t j = 0; j < v.n_outcomes; j++) {
                fc_buf_puts(o, "fcindex_hub_requests_total{hub=\"");
                put_label(o, name);
                fc_buf_puts(o, "\",outcome=\"");
                put_label(o, v.names[j]);
                fc_buf_printf(o, "\"} %" PRIu64 "\n", v.counts[j]);
            }
            fc_buf_puts(&up, "fcindex_hub_breaker_open{hub=\"");
            put_label(&up, name);
            fc_buf_printf(&up, "\"} %d\n", v.breaker_open ? 1 : 0);
        }
    }
    fc_buf_puts(o, "# HELP fcindex_hub_breaker_open 1 while a live indexer's circuit breaker "
                   "for the hub is open.\n# TYPE fcindex_hub_breaker_open gauge\n");
    if (up.len)
        fc_buf_append(o, up.data, up.len);
    fc_buf_cleanup(&up);
}

void fc_api_status_metrics(const struct fc_proc_status *p, size_t n, struct fc_buf *o)
{
    struct indexer_view v;
    view_of(p, n, &v);
    fc_buf_printf(o,
                  "# HELP fcindex_events_read_total Stream events read, summed over live "
                  "indexer processes.\n# TYPE fcindex_events_read_total counter\n"
                  "fcindex_events_read_total %" PRIu64 "\n"
                  "# TYPE fcindex_events_applied_total counter\n"
                  "fcindex_events_applied_total %" PRIu64 "\n"
                  "# TYPE fcindex_backfill_messages_total counter\n"
                  "fcindex_backfill_messages_total %" PRIu64 "\n"
                  "# HELP fcindex_retention_resyncs_total Cursors older than the hub's "
                  "retention (every target re-synced).\n"
                  "# TYPE fcindex_retention_resyncs_total counter\n"
                  "fcindex_retention_resyncs_total %" PRIu64 "\n"
                  "# TYPE fcindex_block_rereads_total counter\n"
                  "fcindex_block_rereads_total %" PRIu64 "\n"
                  "# HELP fcindex_writer_retries_total Transactions run again after a deadlock "
                  "or serialization failure.\n# TYPE fcindex_writer_retries_total counter\n"
                  "fcindex_writer_retries_total %" PRIu64 "\n"
                  "# HELP fcindex_sync_lag_seconds How long the follower has been behind "
                  "the stream head (0 at the head).\n# TYPE fcindex_sync_lag_seconds gauge\n",
                  v.events_read, v.events_applied, v.backfill_messages, v.retention_resyncs,
                  v.block_rereads, v.writer_retries);
    for (unsigned i = 0; v.follower && i < v.follower->n_streams; i++)
        fc_buf_printf(o, "fcindex_sync_lag_seconds{shard=\"%u\"} %.3f\n",
                      v.follower->stream[i].shard, v.follower->stream[i].lag_s);
    static const char *const outcomes[6] = {"ok", "hash_mismatch", "bad_signature",
                                            "unknown_signer", "data_mismatch", "unrebuildable"};
    fc_buf_puts(o, "# HELP fcindex_messages_verified_total Messages checked (hash, signature, "
                   "signer), by outcome, summed over live indexer processes.\n"
                   "# TYPE fcindex_messages_verified_total counter\n");
    for (int r = 0; r < 6; r++)
        fc_buf_printf(o, "fcindex_messages_verified_total{result=\"%s\"} %" PRIu64 "\n",
                      outcomes[r], v.verify[r]);
    fc_buf_printf(o, "# HELP fcindex_messages_rejected_total Messages that failed a check and "
                     "went to dead_letters instead of the tables (verify.mode enforce).\n"
                     "# TYPE fcindex_messages_rejected_total counter\n"
                     "fcindex_messages_rejected_total %" PRIu64 "\n",
                  v.verify_rejected);
    fc_buf_puts(o, "# HELP fcindex_stream_follower 1 while a live indexer follows the event "
                   "stream.\n# TYPE fcindex_stream_follower gauge\n");
    fc_buf_printf(o, "fcindex_stream_follower %d\n", v.follower ? 1 : 0);
    metrics_hubs(p, n, o);
    fc_buf_puts(o, "# HELP fcindex_processes Processes of this instance seen in the last "
                   "minute, by role and state.\n# TYPE fcindex_processes gauge\n");
    static const char *roles[] = {"all", "indexer", "api"};
    for (size_t r = 0; r < 3; r++)
        for (int alive = 1; alive >= 0; alive--) {
            size_t count = 0;
            for (size_t i = 0; i < n; i++)
                count += strcmp(p[i].role, roles[r]) == 0 && p[i].alive == (alive == 1);
            fc_buf_printf(o, "fcindex_processes{role=\"%s\",state=\"%s\"} %zu\n", roles[r],
                          alive ? "alive" : "gone", count);
        }
}
