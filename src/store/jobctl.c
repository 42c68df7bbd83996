#include "store/jobctl.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "store/db_value.h"

#define UNSYNCED "t.last_synced_at IS NULL"
#define NOT_HELD UNSYNCED " AND t.backfill_held_at IS NULL"
#define IDLE NOT_HELD " AND t.backfill_started_at IS NULL"

/* Each state as a literal, so the statements below are written whole. */
#define SYNCED "t.last_synced_at IS NOT NULL"
#define HELD UNSYNCED " AND t.backfill_held_at IS NOT NULL"
#define RUNNING NOT_HELD " AND t.backfill_started_at IS NOT NULL"
#define FAILED IDLE " AND t.last_error IS NOT NULL"
#define PENDING IDLE " AND t.last_error IS NULL"

static const struct {
    const char *name, *sql;
} states[] = {
    {"synced", SYNCED}, {"held", HELD}, {"running", RUNNING}, {"failed", FAILED},
    {"pending", PENDING},
};

const char fc_jobctl_state_case[] =
    "CASE WHEN t.last_synced_at IS NOT NULL THEN 'synced' "
    "WHEN t.backfill_held_at IS NOT NULL THEN 'held' "
    "WHEN t.backfill_started_at IS NOT NULL THEN 'running' "
    "WHEN t.last_error IS NOT NULL THEN 'failed' ELSE 'pending' END";

const char *fc_jobctl_state_sql(const char *state)
{
    for (size_t i = 0; state && i < sizeof(states) / sizeof(states[0]); i++)
        if (strcmp(states[i].name, state) == 0)
            return states[i].sql;
    return NULL;
}

enum fc_err fc_jobctl_paused(struct fc_db *db, bool *paused, struct fc_diag *diag)
{
    return fc_db_query_bool(db, "SELECT paused FROM job_queue_control", 0, NULL, paused, diag);
}

enum fc_err fc_jobctl_set_paused(struct fc_db *db, bool paused, const char *by, bool *changed,
                                 struct fc_diag *diag)
{
    const char *p[] = {paused ? "t" : "f", by};
    size_t rows;
    enum fc_err err = fc_db_run_changed(
        db,
        "UPDATE job_queue_control SET paused = $1, changed_at = now(), changed_by = $2 "
        "WHERE paused IS DISTINCT FROM $1::bool",
        2, p, &rows, diag);
    if (!err && changed)
        *changed = rows > 0;
    return err;
}

enum fc_err fc_jobctl_claim(struct fc_db *db, uint64_t fid, bool *claimed, struct fc_diag *diag)
{
    return fc_db_run_id(db,
                        "UPDATE targets SET backfill_started_at = now() WHERE fid = $1 "
                        "AND backfill_held_at IS NULL",
                        fid, claimed, diag);
}

enum fc_err fc_jobctl_clear(struct fc_db *db, bool failed, size_t *n, struct fc_diag *diag)
{
#define HOLD_WHERE "UPDATE targets t SET backfill_held_at = now() WHERE "
    return fc_db_run_changed(db, failed ? HOLD_WHERE FAILED : HOLD_WHERE PENDING, 0, NULL, n, diag);
#undef HOLD_WHERE
}

enum fc_err fc_jobctl_retry_all(struct fc_db *db, uint64_t **fids, size_t *n,
                                struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db,
                                "UPDATE targets t SET backfill_held_at = NULL, last_error = NULL, "
                                "backfill_attempts = 0 WHERE (" HELD ") OR (" FAILED ") "
                                "RETURNING fid",
                                0, NULL, false, &r, diag);
    if (err)
        return err;
    *n = (size_t)PQntuples(r);
    *fids = fc_xcalloc(*n + 1, sizeof(uint64_t));
    for (size_t i = 0; i < *n; i++)
        (*fids)[i] = strtoull(PQgetvalue(r, (int)i, 0), NULL, 10);
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_jobctl_stats_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag)
{
    static const char sql[] =
        "SELECT json_build_object('paused', c.paused, 'paused_changed_at', "
        "to_char(c.changed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
        "'paused_changed_by', c.changed_by, 'states', json_build_object("
        "'pending', count(t.fid) FILTER (WHERE " PENDING "), "
        "'running', count(t.fid) FILTER (WHERE " RUNNING "), "
        "'failed', count(t.fid) FILTER (WHERE " FAILED "), "
        "'held', count(t.fid) FILTER (WHERE " HELD "), "
        "'synced', count(t.fid) FILTER (WHERE " SYNCED ")))::text "
        "FROM job_queue_control c LEFT JOIN targets t ON true GROUP BY c.paused, "
        "c.changed_at, c.changed_by";
    bool found;
    enum fc_err err = fc_db_query_text(db, sql, 0, NULL, out, &found, diag);
    if (!err && !found)
        return fc_diag_set(diag, FC_ERR_DB, "job_queue_control has no row (run fcindex migrate)");
    return err;
}

enum fc_err fc_jobctl_failed_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag)
{
    bool found;
    return fc_db_query_text(db,
                            "SELECT json_build_object('failed', coalesce(json_agg(json_build_object("
                            "'fid', t.fid, 'attempts', t.backfill_attempts, 'error', "
                            "t.last_error) ORDER BY t.fid), '[]'))::text FROM targets t WHERE "
                            FAILED,
                            0, NULL, out, &found, diag);
}

enum fc_err fc_jobctl_retry(struct fc_db *db, uint64_t fid, bool *found, struct fc_diag *diag)
{
    return fc_db_run_id(db,
                        "UPDATE targets SET last_synced_at = NULL, last_error = NULL, "
                        "backfill_attempts = 0, backfill_held_at = NULL WHERE fid = $1",
                        fid, found, diag);
}
