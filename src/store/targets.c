#include "store/targets.h"

#include "core/buf.h"
#include "store/db_value.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Taken exclusively by a recompute of the reach, shared by a stream page's
 * transaction (fc_targets_hold_reach). */
#define REACH_LOCK "7102001"

enum fc_err fc_targets_hold_reach(struct fc_db *db, struct fc_diag *diag)
{
    return fc_db_run(db, "SELECT pg_advisory_xact_lock_shared(" REACH_LOCK ")", 0, NULL, false,
                     NULL, diag);
}

/* A promotion marks the target pending: a new root's follows are expanded
 * by its backfill. */
static const char set_root_sql[] =
    "UPDATE targets SET is_root = $2, last_synced_at = CASE WHEN $2 "
    "AND NOT is_root THEN NULL ELSE last_synced_at END WHERE fid = $1";

/* fc_db_run_id for a statement with a second parameter, $2 text. */
FC_MUST_CHECK
static enum fc_err run_fid_text(struct fc_db *db, const char *sql, uint64_t fid, const char *text,
                                bool *any, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid), text};
    size_t rows;
    enum fc_err err = fc_db_run_changed(db, sql, 2, p, &rows, diag);
    if (!err && any)
        *any = rows > 0;
    return err;
}

enum fc_err fc_targets_add(struct fc_db *db, uint64_t fid, bool root, const char *source,
                           bool *added, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid), root ? "t" : "f", source};
    /* xmax = 0 tells an insert from an update */
    return fc_db_query_bool(
        db,
        /* back in the set before the clean-up ran: its rows stay */
        "WITH undrop AS (DELETE FROM dropped_targets WHERE fid = $1) "
        "INSERT INTO targets (fid, is_root, source) VALUES ($1, $2, $3) "
        "ON CONFLICT (fid) DO UPDATE SET is_root = targets.is_root OR EXCLUDED.is_root, "
        " source = CASE WHEN EXCLUDED.is_root AND NOT targets.is_root THEN EXCLUDED.source "
        "  ELSE targets.source END, "
        /* a new root needs its follows expanded: backfill it again */
        " last_synced_at = CASE WHEN EXCLUDED.is_root AND NOT targets.is_root THEN NULL "
        "  ELSE targets.last_synced_at END "
        "RETURNING (xmax = 0) OR last_synced_at IS NULL",
        3, p, added, diag);
}

enum fc_err fc_targets_remove(struct fc_db *db, uint64_t fid, bool *removed, struct fc_diag *diag)
{
    return fc_db_run_id(db,
                        "WITH d AS (DELETE FROM targets WHERE fid = $1 RETURNING fid) "
                        "INSERT INTO dropped_targets (fid) SELECT fid FROM d "
                        "ON CONFLICT (fid) DO UPDATE SET dropped_at = now()",
                        fid, removed, diag);
}

enum fc_err fc_targets_set_root(struct fc_db *db, uint64_t fid, bool root, bool *found,
                                struct fc_diag *diag)
{
    return run_fid_text(db, set_root_sql, fid, root ? "t" : "f", found, diag);
}

FC_MUST_CHECK
static enum fc_err fid_list(struct fc_db *db, const char *sql, int n, const char *const *p,
                            uint64_t **fids, bool **flags, size_t *count, struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db, sql, n, p, false, &r, diag);
    if (err)
        return err;
    size_t rows = (size_t)PQntuples(r);
    *fids = fc_xcalloc(rows + 1, sizeof(uint64_t));
    if (flags)
        *flags = fc_xcalloc(rows + 1, sizeof(bool));
    for (size_t i = 0; i < rows; i++) {
        (*fids)[i] = strtoull(PQgetvalue(r, (int)i, 0), NULL, 10);
        if (flags)
            (*flags)[i] = PQgetvalue(r, (int)i, 1)[0] == 't';
    }
    *count = rows;
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_targets_all(struct fc_db *db, uint64_t **fids, bool **roots, size_t *n,
                           struct fc_diag *diag)
{
    return fid_list(db, "SELECT fid, is_root FROM targets ORDER BY fid", 0, NULL, fids, roots, n,
                    diag);
}

