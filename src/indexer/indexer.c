#include "indexer/indexer.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/fctime.h"
#include "core/log.h"
#include "hub/client.h"
#include "store/db.h"
#include "store/targets.h"
#include "store/writer.h"
#include "state/fidset.h"
#include "state/jobq.h"

/* ---- the backfill queue: state/jobq (embedded or Redis) plus how a run waits ---- */

#define JOB_MAX_ATTEMPTS 3

struct queue {
    struct fc_jobq *q;
    bool daemon;               /* serve: wait for work instead of ending when idle */
    volatile const int *stop;  /* serve: set by the signal handler */
};

static void queue_push(struct queue *q, uint64_t fid)
{
    struct fc_diag d;
    if (fc_jobq_push(q->q, fid, NULL, &d))
        log_warn("queue", "%s", d.msg); /* PostgreSQL keeps it pending: the refill retries */
}

static size_t queue_outstanding(struct queue *q)
{
    struct fc_jobq_counts c;
    struct fc_diag d;
    if (fc_jobq_counts(q->q, &c, &d))
        return 1;
    return c.pending + c.running + c.delayed;
}

/* Takes the next job; false when the run is over (stop requested, or in a
 * --wait run when nothing is pending, running or waiting for a retry). */
static bool queue_pop(struct queue *q, struct fc_job *job)
{
    for (;;) {
        if (q->stop && *q->stop)
            return false;
        bool got = false;
        struct fc_diag d;
        if (fc_jobq_take(q->q, 200, job, &got, &d))
            log_warn("queue", "%s", d.msg);
        if (got)
            return true;
        if (!q->daemon && queue_outstanding(q) == 0)
            return false;
    }
}

/* ---- the indexer ---- */

struct fc_indexer {
    const struct fc_config *cfg;
    struct fc_db *db; /* control connection (targets, sync) */
    struct fc_hub_client *hubs;
    /* target, root and client sets: embedded, or Redis when redis.url is set
     * (shared by every process); rebuilt from PostgreSQL at start */
    struct fc_fidset *targets, *roots, *clients;
    struct queue queue;
    bool snapchain;
    unsigned shards;
    pthread_mutex_t stats_lock;
    struct fc_backfill_stats bstats;
    int64_t started_ms, last_report_ms;
    /* told after each commit which fids' rows changed (cache invalidation) */
    fc_indexer_change_fn on_change;
    void *on_change_arg;
    /* figures for /metrics, read from other threads */
    _Atomic uint64_t m_events_read, m_events_applied, m_dead_letters, m_backfill_messages;
    _Atomic uint64_t m_retention_resyncs, m_block_rereads;
    _Atomic uint64_t m_cursor[FC_INDEXER_MAX_STREAMS];
    _Atomic int64_t m_behind_since_ms[FC_INDEXER_MAX_STREAMS]; /* 0: at the head */
};

static void notify_change(struct fc_indexer *ix, const uint64_t *fids, size_t n)
{
    if (ix->on_change && n)
        ix->on_change(ix->on_change_arg, fids, n);
}

/* Shared-set changes follow PostgreSQL, which already holds them: a failed
 * Redis write is logged and healed by the rebuild at the next start. */
static void shared_add(struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_add(s, fid, &d))
        log_warn("state", "%s", d.msg);
}

static void shared_remove(struct fc_fidset *s, uint64_t fid)
{
    struct fc_diag d;
    if (fc_fidset_remove(s, fid, &d))
        log_warn("state", "%s", d.msg);
}

static enum fc_err open_db(const struct fc_config *cfg, struct fc_db **db, struct fc_diag *diag)
{
    struct fc_db_options o = fc_db_options_from(cfg);
    return fc_db_open(&o, db, diag);
}

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

enum fc_err fc_indexer_new(const struct fc_config *cfg, struct fc_indexer **out,
                           struct fc_diag *diag)
{
    struct fc_indexer *ix = fc_xcalloc(1, sizeof(*ix));
    ix->cfg = cfg;
    struct fc_jobq_options jo = {.max_attempts = JOB_MAX_ATTEMPTS, .backoff_base_ms = 500,
                                 .lease_ms = cfg->job_lease_s * 1000};
    pthread_mutex_init(&ix->stats_lock, NULL);
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
        err = open_db(cfg, &ix->db, diag);
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
    fc_hub_client_free(ix->hubs);
    fc_db_close(ix->db);
    fc_fidset_free(ix->targets);
    fc_fidset_free(ix->roots);
    fc_fidset_free(ix->clients);
    fc_jobq_free(ix->queue.q);
    pthread_mutex_destroy(&ix->stats_lock);
    free(ix);
}

/* ---- backfill ---- */

struct worker {
    struct fc_indexer *ix;
    struct fc_db *db;
    struct fc_writer *w;
    struct fc_hub_conn *conn;
    uint64_t fid;
    const char *source; /* endpoint, for dead letters */
    enum fc_err apply_err;
    struct fc_diag apply_diag;
    size_t messages, dead, reported;
    bool tx_open;    /* a writer transaction spans pages until batch_size items */
    size_t tx_items;
};

