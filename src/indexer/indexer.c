/* The indexer's life: connections, target sets and queue opened from the
 * configuration, and what other modules and the API read from it. */
#include "indexer/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/backoff.h"
#include "core/fctime.h"
#include "core/log.h"
#include "hub/client.h"
#include "indexer/follower.h"
#include "indexer/verify_gate.h"
#include "store/db.h"
#include "store/targets.h"
#include "state/fidset.h"

void fc_ix_notify_change(struct fc_indexer *ix, const uint64_t *fids, size_t n)
{
    if (ix->on_change && n)
        ix->on_change(ix->on_change_arg, fids, n);
}

/* Set writes that fail while Redis is down are healed by the rebuild when
 * it is reached again (fc_ix_sets_check). */
void fc_ix_shared_add(struct fc_indexer *ix, struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_add(s, fid, &d))
        fc_log_gate_fail(&ix->redis_gate, d.msg);
}

void fc_ix_shared_remove(struct fc_indexer *ix, struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_remove(s, fid, &d))
        fc_log_gate_fail(&ix->redis_gate, d.msg);
}

enum fc_err fc_ix_open_db(const struct fc_config *cfg, struct fc_db **db, struct fc_diag *diag)
{
    struct fc_db_options o = fc_db_options_from(cfg);
    return fc_db_open(&o, db, diag);
}

/* Also the second look of load_sets: replacing a shared set races with
 * another process adding a target meanwhile (its add can land before the
 * replace and its commit after our snapshot). */
enum fc_err fc_ix_sets_heal(struct fc_indexer *ix, struct fc_diag *diag)
{
    uint64_t *fids;
    bool *roots;
    size_t n;
    enum fc_err err = fc_targets_all(ix->db, &fids, &roots, &n, diag);
    if (err)
        return err;
    bool *have = fc_xcalloc(n + 1, sizeof(bool));
    bool *have_root = fc_xcalloc(n + 1, sizeof(bool));
    err = fc_fidset_has_many(ix->targets, fids, n, have, diag);
    if (!err)
        err = fc_fidset_has_many(ix->roots, fids, n, have_root, diag);
    for (size_t i = 0; !err && i < n; i++) {
        if (!have[i])
            err = fc_fidset_add(ix->targets, fids[i], diag);
        if (!err && roots[i] && !have_root[i])
            err = fc_fidset_add(ix->roots, fids[i], diag);
    }
    free(have);
    free(have_root);
    free(fids);
    free(roots);
    return err;
}

FC_MUST_CHECK
static enum fc_err load_sets(struct fc_indexer *ix, struct fc_diag *diag)
{
    uint64_t *fids;
    bool *roots;
    size_t n;
    enum fc_err err = fc_targets_all(ix->db, &fids, &roots, &n, diag);
    if (err)
        return err;
    uint64_t *root_fids = fc_xcalloc(n + 1, sizeof(uint64_t));
    size_t nroots = 0;
    for (size_t i = 0; i < n; i++)
        if (roots[i])
            root_fids[nroots++] = fids[i];
    err = fc_fidset_replace(ix->targets, fids, n, diag);
    if (!err)
        err = fc_fidset_replace(ix->roots, root_fids, nroots, diag);
    free(fids);
    free(roots);
    free(root_fids);
    if (!err)
        err = fc_ix_sets_heal(ix, diag);
    if (err)
        return err;
    err = fc_clients_all(ix->db, &fids, &n, diag);
    if (err)
        return err;
    err = fc_fidset_replace(ix->clients, fids, n, diag);
    free(fids);
    return err;
}

/* A stored Snapchain cursor far beyond the hub's newest block means the hub
 * was reset or is another network: nothing would be read until the hub
 * catches up, so say so loudly at start. (A hub merely lagging behind others
 * is a few blocks behind, hence the margin.) */
static void warn_cursors_ahead(struct fc_indexer *ix, const struct fc_hub_info *info)
{
    for (unsigned s = 1; info->snapchain && s <= info->num_shards && s < 64; s++) {
        uint64_t next;
        bool found;
        struct fc_diag d;
        if (fc_cursor_get(ix->db, "snapchain", s, &next, &found, &d) || !found)
            continue;
        uint64_t block = fc_snapchain_event_block(next);
        if (block > info->max_height[s] + 100)
            log_error("sync", "shard %u: the stored cursor is at block %llu but the hub's newest "
                              "block is %llu: the hub was reset or serves another network; no "
                              "events will be read until it passes that block (delete the "
                              "shard's row in hub_cursors to start over)", s,
                      (unsigned long long)block, (unsigned long long)info->max_height[s]);
    }
}

