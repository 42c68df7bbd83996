/* Backfill workers: each takes a fid from the queue and copies its history
 * from the hubs' *ByFid endpoints into PostgreSQL, on its own database and
 * hub connections. */
#include "indexer/internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/fctime.h"
#include "core/log.h"
#include "hub/client.h"
#include "indexer/verify_gate.h"
#include "store/db.h"
#include "store/jobctl.h"
#include "store/reconcile.h"
#include "store/targets.h"
#include "store/writer.h"
#include "state/fidset.h"

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
    struct fc_buf seen; /* the 20-byte hashes of the fid's messages read so far */
    size_t dead_at_start; /* dead letters before this fid's pages */
    bool tx_open;    /* a writer transaction spans pages until batch_size items */
    size_t tx_items;
    /* signer keys of the fid: its rows in signers, then its SIGNER events,
     * which are read before its messages */
    struct fc_keyset keys;
    struct fc_buf scratch; /* message checks */
};

/* Checks a message (indexer/verify_gate.h); false when it went to
 * dead_letters instead (or wk->apply_err says why it could not). */
static bool message_passes(struct worker *wk, const struct fc_message *m)
{
    struct fc_indexer *ix = wk->ix;
    if (ix->verify_mode == FC_VERIFY_MODE_OFF)
        return true;
    enum fc_verify_result r = fc_verify_message(m, &wk->scratch, NULL);
    if (r == FC_VERIFY_OK && !fc_keyset_has(&wk->keys, m->fid, m->signer, m->signer_len))
        r = FC_VERIFY_UNKNOWN_SIGNER;
    if (fc_verify_gate_pass(ix, m, r))
        return true;
    wk->apply_err = fc_verify_dead_letter(wk->w, wk->source, m, r, &wk->apply_diag);
    wk->dead++;
    return false;
}

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
    size_t waiting = fc_ix_queue_outstanding(&ix->queue);
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
        if (!message_passes(wk, it->message))
            return;
        err = fc_writer_message(wk->w, it->message, &wk->apply_diag);
        fc_buf_append(&wk->seen, it->message->hash, 20);
        wk->messages++;
        break;
    case FC_ITEM_ONCHAIN:
        fc_keyset_note_onchain(&wk->keys, it->onchain);
        err = fc_writer_onchain(wk->w, it->onchain, &wk->apply_diag);
        break;
    case FC_ITEM_PROOF:
        err = fc_writer_proof(wk->w, it->proof, &wk->apply_diag);
        break;
    case FC_ITEM_ERROR:
        err = fc_writer_dead_letter_item(wk->w, wk->source, it, &wk->apply_diag);
        wk->dead++;
        break;
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
static void tx_abort(struct worker *wk);

FC_MUST_CHECK
static enum fc_err tx_ensure(struct worker *wk, struct fc_diag *diag)
{
    if (wk->tx_open)
        return FC_OK;
    enum fc_err err = fc_writer_begin(wk->w, diag);
    if (err)
        return err;
    wk->tx_open = true;
    wk->tx_items = 0;
    /* the fid's lock, so the follower never writes its rows at the same time */
    err = fc_writer_lock_fids(wk->w, &wk->fid, 1, diag);
    if (err)
        tx_abort(wk);
    return err;
}

FC_MUST_CHECK
static enum fc_err tx_commit(struct worker *wk, struct fc_diag *diag)
{
    if (!wk->tx_open)
        return FC_OK;
    wk->tx_open = false;
    enum fc_err err = fc_writer_commit(wk->w, diag);
    if (!err)
        fc_ix_notify_change(wk->ix, &wk->fid, 1);
    return err;
}

static void tx_abort(struct worker *wk)
{
    if (wk->tx_open)
        fc_writer_rollback(wk->w);
    wk->tx_open = false;
}