/* Progress of long runs: fids done/total, messages/s and an ETA; a line
 * rewritten in place on a terminal, a log line every 10 s otherwise. Called
 * with stats_lock held. */
static void report_progress(struct fc_indexer *ix, bool final)
{
    int64_t now = fc_now_mono_ms();
    bool tty = isatty(2);
    if (!final && now - ix->last_report_ms < (tty ? 500 : 10000))
        return;
    ix->last_report_ms = now;
    size_t waiting = queue_outstanding(&ix->queue);
    size_t done = ix->bstats.jobs_ok + ix->bstats.jobs_failed;
    double secs = (double)(now - ix->started_ms) / 1000.0;
    double rate = secs > 0 ? (double)ix->bstats.messages / secs : 0;
    double fids_per_s = secs > 0 ? (double)done / secs : 0;
    double eta = fids_per_s > 0 ? (double)waiting / fids_per_s : 0;
    if (tty)
        fprintf(stderr, "\rbackfill: %zu/%zu fids, %zu messages, %.0f msg/s, ETA %.0f s   %s",
                done, done + waiting, ix->bstats.messages, rate, eta, final ? "\n" : "");
    else
        log_info("backfill", "progress: %zu/%zu fids, %zu messages, %.0f msg/s, ETA %.0f s",
                 done, done + waiting, ix->bstats.messages, rate, eta);
}

static void apply_item(void *ud, const struct fc_item *it)
{
    struct worker *wk = ud;
    if (wk->apply_err)
        return;
    enum fc_err err = FC_OK;
    switch (it->kind) {
    case FC_ITEM_MESSAGE:
        err = fc_writer_message(wk->w, it->message, &wk->apply_diag);
        wk->messages++;
        break;
    case FC_ITEM_ONCHAIN:
        err = fc_writer_onchain(wk->w, it->onchain, &wk->apply_diag);
        break;
    case FC_ITEM_PROOF:
        err = fc_writer_proof(wk->w, it->proof, &wk->apply_diag);
        break;
    case FC_ITEM_ERROR: {
        char reason[600];
        snprintf(reason, sizeof(reason), "%s: %s", it->error_path, it->error);
        err = fc_writer_dead_letter(wk->w, wk->source, it->raw, it->raw_len, reason,
                                    &wk->apply_diag);
        wk->dead++;
        break;
    }
    default:
        break;
    }
    if (err)
        wk->apply_err = err;
}

/* One transaction spans pages (of one or several endpoints of the fid) until
 * it holds batch_size items: small accounts then cost one transaction, not
 * one per endpoint. A fid is marked synced only after its last commit, so a
 * crash loses at most uncommitted pages, which the retried job rewrites. */
static enum fc_err tx_ensure(struct worker *wk, struct fc_diag *diag)
{
    if (wk->tx_open)
        return FC_OK;
    enum fc_err err = fc_writer_begin(wk->w, diag);
    if (!err) {
        wk->tx_open = true;
        wk->tx_items = 0;
    }
    return err;
}

static enum fc_err tx_commit(struct worker *wk, struct fc_diag *diag)
{
    if (!wk->tx_open)
        return FC_OK;
    wk->tx_open = false;
    enum fc_err err = fc_writer_commit(wk->w, diag);
    if (!err)
        notify_change(wk->ix, &wk->fid, 1);
    return err;
}

static void tx_abort(struct worker *wk)
{
    if (wk->tx_open)
        fc_writer_rollback(wk->w);
    wk->tx_open = false;
}

/* Fetches one endpoint page by page into the worker's transaction. */
static enum fc_err backfill_endpoint(struct worker *wk, const char *path, bool paged,
                                     enum fc_page_kind kind, struct fc_diag *diag)
{
    char token[1024] = "";
    wk->source = path;
    for (;;) {
        struct fc_buf q = FC_BUF_INIT;
        fc_buf_puts(&q, path);
        if (paged) {
            fc_buf_printf(&q, "&pageSize=%d", wk->ix->cfg->batch_size < 1000 ? wk->ix->cfg->batch_size
                                                                             : 1000);
            if (*token) {
                struct fc_buf esc = FC_BUF_INIT;
                for (const char *c = token; *c; c++) {
                    if (*c == '+' || *c == '/' || *c == '=')
                        fc_buf_printf(&esc, "%%%02X", (unsigned char)*c);
                    else
                        fc_buf_putc(&esc, *c);
                }
                fc_buf_printf(&q, "&pageToken=%s", esc.data);
                fc_buf_cleanup(&esc);
            }
        }
        enum fc_err err = tx_ensure(wk, diag);
        if (err) {
            fc_buf_cleanup(&q);
            return err;
        }
        wk->apply_err = FC_OK;
        struct fc_hub_page pg;
        size_t before = wk->messages + wk->dead;
        err = fc_hub_get(wk->conn, q.data, kind, -1, apply_item, wk, &pg, diag);
        fc_buf_cleanup(&q);
        if (err == FC_ERR_NOT_FOUND)
            return FC_OK; /* nothing there */
        if (!err && wk->apply_err) {
            err = wk->apply_err;
            *diag = wk->apply_diag;
        }
        if (err)
            return err;
        size_t items = wk->messages + wk->dead - before;
        wk->tx_items += items;
        if (wk->tx_items >= (size_t)wk->ix->cfg->batch_size && (err = tx_commit(wk, diag)))
            return err;
        pthread_mutex_lock(&wk->ix->stats_lock);
        wk->ix->bstats.pages++;
        pthread_mutex_unlock(&wk->ix->stats_lock);
        if (!paged || !pg.info.has_next_token || fc_hub_token_is_end(pg.info.next_token) ||
            items == 0)
            return FC_OK;
        if (strcmp(token, pg.info.next_token) == 0)
            return fc_diag_set(diag, FC_ERR_INVALID, "%s: repeated page token", path);
        snprintf(token, sizeof(token), "%s", pg.info.next_token);
    }
}

