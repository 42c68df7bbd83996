/* The stream follower: reads each event stream from its stored cursor page
 * by page, checks the page, applies the events that concern the targets and
 * moves the cursor in the same transaction. */
#include "indexer/follower.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/fctime.h"
#include "core/log.h"
#include "core/vec.h"
#include "hub/client.h"
#include "store/db.h"
#include "store/targets.h"
#include "store/writer.h"

static void gather(void *ud, const struct fc_item *it)
{
    struct page_items *pi = ud;
    *fc_vec_push(pi) = it;
}


/* Attempts of one page whose transaction ends on a deadlock or
 * serialization failure, before the error goes up. */
#define PAGE_ATTEMPTS 8

/* What the committed page told the shared sets and the queue. */
static void carry_out_after_commit(struct follower *fo)
{
    struct fc_indexer *ix = fo->ix;
    for (size_t i = 0; i < fo->after->n; i++) {
        const struct fc_after_commit *a = &fo->after->p[i];
        switch (a->op) {
        case FC_AFTER_ADD_TARGET: fc_ix_shared_add(ix, ix->targets, a->fid); break;
        case FC_AFTER_REMOVE_TARGET: fc_ix_shared_remove(ix, ix->targets, a->fid); break;
        case FC_AFTER_ADD_ROOT: fc_ix_shared_add(ix, ix->roots, a->fid); break;
        case FC_AFTER_QUEUE: fc_ix_queue_push(&ix->queue, a->fid); break;
        }
    }
    fo->after->n = 0;
}

/* Applies one checked page in one transaction: the fid locks of every fid
 * the page may write, the events, the cursor. */
FC_MUST_CHECK
static enum fc_err apply_page(struct follower *fo, const struct page_items *pi,
                              struct fc_page_targets *pt, struct fc_page_targets *pr,
                              struct fc_page_targets *written, const char *cursor_hub,
                              unsigned shard, size_t n, uint64_t next, struct fc_diag *diag)
{
    struct fc_indexer *ix = fo->ix;
    pt->fids.n = 0;
    pr->fids.n = 0;
    written->fids.n = 0;
    for (size_t i = 0; i < pi->n; i++) {
        fc_follower_note_event_fids(pt, pi->p[i]);
        fc_follower_note_written_fids(written, pi->p[i]);
        const struct fc_message *m =
            pi->p[i]->kind == FC_ITEM_EVENT ? pi->p[i]->event->message : NULL;
        if (m && (m->type == FC_MSG_LINK_ADD || m->type == FC_MSG_LINK_REMOVE))
            fc_page_targets_note(pr, m->fid); /* may be a root growing the set */
    }
    enum fc_err err;
    if ((err = fc_page_targets_load(pt, pr, ix->db, diag)))
        return err;
    fo->pt = pt;
    fo->pr = pr;
    fo->changed->fids.n = 0;
    fo->after->n = 0;
    fo->new_roots->n = 0;
    fo->items = pi;
    if ((err = fc_follower_check_page(fo, diag)))
        return err;
    if ((err = fc_writer_begin(fo->w, diag)))
        return err;
    /* the page may add and drop targets: no recompute of the reach meanwhile */
    err = fc_targets_hold_reach(ix->db, diag);
    if (!err)
        err = fc_writer_lock_fids(fo->w, written->fids.p, written->fids.n, diag);
    for (size_t i = 0; !err && i < pi->n && !fo->err; i++) {
        fo->at = i;
        fc_follower_apply_event(fo, pi->p[i]);
    }
    if (!err && fo->err) {
        err = fo->err;
        *diag = fo->diag;
    }
    if (!err && n)
        err = fc_writer_set_cursor(fo->w, cursor_hub, shard, next, diag);
    if (err) {
        fc_writer_rollback(fo->w);
        return err;
    }
    if ((err = fc_writer_commit(fo->w, diag)))
        return err;
    carry_out_after_commit(fo);
    return FC_OK;
}

