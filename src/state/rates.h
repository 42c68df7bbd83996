/* The indexer's throughput over the last hour: how many stream events each
 * indexer process read and applied and how many backfill messages it wrote,
 * per FC_RATES_BUCKET_S-second bucket, kept for FC_RATES_WINDOW_S seconds.
 *
 * Each process records its own buckets (fc_rate_recorder) and anyone reads
 * the history summed over every process that recorded in the window
 * (fc_rates_history), gone ones included: a process that stopped still
 * counts for the hour it worked. Two backends behind one interface:
 * embedded (one process: `serve --role=all` without Redis) keeps buckets in
 * memory; Redis keeps one hash of buckets per process, so the history
 * outlives the processes that wrote it and every API process reads the
 * same. A process stores each bucket's absolute counts, never increments,
 * so a write retried after a lost reply cannot count twice.
 * fc_rates is thread-safe; a recorder has one caller at a time. */
#ifndef FC_STATE_RATES_H
#define FC_STATE_RATES_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define FC_RATES_BUCKET_S 10
#define FC_RATES_WINDOW_S 3600
#define FC_RATES_N_BUCKETS (FC_RATES_WINDOW_S / FC_RATES_BUCKET_S)

struct fc_rate_counts {
    uint64_t events_read;    /* stream events read */
    uint64_t events_applied; /* of those, the ones that concerned a target and were written */
    uint64_t messages;       /* messages backfill workers wrote */
};

struct fc_rates;

/* The embedded store. Never fails. Free with fc_rates_free. */
struct fc_rates *fc_rates_new_embedded(void);
/* The Redis store under key prefix `prefix` at url. Redis being down now
 * is not an error: each later call connects again when needed. */
FC_MUST_CHECK
enum fc_err fc_rates_open_redis(const char *url, const char *prefix, struct fc_rates **out,
                                struct fc_diag *diag);
void fc_rates_free(struct fc_rates *r);

/* The last FC_RATES_WINDOW_S seconds, summed over processes: bucket[i]
 * covers [since + i * bucket_s, since + (i + 1) * bucket_s) seconds; the
 * last one is the bucket running now, still filling. */
struct fc_rate_history {
    int64_t since_unix_s;
    int64_t now_unix_ms;
    unsigned bucket_s, n;
    size_t processes; /* processes with at least one bucket in the window */
    struct fc_rate_counts total;
    struct fc_rate_counts bucket[FC_RATES_N_BUCKETS];
};

/* Fills *out (the caller's) for the window ending at now_unix_ms.
 * FC_ERR_UNAVAILABLE when Redis cannot be read. Buckets stored in a form
 * this version cannot read are left out. */
FC_MUST_CHECK
enum fc_err fc_rates_history(struct fc_rates *r, int64_t now_unix_ms, struct fc_rate_history *out,
                             struct fc_diag *diag);

/* ---- one process's recorder ---- */

struct fc_rate_recorder;

/* A recorder for the process proc_id (copied) writing into r (borrowed;
 * must outlive it). Free with fc_rate_recorder_free. */
struct fc_rate_recorder *fc_rate_recorder_new(struct fc_rates *r, const char *proc_id);
void fc_rate_recorder_free(struct fc_rate_recorder *rec);

/* Takes the process's running totals (counted since it started, so the
 * first call's totals all count): what they grew by since the last call
 * goes to the bucket holding now_unix_ms, then every bucket changed since
 * the last successful write is written. FC_ERR_UNAVAILABLE when the write
 * failed: nothing is lost, the buckets go with the next call (those still
 * inside the window). Totals that went down are taken as a new start. */
FC_MUST_CHECK
enum fc_err fc_rate_recorder_record(struct fc_rate_recorder *rec,
                                    const struct fc_rate_counts *totals, int64_t now_unix_ms,
                                    struct fc_diag *diag);

#endif