static enum fc_err backfill_fid(struct worker *wk, uint64_t fid, struct fc_diag *diag)
{
    struct fc_indexer *ix = wk->ix;
    char path[256];
    unsigned long long f = (unsigned long long)fid;
    const struct {
        const char *endpoint; /* the fid and any extra parameters follow */
        const char *extra;
        bool paged;
        enum fc_page_kind kind;
    } endpoints[] = {
        {"userDataByFid", "", true, FC_PAGE_MESSAGES},
        {"castsByFid", "", true, FC_PAGE_MESSAGES},
        /* Snapchain requires reaction_type; None means all */
        {"reactionsByFid", ix->snapchain ? "&reaction_type=None" : "", true, FC_PAGE_MESSAGES},
        {"linksByFid", "", true, FC_PAGE_MESSAGES},
        {"verificationsByFid", "", true, FC_PAGE_MESSAGES},
        {"userNameProofsByFid", "", false, FC_PAGE_PROOFS},
        {"onChainEventsByFid", "&event_type=EVENT_TYPE_ID_REGISTER", false, FC_PAGE_ONCHAIN_EVENTS},
        {"onChainEventsByFid", "&event_type=EVENT_TYPE_SIGNER", false, FC_PAGE_ONCHAIN_EVENTS},
    };
    wk->fid = fid;
    for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
        snprintf(path, sizeof(path), "/v1/%s?fid=%llu%s", endpoints[i].endpoint, f,
                 endpoints[i].extra);
        enum fc_err err = backfill_endpoint(wk, path, endpoints[i].paged, endpoints[i].kind, diag);
        if (err) {
            tx_abort(wk);
            return err;
        }
    }
    enum fc_err err;
    if (!fc_fidset_has(ix->roots, fid) || ix->cfg->expansion_depth < 1) {
        /* the synced mark rides in the same transaction as the last rows */
        if ((err = tx_ensure(wk, diag)))
            return err;
        if ((err = fc_writer_mark_synced(wk->w, fid, diag))) {
            tx_abort(wk);
            return err;
        }
        return tx_commit(wk, diag);
    }
    /* A root's follows become targets (expansion depth 1) and are queued:
     * read them once this fid's rows are committed. */
    if ((err = tx_commit(wk, diag)))
        return err;
    uint64_t *follows;
    size_t n;
    err = fc_targets_follows_of(wk->db, fid, &follows, &n, diag);
    if (err)
        return err;
    for (size_t i = 0; i < n && !err; i++) {
        bool added = false;
        err = fc_targets_add(wk->db, follows[i], false, "follow", &added, diag);
        if (!err && added) {
            shared_add(ix->targets, follows[i]);
            queue_push(&ix->queue, follows[i]);
        }
    }
    free(follows);
    return err ? err : fc_targets_mark_synced(wk->db, fid, diag);
}

static void *backfill_thread(void *arg)
{
    struct worker *wk = arg;
    struct fc_indexer *ix = wk->ix;
    struct fc_job job;
    while (queue_pop(&ix->queue, &job)) {
        struct fc_diag diag = {{0}}, ignored;
        enum fc_err err = backfill_fid(wk, job.fid, &diag);
        bool failed_for_good = false;
        if (err) {
            log_warn("backfill", "fid %llu attempt %d failed: %s", (unsigned long long)job.fid,
                     job.attempt, diag.msg);
            fc_targets_mark_failed(wk->db, job.fid, diag.msg, &ignored);
            /* the queue retries with backoff, then keeps it as failed */
            fc_jobq_fail(ix->queue.q, &job, diag.msg, &ignored);
            failed_for_good = job.attempt >= JOB_MAX_ATTEMPTS;
        } else {
            fc_jobq_done(ix->queue.q, &job, &ignored);
        }
        pthread_mutex_lock(&ix->stats_lock);
        if (failed_for_good)
            ix->bstats.jobs_failed++;
        else if (!err)
            ix->bstats.jobs_ok++;
        ix->bstats.messages += wk->messages - wk->reported;
        ix->m_backfill_messages += wk->messages - wk->reported;
        wk->reported = wk->messages;
        report_progress(ix, false);
        pthread_mutex_unlock(&ix->stats_lock);
    }
    return NULL;
}

/* Starts n backfill workers, each with its own database connection (its
 * writer pipelined and set-wise) and hub connection. */
