#include "store/replica.h"

#include <ctype.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cond.h"
#include "core/fctime.h"
#include "core/log.h"

/* Probes whose position the replica has not replayed yet; beyond this the
 * oldest is dropped, which only makes the staleness read as larger. */
#define PENDING_MAX 1024

struct sample {
    int64_t at_ms; /* when the probe asked the primary */
    uint64_t lsn;  /* the primary's write position then */
};

struct fc_replica {
    struct fc_replica_options o;
    int interval_ms;
    struct fc_db *pdb, *rdb; /* the probe's connections (probe thread only) */
    struct sample pending[PENDING_MAX];
    size_t head, n;
    _Atomic bool up, primary_down, serving;
    _Atomic int64_t as_of_ms; /* 0: never found current */
    _Atomic uint64_t fallbacks;
    pthread_mutex_t lock; /* reason, stop, poke */
    pthread_cond_t wake;
    bool stop, poke;
    char reason[200];
    pthread_t thread;
};

/* A standby answers how far it has replayed; a server that is not one
 * answers "" (reads must not go to a promoted copy that went its own way). */
static const char replica_sql[] =
    "SELECT CASE WHEN pg_is_in_recovery() THEN coalesce(pg_last_wal_replay_lsn(), '0/0')::text "
    "ELSE '' END";

bool fc_replica_parse_lsn(const char *s, uint64_t *out)
{
    if (!s || !isxdigit((unsigned char)*s))
        return false;
    char *end;
    unsigned long long hi = strtoull(s, &end, 16);
    if (*end != '/' || hi > 0xffffffffULL || !isxdigit((unsigned char)end[1]))
        return false;
    const char *lo_s = end + 1;
    unsigned long long lo = strtoull(lo_s, &end, 16);
    if (*end || lo > 0xffffffffULL)
        return false;
    *out = (uint64_t)hi << 32 | (uint64_t)lo;
    return true;
}

static bool usable(struct fc_replica *r, int64_t now, int64_t *as_of)
{
    int64_t a = atomic_load(&r->as_of_ms);
    if (!atomic_load(&r->up) || a <= 0)
        return false;
    *as_of = a;
    return atomic_load(&r->primary_down) || now - a <= r->o.max_lag_ms;
}

static void set_reason(struct fc_replica *r, const char *text)
{
    pthread_mutex_lock(&r->lock);
    snprintf(r->reason, sizeof(r->reason), "%s", text);
    pthread_mutex_unlock(&r->lock);
}

/* Logs and counts a change of where reads go. */
static void note_route(struct fc_replica *r)
{
    int64_t now = fc_now_mono_ms(), as_of = 0;
    bool now_serving = usable(r, now, &as_of);
    bool was = atomic_exchange(&r->serving, now_serving);
    if (was == now_serving)
        return;
    if (now_serving) {
        log_info("db", "public reads go to the read replica (its data %.2f s old)",
                 (double)(now - as_of) / 1000.0);
        return;
    }
    atomic_fetch_add(&r->fallbacks, 1);
    struct fc_replica_status st;
    fc_replica_status(r, &st);
    log_warn("db", "public reads go to the primary: %s", st.reason);
}

/* One value from a probe connection, opened when needed and dropped when it
 * fails (the next probe connects again). */
static bool ask(struct fc_db **db, const struct fc_db_options *o, const char *sql, char *out,
                unsigned out_size, struct fc_diag *d)
{
    if (!*db && fc_db_open(o, db, d) != FC_OK) {
        *db = NULL;
        return false;
    }
    if (fc_db_query_value(*db, sql, 0, NULL, out, out_size, d) == FC_OK)
        return true;
    fc_db_close(*db);
    *db = NULL;
    return false;
}

static void push_sample(struct fc_replica *r, int64_t at_ms, uint64_t lsn)
{
    if (r->n) {
        struct sample *back = &r->pending[(r->head + r->n - 1) % PENDING_MAX];
        if (back->lsn >= lsn) { /* nothing new was written: the later time says more */
            back->at_ms = at_ms;
            return;
        }
    }
    if (r->n == PENDING_MAX) {
        r->head = (r->head + 1) % PENDING_MAX;
        r->n--;
    }
    r->pending[(r->head + r->n) % PENDING_MAX] = (struct sample){at_ms, lsn};
    r->n++;
}

