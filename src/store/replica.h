/* The read replica (database.read_url): how current its data is and whether
 * reads may go to it now.
 *
 * A probe thread asks, once per probe interval, the primary for its WAL
 * write position and then the replica how far it has replayed. Every commit
 * the primary had acknowledged when a probe started lies before the
 * position read then, so once the replica has replayed that position its
 * data is current as of the probe's start, a time on this process's
 * monotonic clock. Staleness is thus measured without comparing clocks of
 * two machines, and stays near zero while the primary is idle (the replay
 * timestamp alone would then grow).
 *
 * fc_replica_route reads a few atomics: no query per request. Reads may go
 * to the replica while the last probe reached it, it is a standby, and its
 * data is no older than max_lag_ms; they return to it as soon as a probe
 * finds it so again. While the primary cannot be asked the replica keeps
 * the reads: nothing it lacks can be committed meanwhile, and the primary
 * could not answer them either. Thread-safe. */
#ifndef FC_STORE_REPLICA_H
#define FC_STORE_REPLICA_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "store/db.h"

struct fc_replica;

struct fc_replica_options {
    struct fc_db_options primary, replica; /* the probe's own connections */
    int max_lag_ms;
    int probe_interval_ms; /* 0: max_lag_ms / 4, within 50..1000 ms */
};

/* Starts the probe thread (its first probe runs at once; until it finds
 * the replica current, reads go to the primary). *out is the caller's:
 * fc_replica_stop ends the thread and frees it. */
FC_MUST_CHECK
enum fc_err fc_replica_start(const struct fc_replica_options *opts, struct fc_replica **out,
                             struct fc_diag *diag);
void fc_replica_stop(struct fc_replica *r);

/* Whether a read may go to the replica now. When it may, *as_of_ms (the
 * fc_now_mono_ms clock) is the time its data is known current as of. */
bool fc_replica_route(struct fc_replica *r, int64_t *as_of_ms);

/* A connection to the replica was found lost: reads go to the primary
 * until a probe (started now) finds the replica well again. */
void fc_replica_failed(struct fc_replica *r, const char *why);

struct fc_replica_status {
    bool up;            /* the last probe reached it, and it is a standby */
    bool primary_known; /* the primary answered the last probe */
    bool serving;       /* reads go to it now */
    double lag_s;       /* how old its data is; < 0 while unknown */
    uint64_t fallbacks; /* times reads moved from it to the primary */
    char reason[200];   /* why reads are on the primary; "" while serving */
};
void fc_replica_status(struct fc_replica *r, struct fc_replica_status *out);

/* "16/B374D848" as a number; false when s is not a WAL position. */
bool fc_replica_parse_lsn(const char *s, uint64_t *out);

#endif