static enum fc_err start_workers(struct fc_indexer *ix, int n, struct worker *workers,
                                 pthread_t *threads, int *started, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    *started = 0;
    for (int i = 0; i < n && !err; i++) {
        struct worker *wk = &workers[i];
        wk->ix = ix;
        err = open_db(ix->cfg, &wk->db, diag);
        if (!err)
            err = fc_writer_new(wk->db, &wk->w, diag);
        if (!err) {
            fc_writer_set_pipelined(wk->w, true); /* the worker's connection is its own */
            fc_writer_set_batched(wk->w, true);
            wk->conn = fc_hub_conn_new(ix->hubs);
            if (pthread_create(&threads[i], NULL, backfill_thread, wk) == 0)
                (*started)++;
        }
    }
    return err;
}

static void join_workers(int n, int started, struct worker *workers, pthread_t *threads)
{
    for (int i = 0; i < started; i++)
        pthread_join(threads[i], NULL);
    for (int i = 0; i < n; i++) {
        fc_hub_conn_free(workers[i].conn);
        fc_writer_free(workers[i].w);
        fc_db_close(workers[i].db);
    }
}

enum fc_err fc_indexer_backfill(struct fc_indexer *ix, const uint64_t *fids, size_t n,
                                struct fc_backfill_stats *stats, struct fc_diag *diag)
{
    uint64_t *pending = NULL;
    size_t npending = 0;
    if (!n) {
        enum fc_err err = fc_targets_unsynced(ix->db, &pending, &npending, diag);
        if (err)
            return err;
        fids = pending;
        n = npending;
    }
    for (size_t i = 0; i < n; i++)
        queue_push(&ix->queue, fids[i]);
    free(pending);
    int nworkers = ix->cfg->backfill_workers;
    struct worker *workers = fc_xcalloc((size_t)nworkers, sizeof(*workers));
    pthread_t *threads = fc_xcalloc((size_t)nworkers, sizeof(*threads));
    enum fc_err err = FC_OK;
    int started = 0;
    memset(&ix->bstats, 0, sizeof(ix->bstats));
    int64_t t0 = fc_now_mono_ms();
    ix->started_ms = ix->last_report_ms = t0;
    err = start_workers(ix, nworkers, workers, threads, &started, diag);
    join_workers(nworkers, started, workers, threads);
    int64_t ms = fc_now_mono_ms() - t0;
    size_t messages = 0, dead = 0;
    for (int i = 0; i < nworkers; i++) {
        messages += workers[i].messages;
        dead += workers[i].dead;
    }
    free(workers);
    free(threads);
    ix->bstats.messages = messages;
    ix->bstats.dead_letters = dead;
    if (isatty(2) && ix->bstats.jobs_ok + ix->bstats.jobs_failed > 0)
        report_progress(ix, true);
    if (stats)
        *stats = ix->bstats;
    log_info("backfill", "%zu fids done, %zu failed, %zu messages in %lld ms (%.0f messages/s)",
             ix->bstats.jobs_ok, ix->bstats.jobs_failed, messages, (long long)ms,
             ms ? (double)messages * 1000.0 / (double)ms : 0.0);
    if (err)
        return err;
    if (ix->bstats.jobs_failed)
        return fc_diag_set(diag, FC_ERR_UNAVAILABLE, "%zu backfill jobs failed (see targets list)",
                           ix->bstats.jobs_failed);
    return FC_OK;
}

/* ---- realtime ---- */

/* Target membership of the fids one events page mentions, read in one round
 * trip (one SMISMEMBER on Redis rather than a SISMEMBER per event). A read
 * error fails the page, which is then retried: an event is never dropped
 * because the set could not be asked. Changes made while applying the page
 * are written through. */
struct page_targets {
    uint64_t *fid; /* sorted, unique after page_targets_load */
    bool *has;
    size_t n, cap;
};

