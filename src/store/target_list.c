#include "store/target_list.h"

#include <ctype.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "store/jobctl.h"

static const struct {
    const char *name, *order;
} sorts[] = {
    {"fid", "t.fid"},
    {"-fid", "t.fid DESC"},
    {"added_at", "t.added_at, t.fid"},
    {"-added_at", "t.added_at DESC, t.fid"},
    {"last_synced_at", "t.last_synced_at NULLS FIRST, t.fid"},
    {"-last_synced_at", "t.last_synced_at DESC NULLS LAST, t.fid"},
    {"username", "lower(u.username) NULLS LAST, t.fid"},
};

const char fc_target_sorts[] =
    "fid, -fid, added_at, -added_at, last_synced_at, -last_synced_at, username";

static const char *order_of(const char *sort)
{
    for (size_t i = 0; i < sizeof(sorts) / sizeof(sorts[0]); i++)
        if (strcmp(sort ? sort : "fid", sorts[i].name) == 0)
            return sorts[i].order;
    return NULL;
}

/* YYYY-MM-DD, optionally followed by THH:MM[:SS[.fff]] and Z or ±HH:MM. */
static bool valid_time(const char *s)
{
    static const char date[] = "dddd-dd-dd";
    for (size_t i = 0; date[i]; i++)
        if (date[i] == 'd' ? !isdigit((unsigned char)s[i]) : s[i] != date[i])
            return false;
    s += 10;
    if (!*s)
        return true;
    if (*s != 'T' || !isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]) || s[3] != ':' ||
        !isdigit((unsigned char)s[4]) || !isdigit((unsigned char)s[5]))
        return false;
    s += 6;
    if (*s == ':') {
        if (!isdigit((unsigned char)s[1]) || !isdigit((unsigned char)s[2]))
            return false;
        s += 3;
        if (*s == '.') {
            size_t n = 0;
            while (isdigit((unsigned char)s[1 + n]) && n < 9)
                n++;
            if (!n)
                return false;
            s += 1 + n;
        }
    }
    if (strcmp(s, "Z") == 0)
        return true;
    return (s[0] == '+' || s[0] == '-') && isdigit((unsigned char)s[1]) &&
           isdigit((unsigned char)s[2]) && s[3] == ':' && isdigit((unsigned char)s[4]) &&
           isdigit((unsigned char)s[5]) && !s[6];
}

const char *fc_target_filter_problem(const struct fc_target_filter *f)
{
    const char *const bools[][2] = {{"root", f->root}, {"synced", f->synced}};
    for (size_t i = 0; i < 2; i++)
        if (bools[i][1] && strcmp(bools[i][1], "true") != 0 && strcmp(bools[i][1], "false") != 0)
            return strcmp(bools[i][0], "root") == 0 ? "root: expected true or false"
                                                    : "synced: expected true or false";
    if (f->state && !fc_jobctl_state_sql(f->state))
        return "state: expected pending, running, failed, held or synced";
    if (f->source && strcmp(f->source, "config") != 0 && strcmp(f->source, "admin") != 0 &&
        strcmp(f->source, "follow") != 0 && strcmp(f->source, "client") != 0)
        return "source: expected config, admin, follow or client";
    if (f->q) {
        bool ok = *f->q && strlen(f->q) <= 64;
        for (const char *c = f->q; ok && *c; c++)
            ok = isalnum((unsigned char)*c) || *c == '-' || *c == '.' || *c == '_';
        if (!ok)
            return "q: an fid or part of a username (letters, digits, '-', '.', '_')";
    }
    const char *const times[][2] = {{"added_after", f->added_after},
                                    {"added_before", f->added_before},
                                    {"synced_after", f->synced_after},
                                    {"synced_before", f->synced_before}};
    for (size_t i = 0; i < 4; i++)
        if (times[i][1] && !valid_time(times[i][1])) {
            static const char *const msgs[] = {
                "added_after: a date (YYYY-MM-DD) or an RFC 3339 time",
                "added_before: a date (YYYY-MM-DD) or an RFC 3339 time",
                "synced_after: a date (YYYY-MM-DD) or an RFC 3339 time",
                "synced_before: a date (YYYY-MM-DD) or an RFC 3339 time"};
            return msgs[i];
        }
    if (!order_of(f->sort))
        return "sort: one of fid, -fid, added_at, -added_at, last_synced_at, -last_synced_at, "
               "username";
    if (f->limit < 1 || f->limit > 100000 || f->offset < 0)
        return "limit and offset: limit from 1, offset from 0";
    return NULL;
}