/* Fetches one endpoint page by page into the worker's transaction. */
FC_MUST_CHECK
static enum fc_err backfill_endpoint(struct worker *wk, const char *path, bool paged,
                                     enum fc_page_kind kind, struct fc_diag *diag)
{
    char token[1024] = "";
    wk->source = path;
    for (;;) {
        struct fc_buf q = FC_BUF_INIT;
        if (paged)
            fc_hub_page_query(&q, path, (unsigned)(wk->ix->cfg->batch_size < 1000
                                                       ? wk->ix->cfg->batch_size : 1000), token);
        else
            fc_buf_puts(&q, path);
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
        fc_hub_conn_release(wk->conn); /* the items are written: give the page's memory back */
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

/* Rows of the fid the hubs no longer hold go (a remove or prune missed in a
 * stream gap); a root's follow that went leaves the target set with the
 * reach recomputed after this. Nothing read means nothing judged: an empty
 * answer from a hub that lost the account must not empty it here; nor does
 * a read with a message that failed validation (its row is not an absence). */
FC_MUST_CHECK
static enum fc_err reconcile(struct worker *wk, const char *since, size_t *rows,
                             struct fc_diag *diag)
{
    *rows = 0;
    if (wk->seen.len == 0 || wk->dead != wk->dead_at_start)
        return FC_OK;
    enum fc_err err = fc_reconcile_fid(wk->db, wk->fid, (const uint8_t *)wk->seen.data,
                                       wk->seen.len / 20, since, rows, diag);
    if (!err && *rows)
        log_info("backfill", "fid %llu: %zu rows the hubs no longer hold marked deleted",
                 (unsigned long long)wk->fid, *rows);
    return err;
}

FC_MUST_CHECK
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
        /* the signer events first: the messages' signers are checked against them */
        {"onChainEventsByFid", "&event_type=EVENT_TYPE_SIGNER", false, FC_PAGE_ONCHAIN_EVENTS},
        {"onChainEventsByFid", "&event_type=EVENT_TYPE_ID_REGISTER", false, FC_PAGE_ONCHAIN_EVENTS},
        {"userDataByFid", "", true, FC_PAGE_MESSAGES},
        {"castsByFid", "", true, FC_PAGE_MESSAGES},
        /* Snapchain requires reaction_type; None means all */
        {"reactionsByFid", ix->snapchain ? "&reaction_type=None" : "", true, FC_PAGE_MESSAGES},
        {"linksByFid", "", true, FC_PAGE_MESSAGES},
        {"verificationsByFid", "", true, FC_PAGE_MESSAGES},
        {"userNameProofsByFid", "", false, FC_PAGE_PROOFS},
    };
    wk->fid = fid;
    fc_keyset_clear(&wk->keys);
    enum fc_err kerr;
    if (ix->verify_mode != FC_VERIFY_MODE_OFF &&
        (kerr = fc_keyset_load(&wk->keys, wk->db, &fid, 1, diag)))
        return kerr;
    wk->seen.len = 0;
    wk->dead_at_start = wk->dead;
    char since[64];
    enum fc_err cerr = fc_reconcile_clock(wk->db, since, sizeof(since), diag);
    if (cerr)
        return cerr;
    for (size_t i = 0; i < sizeof(endpoints) / sizeof(endpoints[0]); i++) {
        snprintf(path, sizeof(path), "/v1/%s?fid=%llu%s", endpoints[i].endpoint, f,
                 endpoints[i].extra);
        enum fc_err err = backfill_endpoint(wk, path, endpoints[i].paged, endpoints[i].kind, diag);
        if (err) {
            tx_abort(wk);
            return err;
        }
    }
    /* The reach grows from this fid once every row is committed, judged by
     * what PostgreSQL holds then (fc_ix_expand_from reads root and depth
     * under the reach lock). A stream page that makes this fid a root (a
     * sign-up) holds the fid's lock as these transactions do, so it either
     * committed before that read, or came after the last rows and expands
     * the fid itself once it commits. Judged before the pages were fetched,
     * a root signing up meanwhile was taken for a plain target and never
     * expanded; judged by the shared set, a root demoted while its backfill
     * ran grew the set. */
    enum fc_err err;
    size_t went = 0;
    if ((err = tx_commit(wk, diag)) || (err = reconcile(wk, since, &went, diag)))
        return err;
    if (ix->cfg->expansion_depth >= 1 &&
        (err = fc_ix_expand_from(ix, wk->db, fid, went > 0, diag)))
        return err;
    /* marked last: a crash before this runs the job again (idempotent) */
    return fc_targets_mark_synced(wk->db, fid, diag);
}

