#include "store/dead_letters.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/decode.h"
#include "store/db_value.h"
#include "store/writer.h"

enum fc_err fc_dead_letters_list_json(struct fc_db *db, const char *source, const char *reason,
                                      int limit, int offset, struct fc_buf *out,
                                      struct fc_diag *diag)
{
    char l[16], o[16];
    snprintf(l, sizeof(l), "%d", limit);
    snprintf(o, sizeof(o), "%d", offset);
    const char *p[] = {source, reason, l, o};
    bool found;
    /* LIKE patterns escape the caller's wildcards */
    return fc_db_query_text(
        db,
        "WITH f AS (SELECT d.*, row_number() OVER (ORDER BY d.last_seen DESC, d.id DESC) AS n "
        "FROM dead_letters d WHERE ($1::text IS NULL OR d.source LIKE replace(replace(replace("
        "$1, '\\', '\\\\'), '%', '\\%'), '_', '\\_') || '%') "
        "AND ($2::text IS NULL OR d.reason ILIKE '%' || replace(replace(replace($2, '\\', "
        "'\\\\'), '%', '\\%'), '_', '\\_') || '%')) "
        "SELECT json_build_object('total', (SELECT count(*) FROM f), "
        "'dead_letters', coalesce((SELECT json_agg(json_build_object('id', id::text, 'source', "
        "source, 'reason', reason, 'attempts', attempts, 'first_seen', fc_iso(first_seen), "
        "'last_seen', fc_iso(last_seen), 'payload_bytes', octet_length(payload)) ORDER BY n) "
        "FROM f WHERE n > $4::int AND n <= $3::int + $4::int), '[]'), "
        "'next_cursor', CASE WHEN (SELECT count(*) FROM f) > $3::int + $4::int "
        "THEN ($3::int + $4::int)::text END)::text",
        4, p, out, &found, diag);
}

enum fc_err fc_dead_letters_payload(struct fc_db *db, uint64_t id, struct fc_buf *out,
                                    bool *found, struct fc_diag *diag)
{
    char i[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(i, id)};
    PGresult *r = NULL;
    enum fc_err err =
        fc_db_run(db, "SELECT payload FROM dead_letters WHERE id = $1", 1, p, 1, &r, diag);
    if (err)
        return err;
    *found = PQntuples(r) == 1;
    if (*found)
        fc_buf_append(out, PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0));
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_dead_letters_delete(struct fc_db *db, uint64_t id, bool *found,
                                   struct fc_diag *diag)
{
    return fc_db_run_id(db, "DELETE FROM dead_letters WHERE id = $1", id, found, diag);
}

/* The page a dead letter's item came from, by its source: stream events
 * ("events:HUB:SHARD") or a backfill endpoint ("/v1/<endpoint>?..."). */
static enum fc_page_kind kind_of(const char *source, const char **open, const char **close)
{
    *close = "]}";
    if (strncmp(source, "events:", 7) == 0) {
        *open = "{\"events\":[";
        return FC_PAGE_HUB_EVENTS;
    }
    if (strstr(source, "onChainEvents")) {
        *open = "{\"events\":[";
        return FC_PAGE_ONCHAIN_EVENTS;
    }
    if (strstr(source, "userNameProofs")) {
        *open = "{\"proofs\":[";
        return FC_PAGE_PROOFS;
    }
    *open = "{\"messages\":[";
    return FC_PAGE_MESSAGES;
}

struct decoded {
    struct fc_item item;
    size_t n;
};

static void keep_item(void *ud, const struct fc_item *it)
{
    struct decoded *d = ud;
    if (!d->n++)
        d->item = *it; /* what it points to lives in the decoder's arena */
}

static uint64_t fid_of(const struct fc_item *it)
{
    const struct fc_hub_event *e = it->event;
    switch (it->kind) {
    case FC_ITEM_MESSAGE: return it->message->fid;
    case FC_ITEM_ONCHAIN: return it->onchain->fid;
    case FC_ITEM_PROOF: return it->proof->fid;
    case FC_ITEM_EVENT:
        return e->message ? e->message->fid : e->onchain ? e->onchain->fid
             : e->proof ? e->proof->fid : e->deleted_proof ? e->deleted_proof->fid : 0;
    default: return 0;
    }
}