enum fc_err fc_target_list_json(struct fc_db *db, const struct fc_target_filter *f,
                                struct fc_buf *out, struct fc_diag *diag)
{
    const char *problem = fc_target_filter_problem(f);
    if (problem)
        return fc_diag_set(diag, FC_ERR_INVALID, "%s", problem);
    /* ORDER BY and the state test come from fixed tables, never from the caller */
    char sql[4096];
    snprintf(sql, sizeof(sql),
             "WITH f AS (SELECT t.*, u.username, u.display_name, %s AS state, "
             "row_number() OVER (ORDER BY %s) AS n FROM targets t LEFT JOIN users u ON u.fid = t.fid "
             "WHERE ($1::bool IS NULL OR t.is_root = $1::bool) "
             "AND ($2::bool IS NULL OR (t.last_synced_at IS NOT NULL) = $2::bool) "
             "AND ($3::text IS NULL OR t.source = $3) "
             "AND ($4::text IS NULL OR t.fid::text = $4 OR u.username ILIKE '%%' || "
             "replace(replace($4, '_', '\\_'), '%%', '\\%%') || '%%') "
             "AND ($7::timestamptz IS NULL OR t.added_at >= $7::timestamptz) "
             "AND ($8::timestamptz IS NULL OR t.added_at < $8::timestamptz) "
             "AND ($9::timestamptz IS NULL OR t.last_synced_at >= $9::timestamptz) "
             "AND ($10::timestamptz IS NULL OR t.last_synced_at < $10::timestamptz) "
             "AND ($11::bigint IS NULL OR t.fid = $11::bigint) AND (%s)) "
             "SELECT json_build_object('total', (SELECT count(*) FROM f), "
             "'summary', (SELECT json_build_object('roots', count(*) FILTER (WHERE is_root), "
             "'states', json_build_object('pending', count(*) FILTER (WHERE state = 'pending'), "
             "'running', count(*) FILTER (WHERE state = 'running'), "
             "'failed', count(*) FILTER (WHERE state = 'failed'), "
             "'held', count(*) FILTER (WHERE state = 'held'), "
             "'synced', count(*) FILTER (WHERE state = 'synced')), "
             "'sources', json_build_object('config', count(*) FILTER (WHERE source = 'config'), "
             "'admin', count(*) FILTER (WHERE source = 'admin'), "
             "'follow', count(*) FILTER (WHERE source = 'follow'), "
             "'client', count(*) FILTER (WHERE source = 'client'))) FROM f), "
             "'targets', coalesce((SELECT json_agg(json_build_object('fid', fid, 'root', is_root, "
             "'source', source, 'username', username, 'display_name', display_name, "
             "'state', state, 'added_at', fc_iso(added_at), 'last_synced_at', "
             "fc_iso(last_synced_at), 'backfill_attempts', backfill_attempts, 'last_error', "
             "last_error) ORDER BY n) FROM f WHERE n > $6::int AND n <= $5::int + $6::int), '[]'), "
             "'next_cursor', CASE WHEN (SELECT count(*) FROM f) > $5::int + $6::int "
             "THEN ($5::int + $6::int)::text END)::text",
             fc_jobctl_state_case, order_of(f->sort),
             f->state ? fc_jobctl_state_sql(f->state) : "true");
    char l[16], o[16];
    snprintf(l, sizeof(l), "%d", f->limit);
    snprintf(o, sizeof(o), "%d", f->offset);
    char fid[FC_DB_U64_CHARS];
    const char *p[] = {f->root,
                       f->synced,
                       f->source,
                       f->q,
                       l,
                       o,
                       f->added_after,
                       f->added_before,
                       f->synced_after,
                       f->synced_before,
                       f->fid ? fc_db_u64(fid, f->fid) : NULL};
    PGresult *r = PQexecParams(fc_db_pgconn(db), sql, 11, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1) {
        enum fc_err e = fc_diag_set(diag, FC_ERR_DB, "%s", PQresultErrorMessage(r));
        PQclear(r);
        return e;
    }
    fc_buf_puts(out, PQgetvalue(r, 0, 0));
    PQclear(r);
    return FC_OK;
}