uint64_t fc_ix_sets_connects(struct fc_indexer *ix)
{
    return fc_fidset_connects(ix->targets) + fc_fidset_connects(ix->roots) +
           fc_fidset_connects(ix->clients);
}

enum fc_err fc_indexer_new(const struct fc_config *cfg, struct fc_indexer **out,
                           struct fc_diag *diag)
{
    struct fc_indexer *ix = fc_xcalloc(1, sizeof(*ix));
    ix->cfg = cfg;
    ix->verify_mode = (int)fc_verify_mode_parse(cfg->verify_mode);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    ix->verify_threads = cores > 0 ? (unsigned)cores : 1;
    struct fc_jobq_options jo = {.max_attempts = JOB_MAX_ATTEMPTS, .backoff_base_ms = 500,
                                 .lease_ms = cfg->job_lease_s * 1000};
    pthread_mutex_init(&ix->stats_lock, NULL);
    fc_log_gate_init(&ix->conflicts, "writer", "deadlock or serialization failure");
    pthread_mutex_init(&ix->queue.pause_lock, NULL);
    ix->queue.pause_checked_ms = -1000000;
    fc_log_gate_init(&ix->db_gate, "indexer", "PostgreSQL");
    fc_log_gate_init(&ix->redis_gate, "indexer", "Redis");
    fc_log_gate_init(&ix->sync_gate, "sync", "following the event stream");
    ix->queue.gate = &ix->redis_gate;
    enum fc_err err = FC_OK;
    if (*cfg->redis_url) {
        err = fc_fidset_open_redis(cfg->redis_url, cfg->redis_prefix, "targets", &ix->targets, diag);
        if (!err)
            err = fc_fidset_open_redis(cfg->redis_url, cfg->redis_prefix, "roots", &ix->roots, diag);
        if (!err)
            err = fc_fidset_open_redis(cfg->redis_url, cfg->redis_prefix, "clients", &ix->clients,
                                       diag);
    } else {
        ix->targets = fc_fidset_new_embedded();
        ix->roots = fc_fidset_new_embedded();
        ix->clients = fc_fidset_new_embedded();
    }
    if (!err && *cfg->redis_url) {
        char consumer[128], host[64] = "host";
        gethostname(host, sizeof(host) - 1);
        snprintf(consumer, sizeof(consumer), "%s:%d", host, (int)getpid());
        err = fc_jobq_open_redis(cfg->redis_url, cfg->redis_prefix, consumer, &jo, &ix->queue.q,
                                 diag);
    } else if (!err) {
        ix->queue.q = fc_jobq_new_embedded(&jo);
    }
    if (!err)
        err = fc_ix_open_db(cfg, &ix->db, diag);
    struct fc_hub_client_options ho = {
        .hubs = cfg->hubs,
        .n_hubs = cfg->n_hubs,
        .retries = cfg->hub_retries,
    };
    if (!err)
        err = fc_hub_client_new(&ho, &ix->hubs, diag);
    /* Configured roots and clients are recorded first, in PostgreSQL. */
    for (size_t i = 0; !err && i < cfg->n_root_targets; i++)
        err = fc_targets_add(ix->db, cfg->root_targets[i], true, "config", NULL, diag);
    for (size_t i = 0; !err && i < cfg->n_target_clients; i++)
        err = fc_clients_add(ix->db, cfg->target_clients[i], "config", diag);
    if (!err)
        err = load_sets(ix, diag);
    if (!err)
        ix->sets_connects = fc_ix_sets_connects(ix);
    if (!err) {
        struct fc_hub_conn *conn = fc_hub_conn_new(ix->hubs);
        struct fc_hub_info info;
        err = fc_hub_info(conn, -1, &info, NULL, diag);
        fc_hub_conn_free(conn);
        if (!err) {
            ix->snapchain = info.snapchain;
            ix->shards = info.snapchain ? info.num_shards : 1;
            warn_cursors_ahead(ix, &info);
        }
    }
    if (err) {
        fc_indexer_free(ix);
        return err;
    }
    *out = ix;
    return FC_OK;
}

