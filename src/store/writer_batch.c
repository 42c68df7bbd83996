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

enum fc_err fc_writer_batch_flush(struct fc_writer *w, struct fc_diag *diag)
{
    enum fc_err err = FC_OK;
    if (w->batch_rows[BC_CAST_ADD])
        err = batch_send(w, BC_CAST_ADD, B_CAST_ADD, 13, diag);
    if (!err && w->batch_rows[BC_CAST_REMOVE])
        err = batch_send(w, BC_CAST_REMOVE, B_CAST_REMOVE, 4, diag);
    if (!err && w->batch_rows[BC_REACTION]) {
        /* columns: 0 hash 1 fid 2 type 3 rm 4 th 5 tf 6 tu 7 ts */
        static const int key[] = {1, 2, 4, 6};
        err = batch_send(w, BC_REACTION, B_REACTION_INS, 8, diag);
        if (!err)
            err = batch_resolve(w, BC_REACTION, B_REACTION_RESOLVE, key, 4, diag);
    }
    if (!err && w->batch_rows[BC_LINK]) {
        /* columns: 0 hash 1 fid 2 tf 3 type 4 rm 5 ts 6 dts */
        static const int key[] = {1, 3, 2};
        err = batch_send(w, BC_LINK, B_LINK_INS, 7, diag);
        if (!err)
            err = batch_resolve(w, BC_LINK, B_LINK_RESOLVE, key, 3, diag);
    }
    if (!err && w->batch_rows[BC_VERIF]) {
        /* columns: 0 hash 1 fid 2 addr 3 proto 4 rm 5 vt 6 chain 7 bh 8 ts */
        static const int key[] = {1, 2};
        err = batch_send(w, BC_VERIF, B_VERIF_INS, 9, diag);
        if (!err)
            err = batch_resolve(w, BC_VERIF, B_VERIF_RESOLVE, key, 2, diag);
    }
    if (!err && w->batch_rows[BC_USER_DATA])
        err = batch_send(w, BC_USER_DATA, B_USER_DATA, 5, diag);
    fc_writer_batch_reset(w);
    return err;
}


/* Appends m's columns to its kind's arrays with encode. */
static void gather(struct fc_writer *w, int kind, void (*encode)(struct enc *, const struct fc_message *),
                   const struct fc_message *m)
{
    struct enc e = {.cols = w->cols[kind]};
    encode(&e, m);
    enc_cleanup(&e);
    w->batch_rows[kind]++;
}

bool fc_writer_batch_add(struct fc_writer *w, const struct fc_message *m)
{
    switch (m->type) {
    case FC_MSG_CAST_ADD:
        gather(w, BC_CAST_ADD, enc_cast_add, m);
        return true;
    case FC_MSG_CAST_REMOVE:
        gather(w, BC_CAST_REMOVE, enc_cast_remove, m);
        return true;
    case FC_MSG_REACTION_ADD:
    case FC_MSG_REACTION_REMOVE:
        gather(w, BC_REACTION, enc_reaction, m);
        return true;
    case FC_MSG_LINK_ADD:
    case FC_MSG_LINK_REMOVE:
        gather(w, BC_LINK, enc_link, m);
        return true;
    case FC_MSG_VERIFICATION_ADD:
    case FC_MSG_VERIFICATION_REMOVE:
        gather(w, BC_VERIF, enc_verification, m);
        return true;
    case FC_MSG_USER_DATA_ADD:
        gather(w, BC_USER_DATA, enc_user_data, m);
        fc_writer_touch(w, m->fid);
        return true;
    default:
        return false;
    }
}
