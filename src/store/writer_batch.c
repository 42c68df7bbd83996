/* The set-wise write path: messages of the kinds that dominate a backfill
 * are gathered as column arrays and written at commit with one statement
 * per kind (plus one resolve over the keys it touched). */
#include "store/writer_internal.h"

void fc_writer_batch_reset(struct fc_writer *w)
{
    for (int k = 0; k < BC_KINDS; k++) {
        for (int c = 0; c < MAX_COLS; c++) {
            fc_buf_reset(&w->cols[k][c].b);
            w->cols[k][c].n = 0;
        }
        w->batch_rows[k] = 0;
    }
}

/* Sends a kind's gathered rows as one statement (columns as arrays). */
FC_MUST_CHECK
static enum fc_err batch_send(struct fc_writer *w, int kind, enum stmt st, int ncols,
                              struct fc_diag *diag)
{
    struct params p = {.n = 0};
    for (int c = 0; c < ncols; c++)
        p_text(&p, col_done(&w->cols[kind][c]));
    return fc_writer_run(w, st, &p, diag);
}

/* Sends a resolve statement over some key columns of a kind's rows. */
FC_MUST_CHECK
static enum fc_err batch_resolve(struct fc_writer *w, int kind, enum stmt st, const int *cols,
                                 int n, struct fc_diag *diag)
{
    struct params p = {.n = 0};
    for (int i = 0; i < n; i++)
        p_text(&p, w->cols[kind][cols[i]].b.data); /* already closed by batch_send */
    return fc_writer_run(w, st, &p, diag);
}

/* Each batched kind: its columns, its set-wise insert and, when it has
 * one, the resolve over its key columns (n_key 0: none). */
static const struct batch_kind {
    void (*encode)(struct enc *, const struct fc_message *);
    enum stmt insert;
    int ncols;
    enum stmt resolve;
    int key[4];
    int n_key;
} kinds[BC_KINDS] = {
    [BC_CAST_ADD] = {enc_cast_add, B_CAST_ADD, 13, S_COUNT, {0}, 0},
    [BC_CAST_REMOVE] = {enc_cast_remove, B_CAST_REMOVE, 4, S_COUNT, {0}, 0},
    /* columns: 0 hash 1 fid 2 type 3 rm 4 th 5 tf 6 tu 7 ts */
    [BC_REACTION] = {enc_reaction, B_REACTION_INS, 8, B_REACTION_RESOLVE, {1, 2, 4, 6}, 4},
    /* columns: 0 hash 1 fid 2 tf 3 type 4 rm 5 ts 6 dts */
    [BC_LINK] = {enc_link, B_LINK_INS, 7, B_LINK_RESOLVE, {1, 3, 2}, 3},
    /* columns: 0 hash 1 fid 2 addr 3 proto 4 rm 5 vt 6 chain 7 bh 8 ts */
    [BC_VERIF] = {enc_verification, B_VERIF_INS, 9, B_VERIF_RESOLVE, {1, 2}, 2},
    [BC_USER_DATA] = {enc_user_data, B_USER_DATA, 5, S_COUNT, {0}, 0},
};

enum fc_err fc_writer_batch_flush(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    for (int k = 0; k < BC_KINDS && !err; k++) {
        const struct batch_kind *bk = &kinds[k];
        if (!w->batch_rows[k])
            continue;
        err = batch_send(w, k, bk->insert, bk->ncols, diag);
        if (!err && bk->n_key)
            err = batch_resolve(w, k, bk->resolve, bk->key, bk->n_key, diag);
    }
    fc_writer_batch_reset(w);
    return err;
}

/* The batched kind of a message type; -1 for a type the row path writes. */
static int batch_kind(enum fc_msg_type t)
{
    switch (t) {
    case FC_MSG_CAST_ADD: return BC_CAST_ADD;
    case FC_MSG_CAST_REMOVE: return BC_CAST_REMOVE;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE: return BC_REACTION;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE: return BC_LINK;
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE: return BC_VERIF;
    case FC_MSG_USER_DATA_ADD: return BC_USER_DATA;
    default: return -1;
    }
}

bool fc_writer_batch_add(struct fc_writer *w, const struct fc_message *m)
{
    int kind = batch_kind(m->type);
    if (kind < 0)
        return false;
    /* m's columns, appended to its kind's arrays */
    struct enc e = {.cols = w->cols[kind]};
    kinds[kind].encode(&e, m);
    enc_cleanup(&e);
    w->batch_rows[kind]++;
    if (kind == BC_USER_DATA)
        fc_writer_touch(w, m->fid);
    return true;
}