/* The worker's connection and writer; either may fail (diag says why). */
static enum fc_err worker_connect(struct worker *wk, struct fc_diag *diag)
{
    enum fc_err err = wk->db ? FC_OK : fc_ix_open_db(wk->ix->cfg, &wk->db, diag);
    if (!err)
        err = fc_writer_new(wk->db, &wk->w, diag);
    if (!err) {
        fc_writer_set_pipelined(wk->w, true); /* the worker's connection is its own */
        fc_writer_set_batched(wk->w, true);
    }
    return err;
}

/* Waits for PostgreSQL to answer again and prepares a new writer on the
 * worker's connection (prepared statements went with the old session; none
 * was made when the connection failed as serve started). */
static void worker_reconnect(struct worker *wk)
{
    while (fc_ix_db_wait(wk->ix, &wk->db)) {
        struct fc_diag d;
        fc_writer_free(wk->w);
        wk->w = NULL;
        if (worker_connect(wk, &d) == FC_OK)
            return;
    }
}

/* Runs of one fid ending on a deadlock or serialization failure before the
 * job attempt fails. */
#define FID_CONFLICT_TRIES 5

/* A queue update that failed (Redis away): the job's lease expires and it
 * runs again, so this is reported, not fatal. */
static void queue_result(enum fc_err err, const struct fc_job *job, const char *what,
                         const struct fc_diag *diag)
{
    if (err)
        log_warn("backfill", "fid %llu: %s the job in the queue failed (it runs again once its "
                             "lease expires): %s", (unsigned long long)job->fid, what, diag->msg);
}

