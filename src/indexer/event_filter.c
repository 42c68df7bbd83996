/* The follower's filter rule: which events of the stream concern the target
 * set (an event is kept when its author or the fid it points at is a
 * target), and applying a kept event through the writer. */
#include "indexer/follower.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/log.h"
#include "hub/client.h"
#include "store/targets.h"
#include "store/writer.h"
#include "state/fidset.h"

bool fc_follower_is_root(const struct follower *fo, uint64_t fid)
{
    bool *slot = fo->pr ? fc_page_targets_slot(fo->pr, fid) : NULL;
    return slot ? *slot : fc_fidset_has(fo->ix->roots, fid);
}

bool fc_follower_is_target(const struct follower *fo, uint64_t fid)
{
    bool *slot = fo->pt ? fc_page_targets_slot(fo->pt, fid) : NULL;
    return slot ? *slot : fc_fidset_has(fo->ix->targets, fid);
}

void fc_follower_after_commit(struct follower *fo, enum fc_after_op op, uint64_t fid)
{
    struct fc_after_commit *a = fc_vec_push(fo->after);
    a->op = op;
    a->fid = fid;
}

void fc_follower_target_added(struct follower *fo, uint64_t fid)
{
    fc_follower_after_commit(fo, FC_AFTER_ADD_TARGET, fid);
    bool *slot = fo->pt ? fc_page_targets_slot(fo->pt, fid) : NULL;
    if (slot)
        *slot = true;
}

void fc_follower_target_removed(struct follower *fo, uint64_t fid)
{
    fc_follower_after_commit(fo, FC_AFTER_REMOVE_TARGET, fid);
    bool *slot = fo->pt ? fc_page_targets_slot(fo->pt, fid) : NULL;
    if (slot)
        *slot = false;
}

bool fc_follower_touches_target(const struct follower *fo, const struct fc_message *m)
{
    if (!m)
        return false;
    if (fc_follower_is_target(fo, m->fid))
        return true;
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        return m->body.cast_add.has_parent_cast &&
               fc_follower_is_target(fo, m->body.cast_add.parent.fid);
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        return m->body.reaction.has_target_cast &&
               fc_follower_is_target(fo, m->body.reaction.target.fid);
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        return fc_follower_is_target(fo, m->body.link.target_fid);
    default:
        return false;
    }
}

/* The accounts of an event's on-chain event and username proofs. */
static void note_onchain_and_proofs(struct fc_page_targets *pt, const struct fc_hub_event *e)
{
    if (e->onchain)
        fc_page_targets_note(pt, e->onchain->fid);
    if (e->proof)
        fc_page_targets_note(pt, e->proof->fid);
    if (e->deleted_proof)
        fc_page_targets_note(pt, e->deleted_proof->fid);
}

/* The fids touches_target and apply_event may ask about for one event. */
void fc_follower_note_event_fids(struct fc_page_targets *pt, const struct fc_item *it)
{
    if (it->kind != FC_ITEM_EVENT)
        return;
    const struct fc_hub_event *e = it->event;
    const struct fc_message *m = e->message;
    if (m) {
        fc_page_targets_note(pt, m->fid);
        if ((m->type == FC_MSG_CAST_ADD) && m->body.cast_add.has_parent_cast)
            fc_page_targets_note(pt, m->body.cast_add.parent.fid);
        if ((m->type == FC_MSG_REACTION_ADD || m->type == FC_MSG_REACTION_REMOVE) &&
            m->body.reaction.has_target_cast)
            fc_page_targets_note(pt, m->body.reaction.target.fid);
        if (m->type == FC_MSG_LINK_ADD || m->type == FC_MSG_LINK_REMOVE)
            fc_page_targets_note(pt, m->body.link.target_fid);
    }
    note_onchain_and_proofs(pt, e);
}

void fc_follower_note_written_fids(struct fc_page_targets *pt, const struct fc_item *it)
{
    if (it->kind != FC_ITEM_EVENT)
        return;
    const struct fc_hub_event *e = it->event;
    if (e->message) {
        fc_page_targets_note(pt, e->message->fid);
        if (e->message->type == FC_MSG_LINK_ADD || e->message->type == FC_MSG_LINK_REMOVE)
            fc_page_targets_note(pt, e->message->body.link.target_fid); /* its targets row */
    }
    if (e->proof_message)
        fc_page_targets_note(pt, e->proof_message->fid);
    if (e->deleted_proof_message)
        fc_page_targets_note(pt, e->deleted_proof_message->fid);
    note_onchain_and_proofs(pt, e);
}

void fc_follower_apply_event(void *ud, const struct fc_item *it)
{
    struct follower *fo = ud;
    if (fo->err)
        return;
    fo->stats->events++;
    if (it->kind == FC_ITEM_ERROR) {
        fo->err = fc_writer_dead_letter_item(fo->w, fo->source, it, &fo->diag);
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
        keep = fc_follower_touches_target(fo, e->message);
        break;
    case FC_EVENT_MERGE_ON_CHAIN_EVENT:
        if (e->onchain) {
            keep = fc_follower_is_target(fo, e->onchain->fid);
            if (fc_follower_client_signup(fo, e->onchain))
                keep = true;
        }
        break;
    case FC_EVENT_MERGE_USERNAME_PROOF:
        keep = (e->proof && fc_follower_is_target(fo, e->proof->fid)) ||
               (e->deleted_proof && fc_follower_is_target(fo, e->deleted_proof->fid));
        break;
    default:
        break;
    }
    if (!keep || fo->err)
        return;
    if (e->type == FC_EVENT_MERGE_MESSAGE && !fc_follower_message_passes(fo, e->message))
        return; /* in dead_letters (or fo->err says why it could not be put there) */
    fo->stats->kept++;
    fc_follower_note_event_fids(fo->changed, it);
    fo->err = fc_writer_event(fo->w, e, &fo->diag);
    if (!fo->err && e->type == FC_EVENT_MERGE_MESSAGE)
        fo->err = fc_follower_expand_on_follow(fo, e->message);
}