FC_MUST_CHECK
static enum fc_err apply(struct fc_db *db, const char *id, const struct fc_item *it,
                         enum fc_dl_outcome *outcome, struct fc_diag *diag)
{
    uint64_t fid = fid_of(it);
    if (it->kind == FC_ITEM_EVENT) {
        /* the stream keeps events about targets only (a fair subset: the
         * account's own events; replies and reactions by others wait for a
         * backfill) */
        char f[FC_DB_U64_CHARS];
        const char *p[] = {fc_db_u64(f, fid)};
        bool targeted;
        enum fc_err err = fc_db_query_bool(db, "SELECT true FROM targets WHERE fid = $1", 1, p,
                                           &targeted, diag);
        if (err)
            return err;
        if (!targeted) {
            *outcome = FC_DL_NOT_TARGETED;
            const char *q[] = {id};
            return fc_db_run(db, "DELETE FROM dead_letters WHERE id = $1", 1, q, 0, NULL, diag);
        }
    }
    struct fc_writer *w = NULL;
    enum fc_err err = fc_writer_new(db, &w, diag);
    if (!err)
        err = fc_writer_begin(w, diag);
    if (!err && fid)
        err = fc_writer_lock_fids(w, &fid, 1, diag);
    if (!err) {
        switch (it->kind) {
        case FC_ITEM_MESSAGE: err = fc_writer_message(w, it->message, diag); break;
        case FC_ITEM_EVENT: err = fc_writer_event(w, it->event, diag); break;
        case FC_ITEM_ONCHAIN: err = fc_writer_onchain(w, it->onchain, diag); break;
        case FC_ITEM_PROOF: err = fc_writer_proof(w, it->proof, diag); break;
        default: err = fc_diag_set(diag, FC_ERR_INVALID, "nothing to apply in this item");
        }
    }
    const char *q[] = {id};
    if (!err)
        err = fc_db_run(db, "DELETE FROM dead_letters WHERE id = $1", 1, q, 0, NULL, diag);
    if (!err)
        err = fc_writer_commit(w, diag);
    fc_writer_free(w); /* rolls back an open transaction */
    if (!err)
        *outcome = FC_DL_APPLIED;
    return err;
}

enum fc_err fc_dead_letters_retry(struct fc_db *db, uint64_t id, enum fc_dl_outcome *outcome,
                                  char *reason, size_t reason_size, struct fc_diag *diag)
{
    *outcome = FC_DL_NOT_FOUND;
    reason[0] = '\0';
    char i[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(i, id)};
    PGresult *r = NULL;
    enum fc_err err =
        fc_db_run(db, "SELECT source, payload FROM dead_letters WHERE id = $1", 1, p, 1, &r, diag);
    if (err)
        return err;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return FC_OK;
    }
    const char *open, *close;
    char *source = fc_xstrdup(PQgetvalue(r, 0, 0));
    enum fc_page_kind kind = kind_of(source, &open, &close);
    struct fc_buf page = FC_BUF_INIT;
    fc_buf_puts(&page, open);
    fc_buf_append(&page, PQgetvalue(r, 0, 1), (size_t)PQgetlength(r, 0, 1));
    fc_buf_puts(&page, close);
    PQclear(r);
    free(source);
    struct decoded d = {.n = 0};
    struct fc_decoder *dec = fc_decoder_new(kind, keep_item, &d);
    struct fc_page_info info;
    struct fc_diag dd = {{0}};
    enum fc_err derr = fc_decoder_feed(dec, page.data, page.len, &dd);
    if (!derr)
        derr = fc_decoder_finish(dec, &info, &dd);
    if (derr)
        snprintf(reason, reason_size, "%s", dd.msg);
    else if (d.n != 1)
        snprintf(reason, reason_size, "the payload holds %zu items, not one", d.n);
    else if (d.item.kind == FC_ITEM_ERROR)
        snprintf(reason, reason_size, "%s: %s", d.item.error_path, d.item.error);
    if (reason[0]) {
        *outcome = FC_DL_STILL_INVALID;
        const char *q[] = {i, reason};
        err = fc_db_run(db,
                        "UPDATE dead_letters SET attempts = attempts + 1, last_seen = now(), "
                        "reason = $2 WHERE id = $1",
                        2, q, 0, NULL, diag);
    } else {
        err = apply(db, i, &d.item, outcome, diag);
    }
    fc_decoder_free(dec);
    fc_buf_cleanup(&page);
    return err;
}