enum fc_err fc_targets_unsynced(struct fc_db *db, uint64_t **fids, size_t *n, struct fc_diag *diag)
{
    return fid_list(db, "SELECT fid FROM targets WHERE last_synced_at IS NULL "
                        "AND backfill_held_at IS NULL ORDER BY is_root DESC, added_at, fid", 0, NULL, fids, NULL, n, diag);
}

enum fc_err fc_targets_mark_synced(struct fc_db *db, uint64_t fid, struct fc_diag *diag)
{
    return fc_db_run_id(db,
                        "UPDATE targets SET last_synced_at = now(), last_error = NULL, "
                        "backfill_started_at = NULL WHERE fid = $1",
                        fid, NULL, diag);
}

enum fc_err fc_targets_request_backfill(struct fc_db *db, uint64_t fid, struct fc_diag *diag)
{
    return fc_db_run_id(db,
                        "UPDATE targets SET last_synced_at = NULL, backfill_attempts = 0, "
                        "last_error = NULL WHERE fid = $1",
                        fid, NULL, diag);
}

enum fc_err fc_targets_members(struct fc_db *db, const uint64_t *fids, size_t n,
                               fc_target_member_fn fn, void *ud, struct fc_diag *diag)
{
    if (!n)
        return FC_OK;
    struct fc_buf arr = FC_BUF_INIT;
    fc_db_u64_array(&arr, fids, n);
    const char *p[] = {arr.data};
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db, "SELECT fid, is_root FROM targets WHERE fid = ANY($1::bigint[])",
                                1, p, false, &r, diag);
    fc_buf_cleanup(&arr);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ud, strtoull(PQgetvalue(r, i, 0), NULL, 10), PQgetvalue(r, i, 1)[0] == 't');
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_targets_resync_all(struct fc_db *db, struct fc_diag *diag)
{
    return fc_db_run(db, "UPDATE targets SET last_synced_at = NULL", 0, NULL, false, NULL, diag);
}

enum fc_err fc_targets_mark_failed(struct fc_db *db, uint64_t fid, const char *error,
                                   struct fc_diag *diag)
{
    return run_fid_text(db,
                        "UPDATE targets SET backfill_attempts = backfill_attempts + 1, "
                        "last_error = $2, backfill_started_at = NULL WHERE fid = $1",
                        fid, error, NULL, diag);
}

enum fc_err fc_targets_depth(struct fc_db *db, uint64_t fid, int *depth, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid)};
    uint64_t v;
    bool found;
    enum fc_err err = fc_db_query_u64(db,
                                      "SELECT CASE WHEN is_root THEN 0 ELSE depth END FROM targets "
                                      "WHERE fid = $1",
                                      1, p, &v, &found, diag);
    if (!err)
        *depth = found ? (int)v : -1;
    return err;
}

/* What a recompute starts from: nothing (a walk), a root change made first
 * in the same transaction (root_fid non-zero; *found then says whether it
 * was a target), or the account whose follows were just written (from_fid
 * non-zero), whose new follows alone may be all that changed. */
struct reach_start {
    uint64_t root_fid;
    bool root;
    bool *found;
    uint64_t from_fid;
    bool follows_went;
};

#define LIVE_FOLLOWS_OF_1 \
    "l.fid = $1 AND l.type = 'follow' AND NOT l.is_remove AND l.deleted_at IS NULL"

/* The follows of fid that are not targets yet join at fid's depth + 1 when
 * that is all a walk would change: the stored depths are a walk's, and fid's
 * follows are the only links written since. A walk is due instead (*walk)
 * when one of fid's follows went, or when it follows a target that is
 * farther from the roots than fid's depth + 1 (its depth, and so its reach,
 * would change). *r holds the fids added; NULL when there was nothing to do
 * (fid is not a target, or is at the depth already). */