FC_MUST_CHECK
static enum fc_err follow_stream(struct fc_indexer *ix, struct fc_writer *w,
                                 struct fc_hub_conn *conn, unsigned shard, int pin_hub,
                                 const char *cursor_hub, size_t max_pages, bool *at_head,
                                 struct fc_sync_stats *stats, struct fc_diag *diag)
{
    *at_head = false;
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
    struct fc_page_targets pt = {0}, pr = {0}, changed = {0}, written = {0};
    unsigned stream = shard < FC_INDEXER_MAX_STREAMS ? shard : FC_INDEXER_MAX_STREAMS - 1;
    /* re-reads of an incomplete block, kept across turns */
    int *rereads = &ix->block_rereads[stream];
    /* Only the first read after resuming from a stored cursor can reveal
     * pruned events; later pages follow our own reads. */
    bool check_retention = found && from;
    struct fc_keyset keys = {0};
    struct fc_signer_fetch *fetch = fc_ix_signer_fetch(ix);
    fetch->fids.n = 0; /* each account may be fetched again in this turn */
    fc_after_list after = {0};
    fc_fid_list new_roots = {0};
    FC_VEC(enum fc_verify_result) checked = {0};
    for (;;) {
        struct follower fo = {.ix = ix, .w = w, .stats = stats, .source = source,
                              .changed = &changed, .keys = &keys, .fetch = fetch,
                              .after = &after, .new_roots = &new_roots};
        uint64_t next = from;
        size_t n = 0;
        pi.n = 0;
        err = fc_hub_events_page(conn, ix->snapchain, shard, from,
                                 (unsigned)ix->cfg->event_page_size, pin_hub, gather, &pi, &next,
                                 &n, diag);
        if (err)
            break;
        fc_vec_reserve(&checked, pi.n);
        fo.checked = checked.p;
        size_t apply_n = pi.n; /* items of the page applied now */
        bool reread = false;
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
                if ((err = fc_targets_resync_all(ix->db, diag)))
                    break;
                stats->retention_resyncs++;
                ix->m_retention_resyncs++;
            }
            check_retention = false;
            size_t cut;
            uint64_t bad = fc_follower_incomplete_block(&pi, from, &cut);
            if (bad && *rereads < 3) {
                /* A block lost events in transit: apply the complete blocks before it,
                 * then read it again from its start (or from the cursor, when the page
                 * resumed it), so nothing before it is skipped or applied twice. */
                (*rereads)++;
                stats->block_rereads++;
                ix->m_block_rereads++;
                log_warn("sync", "shard %u block %llu is incomplete; reading it again", shard,
                         (unsigned long long)bad);
                apply_n = cut;
                next = fc_snapchain_first_event_id(bad) > from ? fc_snapchain_first_event_id(bad)
                                                               : from;
                reread = true;
            } else {
                if (bad)
                    log_error("sync", "shard %u block %llu still incomplete after 3 reads; "
                                      "going on", shard, (unsigned long long)bad);
                *rereads = 0;
            }
        }
        /* A page whose transaction hits a deadlock or serialization failure
         * is applied again from the start (with backoff); the items are still
         * held and every write is idempotent. */
        size_t events_before = stats->events, kept_before = stats->kept,
               dead_before = stats->dead_letters;
        size_t new_before = stats->new_targets, dropped_before = stats->dropped_targets;
        /* only the complete blocks before an incomplete one; the cursor moves
         * only forward */
        struct page_items applied = {pi.p, apply_n, pi.cap};
        size_t moved = next > from ? n : 0;
        for (int attempt = 1;; attempt++) {
            stats->events = events_before;
            stats->kept = kept_before;
            stats->dead_letters = dead_before;
            stats->new_targets = new_before;
            stats->dropped_targets = dropped_before;
            fo.err = FC_OK;
            err = apply_page(&fo, &applied, &pt, &pr, &written, cursor_hub, shard, moved, next,
                             diag);
            if (!err || !fc_writer_conflicted(w) || attempt >= PAGE_ATTEMPTS ||
                fc_ix_stopping(ix))
                break;
            fc_ix_writer_conflict(ix, diag->msg);
            fc_sleep_ms(fc_backoff_ms(attempt, 50, 2000), ix->queue.stop);
        }
        if (!err && fo.reach_changed)
            err = fc_ix_recompute_reach(ix, ix->db, diag);
        for (size_t i = 0; !err && !fo.reach_changed && i < new_roots.n; i++)
            err = fc_ix_expand_from(ix, ix->db, new_roots.p[i], false, diag);
        if (err)
            break;
        stats->pages++;
        ix->m_events_read += stats->events - events_before;
        ix->m_events_applied += stats->kept - kept_before;
        ix->m_dead_letters += stats->dead_letters - dead_before;
        ix->m_cursor[stream] = next;
        if (changed.fids.n) { /* sorted and unique for the listener */
            fc_page_targets_sort(&changed);
            fc_ix_notify_change(ix, changed.fids.p, changed.fids.n);
        }
        if (!n || next == from) {
            ix->m_behind_since_ms[stream] = 0;
        } else if (!ix->m_behind_since_ms[stream]) {
            ix->m_behind_since_ms[stream] = fc_now_mono_ms();
        }
        fc_hub_conn_release(conn); /* the page is applied: give its memory back */
        if (fc_ix_stopping(ix) || (!reread && (!n || next == from))) {
            *at_head = true; /* caught up with the head (or asked to stop) */
            break;
        }
        from = next;
        if (--max_pages == 0)
            break; /* the other streams' turn */
    }
    free(pi.p);
    fc_vec_free(&checked);
    fc_vec_free(&after);
    fc_vec_free(&new_roots);
    fc_keyset_cleanup(&keys);
    fc_page_targets_cleanup(&pt);
    fc_page_targets_cleanup(&pr);
    fc_page_targets_cleanup(&changed);
    fc_page_targets_cleanup(&written);
    return err;
}

