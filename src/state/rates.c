#include "state/rates.h"

#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "state/facade.h"
#include "state/rates_backend.h"

FC_STATE_FACADE(rates)
FC_STATE_FACADE_OPENERS(rates)

/* The start of the bucket holding unix_ms (floor, also before 1970). */
static int64_t bucket_start(int64_t unix_ms)
{
    int64_t s = unix_ms / 1000 - (unix_ms % 1000 < 0);
    int64_t m = s % FC_RATES_BUCKET_S;
    return s - (m < 0 ? m + FC_RATES_BUCKET_S : m);
}

/* The first bucket of the window ending with the one holding now. */
static int64_t window_since(int64_t now_unix_ms)
{
    return bucket_start(now_unix_ms) - (int64_t)(FC_RATES_N_BUCKETS - 1) * FC_RATES_BUCKET_S;
}

static void add(struct fc_rate_counts *to, const struct fc_rate_counts *c)
{
    to->events_read += c->events_read;
    to->events_applied += c->events_applied;
    to->messages += c->messages;
}

enum fc_err fc_rates_history(struct fc_rates *r, int64_t now_unix_ms, struct fc_rate_history *out,
                             struct fc_diag *diag)
{
    int64_t since = window_since(now_unix_ms);
    struct fc_rate_row *rows = NULL;
    size_t n = 0, n_procs = 0;
    enum fc_err err = r->ops->list(r->impl, since, &rows, &n, &n_procs, diag);
    if (err)
        return err;
    memset(out, 0, sizeof(*out));
    out->since_unix_s = since;
    out->now_unix_ms = now_unix_ms;
    out->bucket_s = FC_RATES_BUCKET_S;
    out->n = FC_RATES_N_BUCKETS;
    bool *counted = fc_xcalloc(n_procs ? n_procs : 1, sizeof(*counted));
    for (size_t i = 0; i < n; i++) {
        int64_t off = rows[i].b.start_unix_s - since;
        /* a bucket from a clock ahead of ours, or not on a bucket boundary, is no bucket of this window */
        if (off < 0 || off % FC_RATES_BUCKET_S || off / FC_RATES_BUCKET_S >= FC_RATES_N_BUCKETS ||
            rows[i].proc >= n_procs)
            continue;
        add(&out->bucket[off / FC_RATES_BUCKET_S], &rows[i].b.c);
        add(&out->total, &rows[i].b.c);
        if (!counted[rows[i].proc]) {
            counted[rows[i].proc] = true;
            out->processes++;
        }
    }
    free(counted);
    free(rows);
    return FC_OK;
}

/* ---- the stored text of one bucket ---- */

void fc_rate_counts_format(const struct fc_rate_counts *c, char out[72])
{
    snprintf(out, 72, "%" PRIu64 " %" PRIu64 " %" PRIu64, c->events_read, c->events_applied,
             c->messages);
}

static bool next_u64(const char **p, const char *end, uint64_t *out)
{
    const char *s = *p;
    if (s >= end || *s < '0' || *s > '9')
        return false;
    uint64_t v = 0;
    for (; s < end && *s >= '0' && *s <= '9'; s++) {
        unsigned d = (unsigned)(*s - '0');
        if (v > (UINT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    *p = s;
    *out = v;
    return true;
}

bool fc_rate_counts_parse(const char *s, size_t len, struct fc_rate_counts *out)
{
    const char *p = s, *end = s + len;
    struct fc_rate_counts c;
    if (!next_u64(&p, end, &c.events_read) || p >= end || *p++ != ' ' ||
        !next_u64(&p, end, &c.events_applied) || p >= end || *p++ != ' ' ||
        !next_u64(&p, end, &c.messages) || p != end)
        return false;
    *out = c;
    return true;
}

/* ---- the recorder ---- */

struct slot {
    int64_t start_unix_s; /* 0: never used */
    struct fc_rate_counts c;
    bool dirty; /* changed since it was last written */
};

struct fc_rate_recorder {
    struct fc_rates *rates;
    char proc_id[96];
    struct fc_rate_counts last; /* the totals of the previous call */
    struct slot slot[FC_RATES_N_BUCKETS]; /* this process's own window, by start */
};

struct fc_rate_recorder *fc_rate_recorder_new(struct fc_rates *r, const char *proc_id)
{
    struct fc_rate_recorder *rec = fc_xcalloc(1, sizeof(*rec));
    rec->rates = r;
    snprintf(rec->proc_id, sizeof(rec->proc_id), "%s", proc_id);
    return rec;
}

void fc_rate_recorder_free(struct fc_rate_recorder *rec)
{
    free(rec);
}

static uint64_t grown(uint64_t now, uint64_t before)
{
    return now >= before ? now - before : now; /* went down: counted from zero again */
}

enum fc_err fc_rate_recorder_record(struct fc_rate_recorder *rec,
                                    const struct fc_rate_counts *totals, int64_t now_unix_ms,
                                    struct fc_diag *diag)
{
    struct fc_rate_counts d = {grown(totals->events_read, rec->last.events_read),
                               grown(totals->events_applied, rec->last.events_applied),
                               grown(totals->messages, rec->last.messages)};
    rec->last = *totals;
    int64_t start = bucket_start(now_unix_ms);
    int64_t index = start / FC_RATES_BUCKET_S % FC_RATES_N_BUCKETS;
    struct slot *s = &rec->slot[index < 0 ? index + FC_RATES_N_BUCKETS : index];
    if (s->start_unix_s != start) { /* the slot's previous bucket left the window */
        memset(s, 0, sizeof(*s));
        s->start_unix_s = start;
        s->dirty = true; /* an empty bucket is written too: it says the process was there */
    }
    if (d.events_read || d.events_applied || d.messages) {
        add(&s->c, &d);
        s->dirty = true;
    }
    int64_t since = window_since(now_unix_ms);
    struct fc_rate_bucket pending[FC_RATES_N_BUCKETS];
    size_t n = 0;
    for (size_t i = 0; i < FC_RATES_N_BUCKETS; i++)
        if (rec->slot[i].dirty && rec->slot[i].start_unix_s >= since)
            pending[n++] = (struct fc_rate_bucket){rec->slot[i].start_unix_s, rec->slot[i].c};
    if (!n)
        return FC_OK;
    enum fc_err err =
        rec->rates->ops->put(rec->rates->impl, rec->proc_id, pending, n, since, now_unix_ms, diag);
    if (err)
        return err;
    for (size_t i = 0; i < FC_RATES_N_BUCKETS; i++)
        rec->slot[i].dirty = false;
    return FC_OK;
}