static enum fc_err expand_from(struct fc_db *db, int max_depth, const struct reach_start *st,
                               PGresult **r, bool *walk, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS], m[16];
    snprintf(m, sizeof(m), "%d", max_depth);
    const char *p[] = {fc_db_u64(f, st->from_fid), m};
    PGresult *q = NULL;
    *walk = false;
    *r = NULL;
    enum fc_err err = fc_db_run(
        db,
        "SELECT s.d, (SELECT count(*) FROM links l JOIN targets t ON t.fid = l.target_fid "
        " WHERE " LIVE_FOLLOWS_OF_1 " AND NOT t.is_root AND $2::int > 1 AND "
        " (t.depth IS NULL OR t.depth > s.d + 1)) "
        "FROM (SELECT CASE WHEN is_root THEN 0 ELSE depth END AS d FROM targets "
        " WHERE fid = $1) s",
        2, p, false, &q, diag);
    if (err)
        return err;
    bool within = PQntuples(q) == 1 && !PQgetisnull(q, 0, 0) &&
                  atoi(PQgetvalue(q, 0, 0)) < max_depth;
    int next_depth = within ? atoi(PQgetvalue(q, 0, 0)) + 1 : 0;
    *walk = within && (st->follows_went || strcmp(PQgetvalue(q, 0, 1), "0") != 0);
    PQclear(q);
    if (!within || *walk)
        return FC_OK;
    char d[16];
    snprintf(d, sizeof(d), "%d", next_depth);
    const char *ip[] = {p[0], d};
    return fc_db_run(db,
                     "WITH ins AS (INSERT INTO targets (fid, is_root, source, depth) "
                     " SELECT DISTINCT l.target_fid, false, 'follow', $2::smallint FROM links l "
                     " WHERE " LIVE_FOLLOWS_OF_1 " AND NOT EXISTS (SELECT 1 FROM targets t "
                     " WHERE t.fid = l.target_fid) ON CONFLICT (fid) DO NOTHING RETURNING fid), "
                     "undrop AS (DELETE FROM dropped_targets x USING ins WHERE x.fid = ins.fid) "
                     "SELECT 'a', fid FROM ins",
                     2, ip, false, r, diag);
}

/* A breadth-first walk from the roots over live follows, then the set made
 * equal to it. */
static enum fc_err walk_reach(struct fc_db *db, int max_depth, PGresult **r,
                              struct fc_diag *diag)
{
    char d[16];
    snprintf(d, sizeof(d), "%d", max_depth);
    const char *p[] = {d};
    return fc_db_run(
        db,
        "WITH RECURSIVE reach(fid, d) AS ("
        " SELECT fid, 0 FROM targets WHERE is_root "
        " UNION SELECT l.target_fid, r.d + 1 FROM reach r JOIN links l ON l.fid = r.fid "
        "  AND l.type = 'follow' AND NOT l.is_remove AND l.deleted_at IS NULL "
        "  WHERE r.d < $1::int), "
        "best AS (SELECT fid, min(d) AS d FROM reach GROUP BY fid), "
        "upd AS (UPDATE targets t SET depth = b.d FROM best b WHERE t.fid = b.fid AND "
        " t.depth IS DISTINCT FROM b.d), "
        "unreached AS (UPDATE targets t SET depth = NULL WHERE t.depth IS NOT NULL AND "
        " (t.is_root OR t.source <> 'follow') AND NOT EXISTS (SELECT 1 FROM best b WHERE "
        " b.fid = t.fid)), "
        "ins AS (INSERT INTO targets (fid, is_root, source, depth) SELECT b.fid, false, "
        " 'follow', b.d FROM best b WHERE b.d > 0 AND NOT EXISTS (SELECT 1 FROM targets t "
        " WHERE t.fid = b.fid) ON CONFLICT (fid) DO NOTHING RETURNING fid), "
        "undrop AS (DELETE FROM dropped_targets x USING ins WHERE x.fid = ins.fid), "
        "del AS (DELETE FROM targets t WHERE t.source = 'follow' AND NOT t.is_root AND "
        " NOT EXISTS (SELECT 1 FROM best b WHERE b.fid = t.fid) RETURNING fid), "
        "dropped AS (INSERT INTO dropped_targets (fid) SELECT fid FROM del "
        " ON CONFLICT (fid) DO UPDATE SET dropped_at = now()) "
        "SELECT 'a', fid FROM ins UNION ALL SELECT 'd', fid FROM del",
        1, p, false, r, diag);
}

