/* fcindex serve: backfill workers take pending targets (re-derived from
 * PostgreSQL every few seconds) while the leading process follows the event
 * streams. */
#include "indexer/internal.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"
#include "core/log.h"
#include "hub/client.h"
#include "store/db.h"
#include "store/jobreq.h"
#include "store/targets.h"
#include "store/writer.h"

/* While the stream cannot be followed the lag counts from now (it reads 0
 * only at the head). */
static void mark_behind(struct fc_indexer *ix)
{
    int64_t now = fc_now_mono_ms();
    for (unsigned s = 0; s <= ix->shards && s < FC_INDEXER_MAX_STREAMS; s++)
        if (!ix->m_behind_since_ms[s])
            ix->m_behind_since_ms[s] = now;
}

enum fc_err fc_indexer_run(struct fc_indexer *ix, volatile const int *stop, struct fc_diag *diag)
{
    ix->queue.daemon = true;
    ix->queue.stop = stop;
    int nworkers = ix->cfg->backfill_workers;
    ix->started_ms = ix->last_report_ms = fc_now_mono_ms();
    if (!*ix->cfg->redis_url) {
        /* the in-memory queue starts from PostgreSQL's state: only the
         * operators' requests recorded from now on concern it */
        bool paused;
        struct fc_diag d;
        ix->queue.apply_requests = true;
        if (fc_jobreq_poll(ix->db, &paused, &ix->queue.requests_applied, &d))
            ix->queue.requests_applied = -1; /* the first reading by a worker sets it */
    }
    struct fc_ix_workers *workers;
    enum fc_err err = fc_ix_workers_start(ix, nworkers, &workers, diag);
    /* made in the loop: PostgreSQL going away while it is prepared is an
     * outage like any other, not the end of this process's indexing */
    struct fc_writer *w = NULL;
    struct fc_hub_conn *conn = fc_hub_conn_new(ix->hubs);
    struct fc_sync_stats stats;
    memset(&stats, 0, sizeof(stats));
    int64_t last_refill = 0, last_log = fc_now_mono_ms(), last_lead_try = -10000;
    bool leading = false, said_follower = false;
    size_t last_events = 0;
    log_info("serve", "indexing: %d backfill workers, %s with %u shard%s", nworkers,
             ix->snapchain ? "Snapchain" : "Hubble", ix->shards, ix->shards == 1 ? "" : "s");
    while (!err && !*stop) {
        int64_t now = fc_now_mono_ms();
        if (!w || fc_db_broken(ix->db)) {
            /* PostgreSQL went away (or the writer is still to be made): the
             * stream waits (its lag grows), the follower lock went with the
             * session and is taken again */
            mark_behind(ix);
            leading = false;
            ix->m_follower = false;
            if (fc_db_broken(ix->db) && !fc_ix_db_wait(ix, &ix->db))
                break;
            fc_writer_free(w);
            w = NULL;
            if (fc_writer_new(ix->db, &w, diag) != FC_OK) {
                fc_log_gate_fail(&ix->db_gate, diag->msg);
                for (int i = 0; i < 5 && !*stop && !fc_db_broken(ix->db); i++)
                    usleep(100000); /* not the connection: try again shortly */
                continue;
            }
            last_refill = 0;
            last_lead_try = -10000;
            continue;
        }
        if (now - last_refill > 5000) {
            struct fc_diag sd;
            if (fc_ix_sets_check(ix, &sd)) /* Redis back: the sets may be empty */
                fc_log_gate_fail(&ix->redis_gate, sd.msg);
            /* pending work is derived from PostgreSQL: nothing is lost with the queue */
            uint64_t *fids;
            size_t n;
            if (fc_targets_unsynced(ix->db, &fids, &n, diag) == FC_OK) {
                for (size_t i = 0; i < n; i++)
                    fc_ix_queue_push(&ix->queue, fids[i]);
                free(fids);
            }
            if (strcmp(ix->cfg->dropped_rows, "delete") == 0) {
                size_t accounts = 0, rows = 0;
                if (fc_targets_cleanup(ix->db, &accounts, &rows, diag) != FC_OK)
                    log_warn("cleanup", "%s", diag->msg);
                else if (accounts)
                    log_info("cleanup", "%zu rows of %zu dropped accounts deleted", rows, accounts);
            }
            last_refill = now;
        }
        if (!leading && now - last_lead_try >= 2000) {
            last_lead_try = now;
            leading = fc_ix_try_lead(ix);
            ix->m_follower = leading;
            struct fc_diag hd;
            if (leading && fc_ix_sets_heal(ix, &hd))
                fc_log_gate_fail(&ix->redis_gate, hd.msg); /* healed again when Redis is back */
            if (leading)
                log_info("serve", "this process follows the event stream");
            else if (!said_follower)
                log_info("serve", "another process follows the event stream; this one "
                                  "backfills and takes over if that one stops");
            said_follower = !leading;
        }
        if (!leading) {
            for (int i = 0; i < 2 && !*stop; i++)
                usleep(100000);
            continue;
        }
        size_t before = stats.events;
        err = fc_ix_sync_pass(ix, w, conn, &stats, diag);
        if (err && err == FC_ERR_DB) {
            leading = false; /* the lock may have gone with the connection: take it again */
            ix->m_follower = false;
        }
        if (err) {
            /* not fatal for a server: log, wait, go on; the lag tells the truth meanwhile */
            mark_behind(ix);
            fc_log_gate_fail(&ix->sync_gate, diag->msg);
            err = FC_OK;
            for (int i = 0; i < 20 && !*stop; i++)
                usleep(100000);
            continue;
        }
        fc_log_gate_ok(&ix->sync_gate);
        if (now - last_log > 10000) {
            log_info("sync", "%zu events read, %zu applied, %zu new targets, %zu dropped",
                     stats.events - last_events, stats.kept, stats.new_targets,
                     stats.dropped_targets);
            last_events = stats.events;
            last_log = now;
        }
        if (stats.events == before) /* caught up: poll again shortly (blocks come each ~1 s) */
            for (int i = 0; i < 2 && !*stop; i++)
                usleep(100000);
    }
    fc_ix_workers_join(workers, NULL, NULL);
    fc_hub_conn_free(conn);
    fc_writer_free(w);
    log_info("serve", "stopped");
    return err;
}