static void page_targets_note(struct page_targets *pt, uint64_t fid)
{
    if (!fid)
        return;
    if (pt->n == pt->cap) {
        pt->cap = pt->cap ? pt->cap * 2 : 1024;
        pt->fid = fc_xrealloc(pt->fid, pt->cap * sizeof(*pt->fid));
    }
    pt->fid[pt->n++] = fid;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static enum fc_err page_targets_load(struct page_targets *pt, struct fc_fidset *set,
                                     struct fc_diag *diag)
{
    if (!pt->n)
        return FC_OK;
    qsort(pt->fid, pt->n, sizeof(*pt->fid), cmp_u64);
    size_t u = 0;
    for (size_t i = 0; i < pt->n; i++)
        if (!u || pt->fid[u - 1] != pt->fid[i])
            pt->fid[u++] = pt->fid[i];
    pt->n = u;
    pt->has = fc_xrealloc(pt->has, pt->cap * sizeof(*pt->has));
    return fc_fidset_has_many(set, pt->fid, pt->n, pt->has, diag);
}

static bool *page_targets_slot(const struct page_targets *pt, uint64_t fid)
{
    const uint64_t *hit = pt->n ? bsearch(&fid, pt->fid, pt->n, sizeof(*pt->fid), cmp_u64) : NULL;
    return hit ? &pt->has[hit - pt->fid] : NULL;
}

static void page_targets_cleanup(struct page_targets *pt)
{
    free(pt->fid);
    free(pt->has);
}

struct follower {
    struct fc_indexer *ix;
    struct fc_writer *w;
    enum fc_err err;
    struct fc_diag diag;
    struct fc_sync_stats *stats;
    const char *source;
    struct page_targets *pt; /* NULL: ask the set itself */
    struct page_targets *pr; /* roots among the page's follow authors; NULL: ask the set */
    struct page_targets *changed; /* fids whose rows the page changes */
};

static bool is_root(const struct follower *fo, uint64_t fid)
{
    bool *slot = fo->pr ? page_targets_slot(fo->pr, fid) : NULL;
    return slot ? *slot : fc_fidset_has(fo->ix->roots, fid);
}

static bool is_target(const struct follower *fo, uint64_t fid)
{
    bool *slot = fo->pt ? page_targets_slot(fo->pt, fid) : NULL;
    return slot ? *slot : fc_fidset_has(fo->ix->targets, fid);
}

static void target_added(struct follower *fo, uint64_t fid)
{
    shared_add(fo->ix->targets, fid);
    bool *slot = fo->pt ? page_targets_slot(fo->pt, fid) : NULL;
    if (slot)
        *slot = true;
}

static void target_removed(struct follower *fo, uint64_t fid)
{
    shared_remove(fo->ix->targets, fid);
    bool *slot = fo->pt ? page_targets_slot(fo->pt, fid) : NULL;
    if (slot)
        *slot = false;
}

static bool touches_target(const struct follower *fo, const struct fc_message *m)
{
    if (!m)
        return false;
    if (is_target(fo, m->fid))
        return true;
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        return m->body.cast_add.has_parent_cast && is_target(fo, m->body.cast_add.parent.fid);
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        return m->body.reaction.has_target_cast &&
               is_target(fo, m->body.reaction.target.fid);
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        return is_target(fo, m->body.link.target_fid);
    default:
        return false;
    }
}

/* The fids touches_target and apply_event may ask about for one event. */
static void note_event_fids(struct page_targets *pt, const struct fc_item *it)
{
    if (it->kind != FC_ITEM_EVENT)
        return;
    const struct fc_hub_event *e = it->event;
    const struct fc_message *m = e->message;
    if (m) {
        page_targets_note(pt, m->fid);
        if ((m->type == FC_MSG_CAST_ADD) && m->body.cast_add.has_parent_cast)
            page_targets_note(pt, m->body.cast_add.parent.fid);
        if ((m->type == FC_MSG_REACTION_ADD || m->type == FC_MSG_REACTION_REMOVE) &&
            m->body.reaction.has_target_cast)
            page_targets_note(pt, m->body.reaction.target.fid);
        if (m->type == FC_MSG_LINK_ADD || m->type == FC_MSG_LINK_REMOVE)
            page_targets_note(pt, m->body.link.target_fid);
    }
    if (e->onchain)
        page_targets_note(pt, e->onchain->fid);
    if (e->proof)
        page_targets_note(pt, e->proof->fid);
    if (e->deleted_proof)
        page_targets_note(pt, e->deleted_proof->fid);
}

/* Root follows and unfollows grow and shrink the target set. */
static enum fc_err follow_side_effects(struct follower *fo, const struct fc_message *m)
{
    struct fc_indexer *ix = fo->ix;
    if (!m || (m->type != FC_MSG_LINK_ADD && m->type != FC_MSG_LINK_REMOVE) ||
        !m->body.link.link_type || strcmp(m->body.link.link_type, "follow") != 0 ||
        !is_root(fo, m->fid) || ix->cfg->expansion_depth < 1)
        return FC_OK;
    uint64_t t = m->body.link.target_fid;
    if (m->type == FC_MSG_LINK_ADD) {
        bool added = false;
        enum fc_err err = fc_targets_add(ix->db, t, false, "follow", &added, &fo->diag);
        if (!err && added) {
            target_added(fo, t);
            queue_push(&ix->queue, t); /* backfilled by the workers when serving */
            fo->stats->new_targets++;
        }
        return err;
    }
    bool dropped = false;
    enum fc_err err = fc_targets_drop_if_orphan(ix->db, t, &dropped, &fo->diag);
    if (!err && dropped) {
        target_removed(fo, t);
        fo->stats->dropped_targets++;
    }
    return err;
}