/* The recompute from st, one at a time (the lock) and in one transaction. */
static enum fc_err reach_tx(struct fc_db *db, int max_depth, const struct reach_start *st,
                            uint64_t **added, size_t *n_added, uint64_t **dropped,
                            size_t *n_dropped, struct fc_diag *diag)
{
    PGresult *r = NULL;
    *added = *dropped = NULL;
    *n_added = *n_dropped = 0;
    enum fc_err err = fc_db_run(db, "BEGIN", 0, NULL, false, NULL, diag);
    if (!err)
        err = fc_db_run(db, "SELECT pg_advisory_xact_lock(" REACH_LOCK ")", 0, NULL, false, NULL,
                        diag);
    if (!err && st->root_fid) {
        err = run_fid_text(db, set_root_sql, st->root_fid, st->root ? "t" : "f", st->found, diag);
        if (!err && !*st->found) { /* not a target: nothing changed, no walk */
            fc_db_rollback(db);
            return FC_OK;
        }
    }
    bool walk = !st->from_fid;
    if (!err && st->from_fid) {
        err = expand_from(db, max_depth, st, &r, &walk, diag);
        if (!err && !r && !walk) { /* nothing to expand */
            fc_db_rollback(db);
            return FC_OK;
        }
    }
    if (!err && walk)
        err = walk_reach(db, max_depth, &r, diag);
    if (err) {
        fc_db_rollback(db);
        return err;
    }
    int rows = PQntuples(r);
    *added = fc_xcalloc((size_t)rows + 1, sizeof(uint64_t));
    *dropped = fc_xcalloc((size_t)rows + 1, sizeof(uint64_t));
    for (int i = 0; i < rows; i++) {
        uint64_t fid = strtoull(PQgetvalue(r, i, 1), NULL, 10);
        if (PQgetvalue(r, i, 0)[0] == 'a')
            (*added)[(*n_added)++] = fid;
        else
            (*dropped)[(*n_dropped)++] = fid;
    }
    PQclear(r);
    err = fc_db_run(db, "COMMIT", 0, NULL, false, NULL, diag);
    if (err) {
        free(*added);
        free(*dropped);
        *added = *dropped = NULL;
        *n_added = *n_dropped = 0;
    }
    return err;
}

enum fc_err fc_targets_recompute_reach(struct fc_db *db, int max_depth, uint64_t **added,
                                       size_t *n_added, uint64_t **dropped, size_t *n_dropped,
                                       struct fc_diag *diag)
{
    const struct reach_start st = {0};
    return reach_tx(db, max_depth, &st, added, n_added, dropped, n_dropped, diag);
}

enum fc_err fc_targets_expand_from(struct fc_db *db, uint64_t fid, bool follows_went,
                                   int max_depth, uint64_t **added, size_t *n_added,
                                   uint64_t **dropped, size_t *n_dropped, struct fc_diag *diag)
{
    const struct reach_start st = {.from_fid = fid, .follows_went = follows_went};
    return reach_tx(db, max_depth, &st, added, n_added, dropped, n_dropped, diag);
}

enum fc_err fc_targets_set_root_reach(struct fc_db *db, uint64_t fid, bool root, int max_depth,
                                      bool *found, uint64_t **added, size_t *n_added,
                                      uint64_t **dropped, size_t *n_dropped, struct fc_diag *diag)
{
    if (max_depth < 1) {
        *added = *dropped = NULL;
        *n_added = *n_dropped = 0;
        return fc_targets_set_root(db, fid, root, found, diag);
    }
    *found = false;
    const struct reach_start st = {.root_fid = fid, .root = root, .found = found};
    return reach_tx(db, max_depth, &st, added, n_added, dropped, n_dropped, diag);
}