static void *backfill_thread(void *arg)
{
    struct worker *wk = arg;
    struct fc_indexer *ix = wk->ix;
    struct fc_job job;
    if (!wk->w) /* PostgreSQL failed while serve started: waited out as any outage */
        worker_reconnect(wk);
    if (!wk->w)
        return NULL; /* stopped first */
    while (fc_ix_queue_pop(&ix->queue, wk->db, &job)) {
        struct fc_diag diag = {{0}}, ignored;
        /* the job is marked running in PostgreSQL; an operator's clear (or
         * the target's removal) since it was queued drops it */
        bool claimed = true;
        if (fc_jobctl_claim(wk->db, job.fid, &claimed, &diag) == FC_OK && !claimed) {
            queue_result(fc_jobq_done(ix->queue.q, &job, &ignored), &job, "dropping", &ignored);
            continue;
        }
        size_t messages_before = wk->messages, dead_before = wk->dead;
        enum fc_err err;
        /* a deadlock or serialization failure: the fid is written again
         * (idempotently) after a short backoff, not counted as an attempt */
        for (int tries = 1;; tries++) {
            err = backfill_fid(wk, job.fid, &diag);
            if (!err || !fc_writer_conflicted(wk->w) || tries >= FID_CONFLICT_TRIES ||
                fc_ix_stopping(ix))
                break;
            wk->messages = messages_before;
            wk->dead = dead_before;
            fc_ix_writer_conflict(ix, diag.msg);
            fc_sleep_ms(fc_backoff_ms(tries, 100, 5000), ix->queue.stop);
        }
        bool failed_for_good = false;
        if (err && fc_db_broken(wk->db)) {
            /* PostgreSQL went away, not the fid's fault: the job runs again
             * once it is back, its attempt not counted */
            queue_result(fc_jobq_release(ix->queue.q, &job, &ignored), &job, "giving back",
                         &ignored);
            wk->messages = messages_before;
            wk->dead = dead_before;
            worker_reconnect(wk);
            continue;
        }
        if (err) {
            log_warn("backfill", "fid %llu attempt %d failed: %s", (unsigned long long)job.fid,
                     job.attempt, diag.msg);
            if (fc_targets_mark_failed(wk->db, job.fid, diag.msg, &ignored))
                log_warn("backfill", "fid %llu: recording the failure in PostgreSQL: %s",
                         (unsigned long long)job.fid, ignored.msg);
            /* the queue retries with backoff, then keeps it as failed */
            queue_result(fc_jobq_fail(ix->queue.q, &job, diag.msg, &ignored), &job,
                         "recording the failure of", &ignored);
            failed_for_good = job.attempt >= JOB_MAX_ATTEMPTS;
        } else {
            queue_result(fc_jobq_done(ix->queue.q, &job, &ignored), &job, "finishing", &ignored);
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

struct fc_ix_workers {
    int n, started;
    struct worker *w;
    pthread_t *threads;
};

enum fc_err fc_ix_workers_start(struct fc_indexer *ix, int n, struct fc_ix_workers **out,
                                struct fc_diag *diag)
{
    struct fc_ix_workers *ws = fc_xcalloc(1, sizeof(*ws));
    ws->n = n;
    ws->w = fc_xcalloc((size_t)n, sizeof(*ws->w));
    ws->threads = fc_xcalloc((size_t)n, sizeof(*ws->threads));
    *out = ws;
    enum fc_err err = FC_OK;
    for (int i = 0; i < n && !err; i++) {
        struct worker *wk = &ws->w[i];
        wk->ix = ix;
        err = worker_connect(wk, diag);
        if (err && ix->queue.daemon) {
            /* PostgreSQL went away while serve started: an outage like any
             * other, which the worker waits out (failing here left the
             * process up with the stream never followed) */
            fc_log_gate_fail(&ix->db_gate, diag->msg);
            err = FC_OK;
        }
        if (!err) {
            wk->conn = fc_hub_conn_new(ix->hubs);
            if (pthread_create(&ws->threads[i], NULL, backfill_thread, wk) == 0)
                ws->started++;
        }
    }
    return err;
}

void fc_ix_workers_join(struct fc_ix_workers *ws, size_t *messages, size_t *dead)
{
    for (int i = 0; i < ws->started; i++)
        pthread_join(ws->threads[i], NULL);
    for (int i = 0; i < ws->n; i++) {
        if (messages)
            *messages += ws->w[i].messages;
        if (dead)
            *dead += ws->w[i].dead;
        fc_hub_conn_free(ws->w[i].conn);
        fc_keyset_cleanup(&ws->w[i].keys);
        fc_buf_cleanup(&ws->w[i].scratch);
        fc_buf_cleanup(&ws->w[i].seen);
        fc_writer_free(ws->w[i].w);
        fc_db_close(ws->w[i].db);
    }
    free(ws->w);
    free(ws->threads);
    free(ws);
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
        fc_ix_queue_push(&ix->queue, fids[i]);
    free(pending);
    memset(&ix->bstats, 0, sizeof(ix->bstats));
    int64_t t0 = fc_now_mono_ms();
    ix->started_ms = ix->last_report_ms = t0;
    struct fc_ix_workers *ws;
    enum fc_err err = fc_ix_workers_start(ix, ix->cfg->backfill_workers, &ws, diag);
    size_t messages = 0, dead = 0;
    fc_ix_workers_join(ws, &messages, &dead);
    int64_t ms = fc_now_mono_ms() - t0;
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