void fc_indexer_free(struct fc_indexer *ix)
{
    if (!ix)
        return;
    fc_signer_fetch_free(ix->signer_fetch); /* its connection is to ix->hubs */
    fc_hub_client_free(ix->hubs);
    fc_db_close(ix->db);
    fc_fidset_free(ix->targets);
    fc_fidset_free(ix->roots);
    fc_fidset_free(ix->clients);
    fc_jobq_free(ix->queue.q);
    pthread_mutex_destroy(&ix->stats_lock);
    fc_log_gate_cleanup(&ix->conflicts);
    pthread_mutex_destroy(&ix->queue.pause_lock);
    fc_log_gate_cleanup(&ix->db_gate);
    fc_log_gate_cleanup(&ix->redis_gate);
    fc_log_gate_cleanup(&ix->sync_gate);
    free(ix);
}

void fc_ix_writer_conflict(struct fc_indexer *ix, const char *reason)
{
    ix->m_writer_retries++;
    fc_log_gate_fail(&ix->conflicts, reason);
}

enum fc_err fc_ix_sets_check(struct fc_indexer *ix, struct fc_diag *diag)
{
    uint64_t now = fc_ix_sets_connects(ix);
    if (now == ix->sets_connects)
        return FC_OK;
    enum fc_err err = load_sets(ix, diag);
    if (err)
        return err;
    log_info("state", "target sets rebuilt from PostgreSQL after reaching Redis again");
    ix->sets_connects = fc_ix_sets_connects(ix);
    fc_log_gate_ok(&ix->redis_gate);
    return FC_OK;
}

bool fc_ix_db_wait(struct fc_indexer *ix, struct fc_db **db)
{
    for (int attempt = 1; !fc_ix_stopping(ix); attempt++) {
        struct fc_diag d;
        if (*db ? fc_db_reset(*db, &d) == FC_OK : fc_ix_open_db(ix->cfg, db, &d) == FC_OK) {
            fc_log_gate_ok(&ix->db_gate);
            return true;
        }
        fc_log_gate_fail(&ix->db_gate, "PostgreSQL unreachable");
        fc_sleep_ms(fc_backoff_ms(attempt, 200, 2000), ix->queue.stop);
    }
    return false;
}

bool fc_ix_stopping(const struct fc_indexer *ix)
{
    return ix->queue.stop && *ix->queue.stop;
}

void fc_indexer_on_change(struct fc_indexer *ix, fc_indexer_change_fn fn, void *arg)
{
    ix->on_change = fn;
    ix->on_change_arg = arg;
}

void fc_indexer_shared(struct fc_indexer *ix, struct fc_indexer_shared *out)
{
    out->targets = ix->targets;
    out->roots = ix->roots;
    out->clients = ix->clients;
    out->jobq = ix->queue.q;
}

void fc_indexer_metrics(struct fc_indexer *ix, struct fc_indexer_metrics *m)
{
    memset(m, 0, sizeof(*m));
    m->events_read = ix->m_events_read;
    m->events_applied = ix->m_events_applied;
    m->dead_letters = ix->m_dead_letters;
    m->backfill_messages = ix->m_backfill_messages;
    for (int r = 0; r < FC_VERIFY_RESULT_MAX && r < FC_INDEXER_VERIFY_RESULTS; r++)
        m->verify[r] = ix->m_verify[r];
    m->verify_rejected = ix->m_verify_rejected;
    m->retention_resyncs = ix->m_retention_resyncs;
    m->block_rereads = ix->m_block_rereads;
    m->follower = ix->m_follower;
    m->writer_retries = ix->m_writer_retries;
    m->db_down = fc_log_gate_failing(&ix->db_gate);
    m->redis_down = fc_log_gate_failing(&ix->redis_gate);
    m->snapchain = ix->snapchain;
    m->n_streams = ix->snapchain ? ix->shards : 1;
    if (m->n_streams > FC_INDEXER_MAX_STREAMS - 1)
        m->n_streams = FC_INDEXER_MAX_STREAMS - 1;
    int64_t now = fc_now_mono_ms();
    for (unsigned i = 0; i < m->n_streams; i++) {
        unsigned s = ix->snapchain ? i + 1 : 0;
        m->stream[i].shard = s;
        m->stream[i].cursor = ix->m_cursor[s];
        int64_t since = ix->m_behind_since_ms[s];
        m->stream[i].lag_s = since ? (double)(now - since) / 1000.0 : 0.0;
    }
}

void fc_indexer_enqueue(struct fc_indexer *ix, uint64_t fid)
{
    fc_ix_queue_push(&ix->queue, fid);
}

struct fc_hub_client *fc_indexer_hub_client(struct fc_indexer *ix)
{
    return ix->hubs;
}