enum fc_err fc_targets_drop_if_orphan(struct fc_db *db, uint64_t fid, bool *dropped,
                                      struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid)};
    size_t rows;
    enum fc_err err = fc_db_run_changed(
        db,
        "WITH d AS (DELETE FROM targets t WHERE t.fid = $1 AND t.source = 'follow' AND "
        " NOT t.is_root AND NOT EXISTS ("
        " SELECT 1 FROM links l JOIN targets r ON r.fid = l.fid AND r.is_root "
        " WHERE l.target_fid = $1 AND l.type = 'follow' AND NOT l.is_remove AND "
        " l.deleted_at IS NULL) RETURNING fid) "
        "INSERT INTO dropped_targets (fid) SELECT fid FROM d "
        "ON CONFLICT (fid) DO UPDATE SET dropped_at = now()",
        1, p, &rows, diag);
    if (!err && dropped)
        *dropped = rows > 0;
    return err;
}

enum fc_err fc_targets_describe(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(
        db,
        "SELECT fid, is_root, source, to_char(added_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), "
        " coalesce(to_char(last_synced_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI'), 'pending'), "
        " coalesce(last_error, '') FROM targets ORDER BY is_root DESC, fid",
        0, NULL, false, &r, diag);
    if (err)
        return err;
    fc_buf_printf(out, "%-10s %-5s %-7s %-17s %-17s %s\n", "fid", "root", "source", "added",
                  "synced", "last error");
    for (int i = 0; i < PQntuples(r); i++)
        fc_buf_printf(out, "%-10s %-5s %-7s %-17s %-17s %s\n", PQgetvalue(r, i, 0),
                      PQgetvalue(r, i, 1)[0] == 't' ? "yes" : "no", PQgetvalue(r, i, 2),
                      PQgetvalue(r, i, 3), PQgetvalue(r, i, 4), PQgetvalue(r, i, 5));
    fc_buf_printf(out, "%d targets\n", PQntuples(r));
    PQclear(r);
    return FC_OK;
}

enum fc_err fc_clients_add(struct fc_db *db, uint64_t fid, const char *source,
                           struct fc_diag *diag)
{
    return run_fid_text(db,
                        "INSERT INTO target_clients (client_fid, source) VALUES ($1, $2) "
                        "ON CONFLICT (client_fid) DO NOTHING",
                        fid, source, NULL, diag);
}

enum fc_err fc_clients_remove(struct fc_db *db, uint64_t fid, bool *removed, struct fc_diag *diag)
{
    return fc_db_run_id(db, "DELETE FROM target_clients WHERE client_fid = $1", fid, removed,
                        diag);
}

enum fc_err fc_clients_has(struct fc_db *db, uint64_t fid, bool *yes, struct fc_diag *diag)
{
    char f[FC_DB_U64_CHARS];
    const char *p[] = {fc_db_u64(f, fid)};
    return fc_db_query_bool(db, "SELECT true FROM target_clients WHERE client_fid = $1", 1, p,
                            yes, diag);
}

enum fc_err fc_clients_all(struct fc_db *db, uint64_t **fids, size_t *n, struct fc_diag *diag)
{
    return fid_list(db, "SELECT client_fid FROM target_clients ORDER BY client_fid", 0, NULL, fids,
                    NULL, n, diag);
}

enum fc_err fc_cursor_get(struct fc_db *db, const char *hub, unsigned shard, uint64_t *next,
                          bool *found, struct fc_diag *diag)
{
    char s[16];
    snprintf(s, sizeof(s), "%u", shard);
    const char *p[] = {hub, s};
    return fc_db_query_u64(db, "SELECT event_id FROM hub_cursors WHERE hub = $1 AND shard = $2",
                           2, p, next, found, diag);
}