static void probe(struct fc_replica *r)
{
    struct fc_diag d;
    char v[64];
    uint64_t lsn = 0;
    int64_t t0 = fc_now_mono_ms();
    bool primary_ok = ask(&r->pdb, &r->o.primary, "SELECT pg_current_wal_lsn()::text", v,
                          sizeof(v), &d);
    if (primary_ok && !fc_replica_parse_lsn(v, &lsn)) {
        primary_ok = false;
        snprintf(d.msg, sizeof(d.msg), "unexpected WAL position \"%.40s\"", v);
    }
    if (primary_ok)
        push_sample(r, t0, lsn);
    if (atomic_exchange(&r->primary_down, !primary_ok) != !primary_ok) {
        if (primary_ok)
            log_info("db", "the primary answers the read replica's probe again");
        else
            log_warn("db", "the primary cannot be asked for its WAL position (%s); the read "
                           "replica's lag is unknown meanwhile", d.msg);
    }

    uint64_t replayed = 0;
    char why[sizeof(r->reason)];
    if (!ask(&r->rdb, &r->o.replica, replica_sql, v, sizeof(v), &d)) {
        snprintf(why, sizeof(why), "the read replica cannot be reached (%.150s)", d.msg);
        set_reason(r, why);
        atomic_store(&r->up, false);
    } else if (!*v) {
        set_reason(r, "database.read_url is not a standby (pg_is_in_recovery() is false)");
        atomic_store(&r->up, false);
    } else if (!fc_replica_parse_lsn(v, &replayed)) {
        snprintf(why, sizeof(why), "the read replica reported the WAL position \"%.40s\"", v);
        set_reason(r, why);
        atomic_store(&r->up, false);
    } else {
        /* every probe whose position it has replayed: its data is as of the last one */
        int64_t as_of = 0;
        while (r->n && r->pending[r->head].lsn <= replayed) {
            as_of = r->pending[r->head].at_ms;
            r->head = (r->head + 1) % PENDING_MAX;
            r->n--;
        }
        if (as_of > atomic_load(&r->as_of_ms))
            atomic_store(&r->as_of_ms, as_of);
        set_reason(r, "");
        atomic_store(&r->up, true);
    }
    note_route(r);
}

static void *probe_loop(void *arg)
{
    struct fc_replica *r = arg;
    pthread_mutex_lock(&r->lock);
    while (!r->stop) {
        pthread_mutex_unlock(&r->lock);
        probe(r);
        pthread_mutex_lock(&r->lock);
        if (r->stop)
            break;
        if (!r->poke) {
            struct timespec until = fc_cond_deadline(r->interval_ms);
            while (!r->stop && !r->poke &&
                   pthread_cond_timedwait(&r->wake, &r->lock, &until) == 0) {
            }
        }
        r->poke = false;
    }
    pthread_mutex_unlock(&r->lock);
    return NULL;
}

enum fc_err fc_replica_start(const struct fc_replica_options *opts, struct fc_replica **out,
                             struct fc_diag *diag)
{
    if (opts->max_lag_ms <= 0)
        return fc_diag_set(diag, FC_ERR_INVALID, "the replica's largest lag must be positive");
    struct fc_replica *r = fc_xcalloc(1, sizeof(*r));
    r->o = *opts;
    r->interval_ms = opts->probe_interval_ms;
    if (r->interval_ms <= 0) {
        r->interval_ms = opts->max_lag_ms / 4;
        r->interval_ms = r->interval_ms < 50 ? 50 : r->interval_ms > 1000 ? 1000 : r->interval_ms;
    }
    snprintf(r->reason, sizeof(r->reason), "the read replica has not been probed yet");
    pthread_mutex_init(&r->lock, NULL);
    fc_cond_init_monotonic(&r->wake);
    if (pthread_create(&r->thread, NULL, probe_loop, r) != 0) {
        pthread_mutex_destroy(&r->lock);
        pthread_cond_destroy(&r->wake);
        free(r);
        return fc_diag_set(diag, FC_ERR_NOMEM, "cannot start the read replica's probe");
    }
    *out = r;
    return FC_OK;
}

void fc_replica_stop(struct fc_replica *r)
{
    if (!r)
        return;
    pthread_mutex_lock(&r->lock);
    r->stop = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
    pthread_join(r->thread, NULL);
    fc_db_close(r->pdb);
    fc_db_close(r->rdb);
    pthread_mutex_destroy(&r->lock);
    pthread_cond_destroy(&r->wake);
    free(r);
}

bool fc_replica_route(struct fc_replica *r, int64_t *as_of_ms)
{
    return usable(r, fc_now_mono_ms(), as_of_ms);
}

void fc_replica_failed(struct fc_replica *r, const char *why)
{
    char text[sizeof(r->reason)];
    snprintf(text, sizeof(text), "a read on the replica failed (%s)", why);
    set_reason(r, text);
    atomic_store(&r->up, false);
    note_route(r);
    pthread_mutex_lock(&r->lock);
    r->poke = true;
    pthread_cond_signal(&r->wake);
    pthread_mutex_unlock(&r->lock);
}

void fc_replica_status(struct fc_replica *r, struct fc_replica_status *out)
{
    int64_t now = fc_now_mono_ms(), as_of = 0;
    memset(out, 0, sizeof(*out));
    out->up = atomic_load(&r->up);
    out->primary_known = !atomic_load(&r->primary_down);
    out->serving = usable(r, now, &as_of);
    int64_t a = atomic_load(&r->as_of_ms);
    out->lag_s = out->up && a > 0 ? (double)(now - a) / 1000.0 : -1.0;
    out->fallbacks = atomic_load(&r->fallbacks);
    if (out->serving)
        return;
    pthread_mutex_lock(&r->lock);
    snprintf(out->reason, sizeof(out->reason), "%s", r->reason);
    pthread_mutex_unlock(&r->lock);
    if (!out->up)
        return;
    if (a > 0)
        snprintf(out->reason, sizeof(out->reason),
                 "the read replica's data is %.1f s old (database.max_replica_lag_ms is %d)",
                 out->lag_s, r->o.max_lag_ms);
    else
        snprintf(out->reason, sizeof(out->reason),
                 "the read replica has not replayed the primary's position yet");
}