/* Pages of one Snapchain shard read before the next shard's turn. */
#define PAGES_PER_TURN 2

/* Snapchain: the shards in turns, a few pages each, until every shard is at
 * its head. A shard far behind (or failing) does not hold the others back:
 * read one after the other, a follower restarted more often than it takes
 * to catch up on shard 1 never reached shard 2. A database error ends the
 * pass at once; a hub error ends only that shard's part of it. */
FC_MUST_CHECK
static enum fc_err sync_shards(struct fc_indexer *ix, struct fc_writer *w,
                               struct fc_hub_conn *conn, struct fc_sync_stats *stats,
                               struct fc_diag *diag)
{
    unsigned n = ix->shards < FC_INDEXER_MAX_STREAMS ? ix->shards : FC_INDEXER_MAX_STREAMS - 1;
    bool done[FC_INDEXER_MAX_STREAMS] = {false};
    enum fc_err first = FC_OK;
    for (unsigned left = n; left > 0 && !fc_ix_stopping(ix);) {
        for (unsigned s = 1; s <= n; s++) {
            if (done[s])
                continue;
            struct fc_diag d;
            bool at_head;
            enum fc_err err = follow_stream(ix, w, conn, s, -1, "snapchain", PAGES_PER_TURN,
                                            &at_head, stats, &d);
            if (err && !first) {
                first = err;
                *diag = d;
            }
            if (err == FC_ERR_DB)
                return err;
            if (err || at_head) {
                done[s] = true;
                left--;
            }
        }
    }
    return first;
}

enum fc_err fc_ix_sync_pass(struct fc_indexer *ix, struct fc_writer *w, struct fc_hub_conn *conn,
                            struct fc_sync_stats *stats, struct fc_diag *diag)
{
    if (ix->snapchain)
        return sync_shards(ix, w, conn, stats, diag);
    /* Hubble event ids are per hub: read from the first hub that answers, with that
     * hub's own cursor (a hub read for the first time replays its retained events,
     * which idempotent writes absorb). Database errors are not a hub's fault. */
    enum fc_err err = FC_OK;
    size_t n = fc_hub_client_n_hubs(ix->hubs);
    for (size_t h = 0; h < n; h++) {
        if (h + 1 < n && fc_hub_client_breaker_open(ix->hubs, h))
            continue;
        const char *name = fc_hub_client_hub_name(ix->hubs, h);
        bool at_head;
        err = follow_stream(ix, w, conn, 0, (int)h, name, SIZE_MAX, &at_head, stats, diag);
        if (!err || err == FC_ERR_DB || h + 1 == n)
            break;
        log_warn("sync", "hub %s: %s; reading events from the next hub", name, diag->msg);
    }
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
    err = fc_ix_sync_pass(ix, w, conn, stats, diag);
    fc_hub_conn_free(conn);
    fc_writer_free(w);
    log_info("sync", "%zu pages, %zu events, %zu kept, %zu new targets, %zu dropped",
             stats->pages, stats->events, stats->kept, stats->new_targets,
             stats->dropped_targets);
    return err;
}