static void apply_event(void *ud, const struct fc_item *it)
{
    struct follower *fo = ud;
    struct fc_indexer *ix = fo->ix;
    if (fo->err)
        return;
    fo->stats->events++;
    if (it->kind == FC_ITEM_ERROR) {
        char reason[600];
        snprintf(reason, sizeof(reason), "%s: %s", it->error_path, it->error);
        fo->err = fc_writer_dead_letter(fo->w, fo->source, it->raw, it->raw_len, reason, &fo->diag);
        fo->stats->dead_letters++;
        return;
    }
    if (it->kind != FC_ITEM_EVENT)
        return;
    const struct fc_hub_event *e = it->event;
    bool keep = false;
    switch (e->type) {
    case FC_EVENT_MERGE_MESSAGE:
    case FC_EVENT_PRUNE_MESSAGE:
    case FC_EVENT_REVOKE_MESSAGE:
        keep = touches_target(fo, e->message);
        break;
    case FC_EVENT_MERGE_ON_CHAIN_EVENT:
        if (e->onchain) {
            keep = is_target(fo, e->onchain->fid);
            /* a user signing up through a monitored app becomes a root */
            if (e->onchain->type == FC_ONCHAIN_SIGNER && e->onchain->body.signer.event_type == 1 &&
                ix->cfg->client_discovery && fc_fidset_has(ix->clients, e->onchain->body.signer.request_fid)) {
                bool added = false;
                fo->err = fc_targets_add(ix->db, e->onchain->fid, true, "client", &added, &fo->diag);
                if (!fo->err) {
                    target_added(fo, e->onchain->fid);
                    shared_add(ix->roots, e->onchain->fid);
                    bool *root_slot = fo->pr ? page_targets_slot(fo->pr, e->onchain->fid) : NULL;
                    if (root_slot) /* later follows on this page expand the set */
                        *root_slot = true;
                    queue_push(&ix->queue, e->onchain->fid);
                    fo->stats->new_targets += added;
                    keep = true;
                }
            }
        }
        break;
    case FC_EVENT_MERGE_USERNAME_PROOF:
        keep = (e->proof && is_target(fo, e->proof->fid)) ||
               (e->deleted_proof && is_target(fo, e->deleted_proof->fid));
        break;
    default:
        break;
    }
    if (!keep || fo->err)
        return;
    fo->stats->kept++;
    note_event_fids(fo->changed, it);
    fo->err = fc_writer_event(fo->w, e, &fo->diag);
    if (!fo->err && e->type == FC_EVENT_MERGE_MESSAGE)
        fo->err = follow_side_effects(fo, e->message);
}

static enum fc_err follow_stream(struct fc_indexer *ix, struct fc_writer *w,
                                 struct fc_hub_conn *conn, unsigned shard, int pin_hub,
                                 const char *cursor_hub, struct fc_sync_stats *stats,
                                 struct fc_diag *diag);

static bool stopping(const struct fc_indexer *ix)
{
    return ix->queue.stop && *ix->queue.stop;
}

/* Items of one events page, gathered so the page can be checked before it
 * is applied (valid until the next request on the connection). */
struct page_items {
    const struct fc_item **p;
    size_t n, cap;
};

static void gather(void *ud, const struct fc_item *it)
{
    struct page_items *pi = ud;
    if (pi->n == pi->cap) {
        pi->cap = pi->cap ? pi->cap * 2 : 1024;
        pi->p = fc_xrealloc(pi->p, pi->cap * sizeof(*pi->p));
    }
    pi->p[pi->n++] = it;
}

/* Snapchain: every block starts with BLOCK_CONFIRMED (seq 0) counting its
 * events; a block whose events in the page are not exactly seq 0..total-1
 * lost events in transit. Blocks cut by the page end are checked when the
 * page ends inside them only for the part present. Returns the first bad
 * block, or 0. */
static uint64_t incomplete_block(const struct page_items *pi, uint64_t from)
{
    uint64_t block = 0, expected = 0, total = 0;
    bool first = true;
    for (size_t i = 0; i < pi->n; i++) {
        const struct fc_item *it = pi->p[i];
        if (it->kind != FC_ITEM_EVENT)
            continue;
        uint64_t b = fc_snapchain_event_block(it->event->id);
        uint32_t seq = fc_snapchain_event_seq(it->event->id);
        if (b != block) {
            if (block && total != UINT64_MAX && expected != total)
                return block; /* the previous block ended early */
            block = b;
            expected = 0;
            total = 0;
            if (first && b == fc_snapchain_event_block(from) && fc_snapchain_event_seq(from)) {
                /* the page resumes a block begun on the previous page */
                expected = fc_snapchain_event_seq(from);
                total = UINT64_MAX;
            }
            first = false;
        }
        if (seq != expected)
            return b;
        if (it->event->type == FC_EVENT_BLOCK_CONFIRMED && total != UINT64_MAX)
            total = it->event->block.total_events;
        expected++;
    }
    return 0;
}