enum fc_err fc_cursor_latest_other(struct fc_db *db, const char *hub, unsigned shard,
                                   uint64_t *next, bool *found, struct fc_diag *diag)
{
    char s[16];
    snprintf(s, sizeof(s), "%u", shard);
    const char *p[] = {hub, s};
    return fc_db_query_u64(db,
                           "SELECT max(event_id) FROM hub_cursors WHERE hub <> $1 AND "
                           "shard = $2 HAVING max(event_id) > 0",
                           2, p, next, found, diag);
}

/* The rows an account wrote stay while they touch a target (a reply to a
 * target's cast, a reaction to one, a follow of one): the realtime rule
 * would keep exactly those. Everything else it wrote goes. $1 holds the
 * dropped accounts being cleaned. */
static const char *const cleanup_sql[] = {
    "DELETE FROM casts c WHERE c.fid = ANY($1) AND (c.parent_fid IS NULL OR NOT EXISTS "
    " (SELECT 1 FROM targets t WHERE t.fid = c.parent_fid))",
    "DELETE FROM reactions x WHERE x.fid = ANY($1) AND (x.target_fid IS NULL OR NOT EXISTS "
    " (SELECT 1 FROM targets t WHERE t.fid = x.target_fid))",
    "DELETE FROM links l WHERE l.fid = ANY($1) AND NOT EXISTS "
    " (SELECT 1 FROM targets t WHERE t.fid = l.target_fid)",
    "DELETE FROM link_compact_states WHERE fid = ANY($1)",
    "DELETE FROM verifications WHERE fid = ANY($1)",
    "DELETE FROM user_data WHERE fid = ANY($1)",
    "DELETE FROM username_proofs WHERE fid = ANY($1)",
    "DELETE FROM signers WHERE fid = ANY($1)",
    "DELETE FROM onchain_events WHERE fid = ANY($1)",
    "DELETE FROM users WHERE fid = ANY($1)",
};

/* One transaction for the whole list, one statement per table. */
FC_MUST_CHECK
static enum fc_err cleanup_locked(struct fc_db *db, size_t *accounts, size_t *rows,
                                  struct fc_diag *diag)
{
    PGresult *r = NULL;
    /* Locks the rows it takes, so a concurrent re-add (which deletes them)
     * waits; accounts already back in the set are only taken off the list. */
    enum fc_err err = fc_db_run(
        db,
        "SELECT count(*), coalesce(array_agg(fid), '{}') FROM (SELECT d.fid FROM dropped_targets d "
        " WHERE NOT EXISTS (SELECT 1 FROM targets t WHERE t.fid = d.fid) FOR UPDATE) x",
        0, NULL, false, &r, diag);
    if (err)
        return err;
    *accounts = (size_t)strtoull(PQgetvalue(r, 0, 0), NULL, 10);
    char *fids = fc_xstrdup(PQgetvalue(r, 0, 1));
    PQclear(r);
    const char *p[] = {fids};
    for (size_t i = 0; i < sizeof(cleanup_sql) / sizeof(cleanup_sql[0]) && *accounts; i++) {
        size_t n = 0;
        if ((err = fc_db_run_changed(db, cleanup_sql[i], 1, p, &n, diag)))
            break;
        *rows += n;
    }
    if (!err)
        err = fc_db_run(db,
                        "DELETE FROM dropped_targets d WHERE d.fid = ANY($1) OR EXISTS "
                        "(SELECT 1 FROM targets t WHERE t.fid = d.fid)",
                        1, p, false, NULL, diag);
    free(fids);
    return err;
}

enum fc_err fc_targets_cleanup(struct fc_db *db, size_t *accounts, size_t *rows,
                               struct fc_diag *diag)
{
    *accounts = *rows = 0;
    enum fc_err err = fc_db_exec(db, "BEGIN", diag);
    if (err)
        return err;
    if ((err = cleanup_locked(db, accounts, rows, diag))) {
        fc_db_rollback(db);
        *accounts = *rows = 0;
        return err;
    }
    return fc_db_exec(db, "COMMIT", diag);
}
