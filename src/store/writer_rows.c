/* The row-at-a-time write path: each message, deletion, username proof,
 * on-chain event and hub event as its statements, one row at a time. */
#include "store/writer_internal.h"

#include <string.h>

#include "core/fctime.h"
#include "fc/emit.h"

static int64_t unix_of(uint32_t fc_ts)
{
    return fc_time_to_unix(fc_ts);
}

/* The resolve after an insert: statement resolve over the key columns
 * key[0..n_key) of the row just inserted (in the resolve's order). */
struct resolve {
    enum stmt resolve;
    const int *key;
    int n_key;
};

/* Runs statement s over m's columns as encode writes them, then the
 * resolve, when there is one, over that row's key columns. */
FC_MUST_CHECK
static enum fc_err run_row(struct fc_writer *w, enum stmt s,
                           void (*encode)(struct enc *, const struct fc_message *),
                           const struct fc_message *m, const struct resolve *then,
                           struct fc_diag *diag)
{
    struct params p = {.n = 0};
    struct enc e = {.p = &p};
    encode(&e, m);
    enum fc_err err = fc_writer_run(w, s, &p, diag);
    if (!err && then) {
        struct params q = {.n = then->n_key};
        for (int i = 0; i < then->n_key; i++) {
            q.v[i] = p.v[then->key[i]];
            q.len[i] = p.len[then->key[i]];
            q.fmt[i] = p.fmt[then->key[i]];
        }
        err = fc_writer_run(w, then->resolve, &q, diag);
    }
    enc_cleanup(&e);
    return err;
}

FC_MUST_CHECK
static enum fc_err reaction(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    /* columns: 0 hash 1 fid 2 type 3 rm 4 th 5 tf 6 tu 7 ts */
    static const int by_cast[] = {1, 2, 4}, by_url[] = {1, 2, 6};
    static const struct resolve cast = {S_REACTION_RESOLVE_CAST, by_cast, 3},
                                url = {S_REACTION_RESOLVE_URL, by_url, 3};
    return run_row(w, S_REACTION_INS, enc_reaction, m,
                   m->body.reaction.has_target_cast ? &cast : &url, diag);
}

FC_MUST_CHECK
static enum fc_err link_msg(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    /* columns: 0 hash 1 fid 2 tf 3 type 4 rm 5 ts 6 dts */
    static const int key[] = {1, 3, 2};
    static const struct resolve then = {S_LINK_RESOLVE, key, 3};
    return run_row(w, S_LINK_INS, enc_link, m, &then, diag);
}

FC_MUST_CHECK
static enum fc_err compact(struct fc_writer *w, const struct fc_message *m, struct fc_diag *diag)
{
    struct fc_buf arr = FC_BUF_INIT;
    fc_db_u64_array(&arr, m->body.compact.target_fids, m->body.compact.n_target_fids);
    struct params p = {.n = 0};
    p_u64(&p, m->fid);
    p_text(&p, m->body.compact.link_type);
    p_bytes(&p, m->hash, 20);
    p_u64(&p, (uint64_t)unix_of(m->fc_ts));
    p_text(&p, arr.data);
    enum fc_err err = fc_writer_run(w, S_COMPACT_UPSERT, &p, diag);
    if (!err) {
        struct params q = {.n = 0};
        p_u64(&q, m->fid);
        p_text(&q, m->body.compact.link_type);
        p_u64(&q, (uint64_t)unix_of(m->fc_ts));
        p_text(&q, arr.data);
        err = fc_writer_run(w, S_COMPACT_APPLY, &q, diag);
    }
    fc_buf_cleanup(&arr);
    return err;
}

FC_MUST_CHECK
static enum fc_err verification(struct fc_writer *w, const struct fc_message *m,
                                struct fc_diag *diag)
{
    /* columns: 0 hash 1 fid 2 addr 3 proto 4 rm 5 vt 6 chain 7 bh 8 ts */
    static const int key[] = {1, 2};
    static const struct resolve then = {S_VERIF_RESOLVE, key, 2};
    return run_row(w, S_VERIF_INS, enc_verification, m, &then, diag);
}

