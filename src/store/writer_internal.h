/* Inside the writer: its statements (writer_sql.c), its state, the column
 * encoding shared by the row path (writer_rows.c) and the set-wise path
 * (writer_batch.c), and transactions (writer.c). Not for use outside
 * src/store/writer*.c. */
#ifndef FC_STORE_WRITER_INTERNAL_H
#define FC_STORE_WRITER_INTERNAL_H

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "store/writer.h"

/* Prepared statements, by name and text. */
enum stmt {
    S_CAST_ADD, S_CAST_REMOVE, S_CAST_DELETE, S_REACTION_INS, S_REACTION_RESOLVE_CAST,
    S_REACTION_RESOLVE_URL, S_LINK_INS, S_LINK_RESOLVE, S_VERIF_INS, S_VERIF_RESOLVE,
    S_USER_DATA, S_COMPACT_UPSERT, S_COMPACT_APPLY, S_DELETE_REACTION, S_DELETE_LINK,
    S_DELETE_VERIF, S_DELETE_USER_DATA, S_ONCHAIN, S_SIGNER_ADD, S_SIGNER_REMOVE, S_CUSTODY,
    S_PROOF, S_PROOF_DELETE, S_DEAD_LETTER, S_CURSOR, S_USERS_RECOMPUTE, S_APP_RECOMPUTE,
    B_CAST_ADD, B_CAST_REMOVE, B_REACTION_INS, B_REACTION_RESOLVE, B_LINK_INS, B_LINK_RESOLVE,
    B_VERIF_INS, B_VERIF_RESOLVE, B_USER_DATA, S_LOCK_FIDS,
    S_COUNT,
};

struct fc_writer_stmt {
    const char *name;
    const char *sql;
};
extern const struct fc_writer_stmt fc_writer_stmts[S_COUNT];

/* One array parameter being built as PostgreSQL array text: {a,"b",NULL}. */
struct col {
    struct fc_buf b;
    size_t n;
};

enum { BC_CAST_ADD, BC_CAST_REMOVE, BC_REACTION, BC_LINK, BC_VERIF, BC_USER_DATA, BC_KINDS };
#define MAX_COLS 13

struct fc_writer {
    struct fc_db *db;
    PGconn *conn;
    bool in_tx;
    bool pipelined;     /* configured */
    bool in_pipeline;   /* this transaction is being pipelined */
    size_t sent;        /* statements awaiting their results */
    bool batched;           /* messages are gathered and written set-wise at commit */
    struct col cols[BC_KINDS][MAX_COLS];
    size_t batch_rows[BC_KINDS];
    struct fc_buf touched;  /* "{1,2,3}" array text of fids whose derived rows need refresh */
    size_t n_touched;
    uint64_t statements;
    bool conflicted; /* the transaction failed on a deadlock or serialization failure */
};

#define MAX_PARAMS 16

struct params {
    const char *v[MAX_PARAMS];
    int len[MAX_PARAMS];
    int fmt[MAX_PARAMS];
    char buf[MAX_PARAMS][96];
    int n;
};

/* Where a message's columns go: one statement parameter each (the row
 * path), or one more element of each column's array (the set-wise path).
 * The column order is the statement's ($1, $2, ...), for both paths. */
struct enc {
    struct params *p;         /* row path, or NULL */
    struct col *cols;         /* set-wise path, or NULL */
    int i;                    /* next column */
    struct fc_buf scratch[3]; /* cast embeds, mentions, positions until the statement runs */
};

/* ---- writer_columns.c ---- */

void p_null(struct params *p);
/* s must stay valid until the statement runs; NULL is SQL NULL. */
void p_text(struct params *p, const char *s);
void p_u64(struct params *p, uint64_t v);
void p_bool(struct params *p, bool v);
/* bytea as binary, so no hex round trip. */
void p_bytes(struct params *p, const uint8_t *b, size_t n);

/* Closes a column's array text and returns it. */
const char *col_done(struct col *c);

/* Frees what enc_* kept for the statement. */
void enc_cleanup(struct enc *e);
/* The columns of each batched message kind, in statement order. */
void enc_cast_add(struct enc *e, const struct fc_message *m);
void enc_cast_remove(struct enc *e, const struct fc_message *m);
void enc_reaction(struct enc *e, const struct fc_message *m);
void enc_link(struct enc *e, const struct fc_message *m);
void enc_verification(struct enc *e, const struct fc_message *m);
void enc_user_data(struct enc *e, const struct fc_message *m);

/* ---- writer.c ---- */

/* Runs (or, pipelined, sends) statement s with p. */
FC_MUST_CHECK
enum fc_err fc_writer_run(struct fc_writer *w, enum stmt s, struct params *p,
                          struct fc_diag *diag);
/* Notes fid for the derived-row refresh at commit. */
void fc_writer_touch(struct fc_writer *w, uint64_t fid);

/* ---- writer_batch.c ---- */

void fc_writer_batch_reset(struct fc_writer *w);
/* Gathers m for the set-wise statements; false when its kind is not batched. */
bool fc_writer_batch_add(struct fc_writer *w, const struct fc_message *m);
/* Sends the gathered rows, kind by kind; then starts empty. */
FC_MUST_CHECK
enum fc_err fc_writer_batch_flush(struct fc_writer *w, struct fc_diag *diag);

#endif
