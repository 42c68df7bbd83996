/* How the target set grows and shrinks: a root's follows become targets
 * (after its backfill, and as follow and unfollow events arrive), and a user
 * signing up through a monitored client app becomes a root. */
#include "indexer/follower.h"

#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "fc/types.h"
#include "store/targets.h"

/* New targets are queued and join the shared set; dropped ones leave it. */
static void reach_moved(struct fc_indexer *ix, uint64_t *added, size_t n_added, uint64_t *dropped,
                        size_t n_dropped)
{
    for (size_t i = 0; i < n_added; i++) {
        fc_ix_shared_add(ix, ix->targets, added[i]);
        fc_ix_queue_push(&ix->queue, added[i]);
    }
    for (size_t i = 0; i < n_dropped; i++)
        fc_ix_shared_remove(ix, ix->targets, dropped[i]);
    if (n_added || n_dropped)
        log_info("targets", "within %d follow hops of a root: %zu added, %zu dropped",
                 ix->cfg->expansion_depth, n_added, n_dropped);
    free(added);
    free(dropped);
}

enum fc_err fc_ix_recompute_reach(struct fc_indexer *ix, struct fc_db *db, struct fc_diag *diag)
{
    uint64_t *added, *dropped;
    size_t n_added, n_dropped;
    enum fc_err err = fc_targets_recompute_reach(db, ix->cfg->expansion_depth, &added, &n_added,
                                                 &dropped, &n_dropped, diag);
    if (!err)
        reach_moved(ix, added, n_added, dropped, n_dropped);
    return err;
}

enum fc_err fc_ix_expand_from(struct fc_indexer *ix, struct fc_db *db, uint64_t fid,
                              bool follows_went, struct fc_diag *diag)
{
    uint64_t *added, *dropped;
    size_t n_added, n_dropped;
    enum fc_err err = fc_targets_expand_from(db, fid, follows_went, ix->cfg->expansion_depth,
                                             &added, &n_added, &dropped, &n_dropped, diag);
    if (!err)
        reach_moved(ix, added, n_added, dropped, n_dropped);
    return err;
}

enum fc_err fc_follower_expand_on_follow(struct follower *fo, const struct fc_message *m)
{
    struct fc_indexer *ix = fo->ix;
    if (!m || (m->type != FC_MSG_LINK_ADD && m->type != FC_MSG_LINK_REMOVE) ||
        !m->body.link.link_type || strcmp(m->body.link.link_type, "follow") != 0 ||
        ix->cfg->expansion_depth < 1)
        return FC_OK;
    if (ix->cfg->expansion_depth >= 2) {
        /* A follow by a target nearer to a root than the depth changes the
         * reach: recomputed once the page is committed (new targets are
         * backfilled whole, so nothing of the rest of the page is lost). */
        int depth = -1;
        if (fc_follower_is_target(fo, m->fid) &&
            (fo->err = fc_targets_depth(ix->db, m->fid, &depth, &fo->diag)))
            return fo->err;
        if (depth >= 0 && depth < ix->cfg->expansion_depth)
            fo->reach_changed = true;
        return FC_OK;
    }
    if (!fc_follower_is_root(fo, m->fid))
        return FC_OK;
    uint64_t t = m->body.link.target_fid;
    if (m->type == FC_MSG_LINK_ADD) {
        bool added = false;
        enum fc_err err = fc_targets_add(ix->db, t, false, "follow", &added, &fo->diag);
        if (!err && added) {
            fc_follower_target_added(fo, t);
            /* backfilled by the workers when serving */
            fc_follower_after_commit(fo, FC_AFTER_QUEUE, t);
            fo->stats->new_targets++;
        }
        return err;
    }
    bool dropped = false;
    enum fc_err err = fc_targets_drop_if_orphan(ix->db, t, &dropped, &fo->diag);
    if (!err && dropped) {
        fc_follower_target_removed(fo, t);
        fo->stats->dropped_targets++;
    }
    return err;
}

bool fc_follower_client_signup(struct follower *fo, const struct fc_onchain_event *oc)
{
    struct fc_indexer *ix = fo->ix;
    if (!(oc->type == FC_ONCHAIN_SIGNER && oc->body.signer.event_type == 1 &&
          ix->cfg->client_discovery && oc->body.signer.request_fid))
        return false;
    /* from PostgreSQL, as the page's targets (a set misses apps the CLI added,
     * or holds none while a restarted Redis is rebuilt); a failed lookup
     * fails the page (read again), never reads as "not a client" */
    bool client = false;
    fo->err = fc_clients_has(ix->db, oc->body.signer.request_fid, &client, &fo->diag);
    if (fo->err || !client)
        return false;
    bool added = false;
    fo->err = fc_targets_add(ix->db, oc->fid, true, "client", &added, &fo->diag);
    if (fo->err)
        return false;
    fc_follower_target_added(fo, oc->fid);
    fc_follower_after_commit(fo, FC_AFTER_ADD_ROOT, oc->fid);
    bool *root_slot = fo->pr ? fc_page_targets_slot(fo->pr, oc->fid) : NULL;
    if (root_slot) /* later follows on this page expand the set */
        *root_slot = true;
    fc_follower_after_commit(fo, FC_AFTER_QUEUE, oc->fid);
    fo->stats->new_targets += added;
    /* The account may be synced already, or its backfill past the point
     * where it judged root or not: its follows known so far join once the
     * page commits (a backfill still to come expands it again, and adding
     * is idempotent). */
    if (ix->cfg->expansion_depth >= 1)
        *fc_vec_push(fo->new_roots) = oc->fid;
    return true;
}