static enum fc_err follow_stream(struct fc_indexer *ix, struct fc_writer *w,
                                 struct fc_hub_conn *conn, unsigned shard, int pin_hub,
                                 const char *cursor_hub, struct fc_sync_stats *stats,
                                 struct fc_diag *diag)
{
    uint64_t from;
    bool found;
    enum fc_err err = fc_cursor_get(ix->db, cursor_hub, shard, &from, &found, diag);
    if (err)
        return err;
    if (!ix->snapchain && !found) {
        /* A Hubble hub read for the first time after another: its ids encode time, so
         * start ten minutes before the other hub's position rather than replaying this
         * hub's whole retention (the overlap is absorbed by idempotent writes). */
        uint64_t other;
        bool have;
        if ((err = fc_cursor_latest_other(ix->db, cursor_hub, shard, &other, &have, diag)))
            return err;
        uint64_t margin = 600000ull << 12;
        if (have && (other & ~0xfffull) > margin) {
            from = (other & ~0xfffull) - margin;
            log_info("sync", "hub %s: starting at event %llu, ten minutes before where the "
                             "previous hub was", cursor_hub, (unsigned long long)from);
        }
    }
    char source[96];
    snprintf(source, sizeof(source), "events:%s:%u", cursor_hub, shard);
    struct page_items pi = {NULL, 0, 0};
    struct page_targets pt = {NULL, NULL, 0, 0}, pr = {NULL, NULL, 0, 0};
    struct page_targets changed = {NULL, NULL, 0, 0};
    unsigned stream = shard < FC_INDEXER_MAX_STREAMS ? shard : FC_INDEXER_MAX_STREAMS - 1;
    int rereads = 0;
    /* Only the first read after resuming from a stored cursor can reveal
     * pruned events; later pages follow our own reads. */
    bool check_retention = found && from;
    for (;;) {
        struct follower fo = {.ix = ix, .w = w, .stats = stats, .source = source,
                              .changed = &changed};
        uint64_t next = from;
        size_t n = 0;
        pi.n = 0;
        err = fc_hub_events_page(conn, ix->snapchain, shard, from,
                                 (unsigned)ix->cfg->event_page_size, pin_hub, gather, &pi, &next,
                                 &n, diag);
        if (err)
            break;
        if (ix->snapchain && n) {
            uint64_t first = fc_snapchain_event_block(pi.p[0]->kind == FC_ITEM_EVENT
                                                          ? pi.p[0]->event->id : from);
            /* The cursor fell out of the hub's retention: events are gone for good,
             * so every target is synced again from its *ByFid history. */
            if (check_retention && first > fc_snapchain_event_block(from) + 1) {
                log_error("sync", "shard %u: cursor at block %llu but the hub's oldest retained "
                                  "block is %llu: events were pruned before we read them; "
                                  "re-syncing every target", shard,
                          (unsigned long long)fc_snapchain_event_block(from),
                          (unsigned long long)first);
                if ((err = fc_db_exec(ix->db, "UPDATE targets SET last_synced_at = NULL", diag)))
                    break;
                stats->retention_resyncs++;
                ix->m_retention_resyncs++;
            }
            check_retention = false;
            uint64_t bad = incomplete_block(&pi, from);
            if (bad && rereads < 3) {
                /* a block lost events in transit: read it again from its start */
                rereads++;
                stats->block_rereads++;
                ix->m_block_rereads++;
                log_warn("sync", "shard %u block %llu is incomplete; reading it again", shard,
                         (unsigned long long)bad);
                if (fc_snapchain_first_event_id(bad) >= from)
                    from = fc_snapchain_first_event_id(bad);
                continue;
            }
            if (bad)
                log_error("sync", "shard %u block %llu still incomplete after 3 reads; going on",
                          shard, (unsigned long long)bad);
            rereads = 0;
        }
        pt.n = 0;
        pr.n = 0;
        for (size_t i = 0; i < pi.n; i++) {
            note_event_fids(&pt, pi.p[i]);
            const struct fc_message *m =
                pi.p[i]->kind == FC_ITEM_EVENT ? pi.p[i]->event->message : NULL;
            if (m && (m->type == FC_MSG_LINK_ADD || m->type == FC_MSG_LINK_REMOVE))
                page_targets_note(&pr, m->fid); /* may be a root growing the set */
        }
        if ((err = page_targets_load(&pt, ix->targets, diag)) ||
            (err = page_targets_load(&pr, ix->roots, diag)))
            break;
        fo.pt = &pt;
        fo.pr = &pr;
        changed.n = 0;
        size_t events_before = stats->events, kept_before = stats->kept,
               dead_before = stats->dead_letters;
        if ((err = fc_writer_begin(w, diag)))
            break;
        for (size_t i = 0; i < pi.n && !fo.err; i++)
            apply_event(&fo, pi.p[i]);
        if (fo.err) {
            err = fo.err;
            *diag = fo.diag;
        }
        if (!err && n)
            err = fc_writer_set_cursor(w, cursor_hub, shard, next, diag);
        if (err) {
            fc_writer_rollback(w);
            break;
        }
        if ((err = fc_writer_commit(w, diag)))
            break;
        stats->pages++;
        ix->m_events_read += stats->events - events_before;
        ix->m_events_applied += stats->kept - kept_before;
        ix->m_dead_letters += stats->dead_letters - dead_before;
        ix->m_cursor[stream] = next;
        if (changed.n) { /* sorted and unique for the listener */
            qsort(changed.fid, changed.n, sizeof(*changed.fid), cmp_u64);
            size_t u = 0;
            for (size_t i = 0; i < changed.n; i++)
                if (!u || changed.fid[u - 1] != changed.fid[i])
                    changed.fid[u++] = changed.fid[i];
            notify_change(ix, changed.fid, u);
        }
        if (!n || next == from) {
            ix->m_behind_since_ms[stream] = 0;
        } else if (!ix->m_behind_since_ms[stream]) {
            ix->m_behind_since_ms[stream] = fc_now_mono_ms();
        }
        if (!n || next == from || stopping(ix))
            break; /* caught up with the head (or asked to stop) */
        from = next;
    }
    free(pi.p);
    page_targets_cleanup(&pt);
    page_targets_cleanup(&pr);
    page_targets_cleanup(&changed);
    return err;
}