enum fc_err fc_writer_message(struct fc_writer *w, const struct fc_message *m,
                              struct fc_diag *diag)
{
    if (w->batched && fc_writer_batch_add(w, m))
        return FC_OK;
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        return run_row(w, S_CAST_ADD, enc_cast_add, m, NULL, diag);
    case FC_MSG_CAST_REMOVE:
        return run_row(w, S_CAST_REMOVE, enc_cast_remove, m, NULL, diag);
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        return reaction(w, m, diag);
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        return link_msg(w, m, diag);
    case FC_MSG_LINK_COMPACT_STATE:
        return compact(w, m, diag);
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE:
        return verification(w, m, diag);
    case FC_MSG_USER_DATA_ADD:
        fc_writer_touch(w, m->fid);
        return run_row(w, S_USER_DATA, enc_user_data, m, NULL, diag);
    case FC_MSG_USERNAME_PROOF:
        return fc_writer_proof(w, &m->body.proof, diag);
    default:
        return FC_OK; /* frame actions, storage lending, keys, channels: not indexed */
    }
}

enum fc_err fc_writer_delete_message(struct fc_writer *w, const struct fc_message *m,
                                     const char *reason, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    p_bytes(&p, m->hash, 20);
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        p_u64(&p, m->fid);
        p_text(&p, reason);
        return fc_writer_run(w, S_CAST_DELETE, &p, diag);
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: {
        /* make sure the row exists (the add may not have been seen), then delete it */
        enum fc_err err = reaction(w, m, diag);
        p_text(&p, reason);
        return err ? err : fc_writer_run(w, S_DELETE_REACTION, &p, diag);
    }
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: {
        enum fc_err err = link_msg(w, m, diag);
        p_text(&p, reason);
        return err ? err : fc_writer_run(w, S_DELETE_LINK, &p, diag);
    }
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE: {
        enum fc_err err = verification(w, m, diag);
        p_text(&p, reason);
        return err ? err : fc_writer_run(w, S_DELETE_VERIF, &p, diag);
    }
    case FC_MSG_USER_DATA_ADD: {
        struct params u = {.n = 0};
        p_u64(&u, m->fid);
        p_u64(&u, (uint64_t)m->body.user_data.user_data_type);
        p_text(&u, m->body.user_data.value ? m->body.user_data.value : "");
        p_bytes(&u, m->hash, 20);
        p_u64(&u, (uint64_t)unix_of(m->fc_ts));
        p_text(&u, reason);
        fc_writer_touch(w, m->fid);
        return fc_writer_run(w, S_DELETE_USER_DATA, &u, diag);
    }
    default:
        return FC_OK; /* a pruned/revoked CastRemove leaves the cast removed */
    }
}

enum fc_err fc_writer_proof(struct fc_writer *w, const struct fc_username_proof *pr,
                            struct fc_diag *diag)
{
    if (!pr->name)
        return FC_OK;
    struct params p = {.n = 0};
    p_text(&p, pr->name);
    p_u64(&p, pr->fid);
    p_u64(&p, (uint64_t)(pr->type > 0 ? pr->type : 0));
    p_bytes(&p, pr->owner, pr->owner_len);
    p_bytes(&p, pr->signature ? pr->signature : (const uint8_t *)"", pr->signature_len);
    p_u64(&p, pr->timestamp_unix);
    p_null(&p);
    return fc_writer_run(w, S_PROOF, &p, diag);
}