static enum fc_err sync_pass(struct fc_indexer *ix, struct fc_writer *w, struct fc_hub_conn *conn,
                             struct fc_sync_stats *stats, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    if (ix->snapchain) {
        for (unsigned s = 1; s <= ix->shards && !err; s++)
            err = follow_stream(ix, w, conn, s, -1, "snapchain", stats, diag);
    } else {
        /* Hubble event ids are per hub: read from the first hub that answers, with that
         * hub's own cursor (a hub read for the first time replays its retained events,
         * which idempotent writes absorb). Database errors are not a hub's fault. */
        size_t n = fc_hub_client_hub_count(ix->hubs);
        for (size_t h = 0; h < n; h++) {
            if (h + 1 < n && fc_hub_client_breaker_open(ix->hubs, h))
                continue;
            const char *name = fc_hub_client_hub_name(ix->hubs, h);
            err = follow_stream(ix, w, conn, 0, (int)h, name, stats, diag);
            if (!err || err == FC_ERR_DB || h + 1 == n)
                break;
            log_warn("sync", "hub %s: %s; reading events from the next hub", name, diag->msg);
        }
    }
    return err;
}

/* When several indexers share a database, one follows the event stream and
 * the others only backfill: the follower holds a session advisory lock on
 * its control connection, so a crashed leader's lock goes with its
 * connection and another process takes over at its next try. */
#define FOLLOWER_LOCK_KEY "7305021102"

static bool try_lead(struct fc_indexer *ix)
{
    char v[8] = "";
    struct fc_diag d;
    const char *p[] = {FOLLOWER_LOCK_KEY};
    if (fc_db_query_value(ix->db, "SELECT pg_try_advisory_lock($1::bigint)", 1, p, v, sizeof(v),
                          &d)) {
        log_warn("serve", "cannot take the follower lock: %s", d.msg);
        return false;
    }
    return strcmp(v, "t") == 0;
}

enum fc_err fc_indexer_run(struct fc_indexer *ix, volatile const int *stop, struct fc_diag *diag)
{
    ix->queue.daemon = true;
    ix->queue.stop = stop;
    int nworkers = ix->cfg->backfill_workers;
    struct worker *workers = fc_xcalloc((size_t)nworkers, sizeof(*workers));
    pthread_t *threads = fc_xcalloc((size_t)nworkers, sizeof(*threads));
    enum fc_err err = FC_OK;
    int started = 0;
    ix->started_ms = ix->last_report_ms = fc_now_mono_ms();
    err = start_workers(ix, nworkers, workers, threads, &started, diag);
    struct fc_writer *w = NULL;
    if (!err)
        err = fc_writer_new(ix->db, &w, diag);
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
        if (now - last_refill > 5000) {
            /* pending work is derived from PostgreSQL: nothing is lost with the queue */
            uint64_t *fids;
            size_t n;
            if (fc_targets_unsynced(ix->db, &fids, &n, diag) == FC_OK) {
                for (size_t i = 0; i < n; i++)
                    queue_push(&ix->queue, fids[i]);
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
            leading = try_lead(ix);
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
        err = sync_pass(ix, w, conn, &stats, diag);
        if (err && err == FC_ERR_DB)
            leading = false; /* the lock may have gone with the connection: take it again */
        if (err) {
            /* a hub outage is not fatal for a server: log, wait, go on */
            log_warn("sync", "%s; retrying", diag->msg);
            err = FC_OK;
            for (int i = 0; i < 20 && !*stop; i++)
                usleep(100000);
            continue;
        }
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
    join_workers(nworkers, started, workers, threads);
    free(workers);
    free(threads);
    fc_hub_conn_free(conn);
    fc_writer_free(w);
    log_info("serve", "stopped");
    return err;
}

enum fc_err fc_indexer_sync_until_head(struct fc_indexer *ix, struct fc_sync_stats *stats,
                                       struct fc_diag *diag)
{
    struct fc_sync_stats local;
    if (!stats)
        stats = &local;
    memset(stats, 0, sizeof(*stats));
    struct fc_writer *w = NULL;
    enum fc_err err = fc_writer_new(ix->db, &w, diag);
    if (err)
        return err;
    struct fc_hub_conn *conn = fc_hub_conn_new(ix->hubs);
    /* Snapchain ids are global: one cursor per shard, any hub may serve it.
     * Hubble ids are per hub: read from the first hub with its own cursor. */
    err = sync_pass(ix, w, conn, stats, diag);
    fc_hub_conn_free(conn);
    fc_writer_free(w);
    log_info("sync", "%zu pages, %zu events, %zu kept, %zu new targets, %zu dropped",
             stats->pages, stats->events, stats->kept, stats->new_targets,
             stats->dropped_targets);
    return err;
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
    m->retention_resyncs = ix->m_retention_resyncs;
    m->block_rereads = ix->m_block_rereads;
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
    queue_push(&ix->queue, fid);
}

struct fc_hub_client *fc_indexer_hub_client(struct fc_indexer *ix)
{
    return ix->hubs;
}