enum fc_err fc_writer_onchain(struct fc_writer *w, const struct fc_onchain_event *o,
                              struct fc_diag *diag)
{
    struct fc_buf body = FC_BUF_INIT;
    fc_emit_onchain(o, &body);
    struct params p = {.n = 0};
    p_u64(&p, o->chain_id);
    p_u64(&p, o->block_number);
    p_bytes(&p, o->block_hash, o->block_hash_len);
    p_u64(&p, o->block_timestamp_unix);
    p_bytes(&p, o->tx_hash, o->tx_hash_len);
    p_u64(&p, o->log_index);
    p_u64(&p, o->tx_index);
    p_u64(&p, o->fid);
    p_u64(&p, (uint64_t)o->type);
    p_text(&p, body.data);
    enum fc_err err = fc_writer_run(w, S_ONCHAIN, &p, diag);
    fc_buf_cleanup(&body);
    if (err)
        return err;
    if (o->type == FC_ONCHAIN_SIGNER && o->body.signer.key_len == 32) {
        struct params q = {.n = 0};
        p_u64(&q, o->fid);
        p_bytes(&q, o->body.signer.key, 32);
        if (o->body.signer.event_type == 1) {
            p_u64(&q, o->body.signer.key_type);
            if (o->body.signer.request_fid)
                p_u64(&q, o->body.signer.request_fid);
            else
                p_null(&q);
            p_u64(&q, o->block_timestamp_unix);
            p_u64(&q, o->block_number);
            p_u64(&q, o->log_index);
            fc_writer_touch(w, o->fid);
            return fc_writer_run(w, S_SIGNER_ADD, &q, diag);
        }
        p_u64(&q, o->block_timestamp_unix);
        return fc_writer_run(w, S_SIGNER_REMOVE, &q, diag);
    }
    if (o->type == FC_ONCHAIN_ID_REGISTER) {
        /* REGISTER sets both addresses, TRANSFER the custody (its recovery is
         * empty), CHANGE_RECOVERY the recovery (its to and from are empty). */
        const __typeof__(o->body.id_register) *r = &o->body.id_register;
        bool sets_custody = r->event_type != 3 && r->has_to;
        bool sets_recovery = r->event_type != 2 && r->has_recovery;
        if (!sets_custody && !sets_recovery)
            return FC_OK;
        struct params q = {.n = 0};
        p_u64(&q, o->fid);
        if (sets_custody)
            p_bytes(&q, r->to, 20);
        else
            p_null(&q);
        if (sets_recovery)
            p_bytes(&q, r->recovery, 20);
        else
            p_null(&q);
        p_u64(&q, o->block_number * 1000000u + o->log_index);
        return fc_writer_run(w, S_CUSTODY, &q, diag);
    }
    return FC_OK;
}

enum fc_err fc_writer_event(struct fc_writer *w, const struct fc_hub_event *e,
                            struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    switch (e->type) {
    case FC_EVENT_MERGE_MESSAGE:
        /* deletedMessages need no separate step: the conflict rules above
         * reach the same result from the merged message alone, and apply
         * the compact-state rule Snapchain leaves to us. */
        return e->message ? fc_writer_message(w, e->message, diag) : FC_OK;
    case FC_EVENT_PRUNE_MESSAGE:
        return e->message ? fc_writer_delete_message(w, e->message, "pruned", diag) : FC_OK;
    case FC_EVENT_REVOKE_MESSAGE:
        return e->message ? fc_writer_delete_message(w, e->message, "revoked", diag) : FC_OK;
    case FC_EVENT_MERGE_ON_CHAIN_EVENT:
        return e->onchain ? fc_writer_onchain(w, e->onchain, diag) : FC_OK;
    case FC_EVENT_MERGE_USERNAME_PROOF:
        if (e->proof)
            err = fc_writer_proof(w, e->proof, diag);
        if (!err && e->deleted_proof && (!e->proof || !e->proof->name || !e->deleted_proof->name ||
                                         strcmp(e->proof->name, e->deleted_proof->name) != 0)) {
            struct params p = {.n = 0};
            p_text(&p, e->deleted_proof->name);
            p_u64(&p, e->deleted_proof->fid);
            p_u64(&p, e->deleted_proof->timestamp_unix);
            err = fc_writer_run(w, S_PROOF_DELETE, &p, diag);
        }
        if (!err && e->proof_message)
            err = fc_writer_message(w, e->proof_message, diag);
        return err;
    default:
        return FC_OK; /* merge failures, block confirmations, hints */
    }
}

