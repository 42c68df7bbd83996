/* Public read routes. Each response document is built by one SQL statement
 * (helpers from migration 0004) that also names the fids the document
 * depends on, so the cache can drop it when the indexer changes any of them. */
#include "api/fill.h"
#include "api/parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/hex.h"
#include "fc/bytes.h"
#include "core/log.h"

/* ---- feed ---- */

/* Two statements on one connection: the followed accounts, then their
 * newest casts with the list passed as an array parameter. PostgreSQL plans
 * an unnamed statement with its parameter values, so the list is a constant
 * it can hash, and it picks by real selectivity between walking the newest
 * casts and reading each followed account's own index. (A join against the
 * follows instead ran a nested loop over them for every cast: 10x slower.) */
static const char feed_follows_sql[] =
    "SELECT coalesce(array_agg(DISTINCT target_fid ORDER BY target_fid)::text, '{}') FROM links "
    "WHERE fid = $1 AND type = 'follow' AND NOT is_remove AND deleted_at IS NULL "
    "HAVING EXISTS (SELECT 1 FROM targets WHERE fid = $1)";

static const char feed_sql[] =
    FC_API_CASTS_PAGE_SQL("c.fid = ANY($5::bigint[])")
    "SELECT json_build_object('fid', $1::bigint, " FC_API_CASTS_PAGE_JSON ")::text";

struct feed_fill {
    struct fc_http_req *req;
    const char *fid, *ts, *hash, *limit;
};

static bool feed_fill(void *arg, struct fc_cache_value *v)
{
    struct feed_fill *f = arg;
    struct fc_http_resp tmp;
    memset(&tmp, 0, sizeof(tmp));
    struct fc_buf follows = FC_BUF_INIT;
    bool found = false;
    struct fc_diag diag;
    enum fc_err err = FC_OK;
    /* statements that fail on the read replica are repeated on the primary */
    for (int attempt = 0; attempt < 2; attempt++) {
        struct fc_api_conn c;
        if (!fc_api_conn_take(f->req, &tmp, attempt > 0, &c)) {
            fc_buf_cleanup(&follows);
            return fc_api_fill_failed(v, &tmp);
        }
        fc_buf_reset(&follows);
        const char *p1[] = {f->fid};
        err = fc_db_query_text(c.db, feed_follows_sql, 1, p1, &follows, &found, &diag);
        if (!err && found) {
            const char *p2[] = {f->fid, f->ts, f->hash, f->limit, follows.data};
            err = fc_db_query_text(c.db, feed_sql, 5, p2, &v->body, &found, &diag);
        }
        fc_api_conn_give(f->req, &c, err != FC_OK);
        if (!err || !c.replica)
            break;
        log_warn("api", "request %s: on the read replica: %s (repeated on the primary)",
                 f->req->request_id, diag.msg);
    }
    if (err || !found) {
        fc_buf_cleanup(&follows);
        if (err)
            fc_api_db_failed(f->req, &tmp, &diag);
        else
            fc_http_error(&tmp, 404, "not_found", "fid %s is not indexed (not a target)", f->fid);
        return fc_api_fill_failed(v, &tmp);
    }
    /* the page depends on the owner (its follows) and every followed account */
    fc_cache_value_depend(v, strtoull(f->fid, NULL, 10));
    fc_api_depend_on_fids(v, follows.data);
    fc_buf_cleanup(&follows);
    v->status = 200;
    return true;
}

void fc_api_feed(struct fc_http_req *req, struct fc_http_resp *resp)
{
    struct fc_api_list_args a;
    char key[160];
    if (!fc_api_list_args(req, resp, &a))
        return;
    snprintf(key, sizeof(key), "feed:%s:%s:%s:%s", a.fid, a.limit, a.ts, a.hash);
    struct feed_fill ff = {req, a.fid, *a.ts ? a.ts : NULL, *a.ts ? a.hash : NULL, a.limit};
    fc_api_cached(req, resp, key, req->api->cfg->api_cache_feed_ttl_s, feed_fill, &ff);
}

/* ---- casts ---- */

static const char cast_sql[] =
    "WITH m AS (SELECT c FROM casts c WHERE c.hash >= decode($1, 'hex') "
    "  AND ($2::text IS NULL OR c.hash < decode($2, 'hex')) "
    "  AND c.deleted_at IS NULL AND c.text IS NOT NULL ORDER BY c.hash LIMIT 11) "
    "SELECT CASE WHEN (SELECT count(*) FROM m) = 1 THEN (SELECT fc_cast_json(m.c) FROM m)::text "
    "  ELSE json_build_object('ambiguous', (SELECT json_agg(fc_hex((m.c).hash)) FROM m))::text "
    "  END, (SELECT string_agg((m.c).fid::text, ',') FROM m) "
    "WHERE EXISTS (SELECT 1 FROM m)";

/* Parses a cast hash or prefix: "0x" then 8..40 hex digits (4..20 bytes),
 * even length. lo/hi get the hex bounds of the prefix range. */
static bool parse_hash_prefix(struct fc_http_resp *resp, const char *s, char lo[48], char hi[48],
                              bool *has_hi)
{
    if (!s || !fc_api_parse_hash_prefix(s, lo, hi, has_hi)) {
        fc_http_error(resp, 400, "invalid_hash",
                      "hash: expected 0x and 8 to 40 hex digits (a full hash or a prefix of at "
                      "least 4 bytes), got \"%.60s\"", s ? s : "");
        return false;
    }
    return true;
}

static void cast_lookup(struct fc_http_req *req, struct fc_http_resp *resp, const char *lo,
                        const char *hi)
{
    /* a prefix's answer changes when any new cast shares it: depend on all */
    struct fc_api_qfill q = {.req = req, .sql = cast_sql, .n = 2, .params = {lo, hi},
                      .all = strlen(lo) < 40};
    snprintf(q.not_found, sizeof(q.not_found), "no cast 0x%s", lo);
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_profile_ttl_s, &q, "cast:%s", lo);
}

void fc_api_cast(struct fc_http_req *req, struct fc_http_resp *resp)
{
    char lo[48], hi[48];
    bool has_hi;
    if (!parse_hash_prefix(resp, req->param[0], lo, hi, &has_hi))
        return;
    cast_lookup(req, resp, lo, has_hi ? hi : NULL);
    if (resp->status == 200 && strncmp(resp->body.data, "{\"ambiguous\"", 12) == 0) {
        struct fc_buf b = FC_BUF_INIT;
        fc_buf_printf(&b, "{\"error\":{\"code\":\"ambiguous_hash\",\"message\":\"the prefix "
                          "0x%s matches several casts; use more digits\",\"candidates\":", lo);
        const char *arr = strchr(resp->body.data, '[');
        const char *end = strrchr(resp->body.data, ']');
        if (arr && end && end > arr)
            fc_buf_append(&b, arr, (size_t)(end - arr + 1));
        else
            fc_buf_puts(&b, "[]");
        fc_buf_puts(&b, "}}");
        fc_http_json(resp, 409, b.data, b.len);
        fc_buf_cleanup(&b);
    }
}

/* Thread order: depth first under the cast, siblings oldest first. */
static const char replies_sql[] =
    "WITH RECURSIVE root AS (SELECT hash, fid FROM casts WHERE hash = decode($1, 'hex') "
    "  AND deleted_at IS NULL AND text IS NOT NULL), "
    "t AS (SELECT c AS r, c.hash, 1 AS depth, ARRAY[c.\"timestamp\"::text || encode(c.hash, 'hex')] "
    "        AS path FROM casts c, root WHERE c.parent_hash = root.hash "
    "  UNION ALL SELECT c, c.hash, t.depth + 1, t.path || (c.\"timestamp\"::text || "
    "        encode(c.hash, 'hex')) FROM casts c JOIN t ON c.parent_hash = t.hash "
    "  WHERE t.depth < 32), "
    "live AS (SELECT * FROM t WHERE (t.r).deleted_at IS NULL AND (t.r).text IS NOT NULL), "
    "shown AS (SELECT * FROM live ORDER BY path LIMIT $2::int OFFSET $3::int) "
    "SELECT json_build_object('hash', '0x' || $1, "
    "  'replies', coalesce((SELECT json_agg(fc_cast_json(s.r)::jsonb || "
    "      jsonb_build_object('depth', s.depth) ORDER BY s.path) FROM shown s), '[]'), "
    "  'next_cursor', CASE WHEN (SELECT count(*) FROM live) > $2::int + $3::int "
    "    THEN ($2::int + $3::int)::text END)::text, "
    "  (SELECT fid::text FROM root) || coalesce(',' || (SELECT string_agg(DISTINCT (l.r).fid::text, ',') "
    "    FROM live l), '') "
    "WHERE EXISTS (SELECT 1 FROM root)";

void fc_api_cast_replies(struct fc_http_req *req, struct fc_http_resp *resp)
{
    char lo[48], hi[48];
    bool has_hi;
    struct fc_api_offset_page pg;
    if (!parse_hash_prefix(resp, req->param[0], lo, hi, &has_hi) ||
        !fc_api_offset_page(req, resp, &pg))
        return;
    if (strlen(lo) != 40) {
        fc_http_error(resp, 400, "invalid_hash", "replies need the full 20-byte hash");
        return;
    }
    const char *l = pg.limit_text, *o = pg.offset_text;
    struct fc_api_qfill q = {.req = req, .sql = replies_sql, .n = 3, .params = {lo, l, o}};
    snprintf(q.not_found, sizeof(q.not_found), "no cast 0x%s", lo);
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_feed_ttl_s, &q, "replies:%s:%s:%s", lo,
                        l, o);
}

/* ---- users ---- */

static const char user_sql[] = "SELECT fc_user_json($1::bigint)::text, $1::text "
                               "WHERE fc_user_json($1::bigint) IS NOT NULL";

void fc_api_user(struct fc_http_req *req, struct fc_http_resp *resp)
{
    uint64_t fid;
    if (!fc_api_parse_fid(resp, "fid", req->param[0], &fid))
        return;
    char f[24];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    struct fc_api_qfill q = {.req = req, .sql = user_sql, .n = 1, .params = {f}};
    snprintf(q.not_found, sizeof(q.not_found), "fid %s is not indexed", f);
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_profile_ttl_s, &q, "user:%s", f);
}

static const char user_by_name_sql[] =
    "SELECT fc_user_json(u.fid)::text, u.fid::text FROM users u "
    "WHERE lower(u.username) = lower($1) AND u.username IS NOT NULL ORDER BY u.updated_at DESC "
    "NULLS LAST LIMIT 1";

void fc_api_user_by_name(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *name = req->param[0];
    char lower[72];
    if (!fc_api_parse_username(name, lower)) {
        fc_http_error(resp, 400, "invalid_username",
                      "username: 1 to 64 letters, digits, '-', '_' or '.'; got \"%.64s\"", name);
        return;
    }
    /* a name can move to another fid: depend on every change (short TTL) */
    struct fc_api_qfill q = {.req = req, .sql = user_by_name_sql, .n = 1, .params = {lower}, .all = true};
    snprintf(q.not_found, sizeof(q.not_found), "no indexed user named \"%s\"", lower);
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_profile_ttl_s, &q, "username:%s",
                        lower);
}

static const char user_casts_sql[] =
    FC_API_CASTS_PAGE_SQL("c.fid = $1 AND ($5 = 'include' OR ($5 = 'only') = "
                          "(c.parent_hash IS NOT NULL))")
    "SELECT json_build_object('fid', $1::bigint, " FC_API_CASTS_PAGE_JSON ")::text, $1 "
    "WHERE EXISTS (SELECT 1 FROM targets WHERE fid = $1) OR EXISTS (SELECT 1 FROM users "
    "WHERE fid = $1)";

/* A profile's casts tab: replies (casts with a parent cast) are left out
 * unless ?replies=include, or alone with ?replies=only. */
void fc_api_user_casts(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *mode = fc_http_arg(req, "replies");
    if (!mode)
        mode = "exclude";
    if (strcmp(mode, "exclude") != 0 && strcmp(mode, "include") != 0 &&
        strcmp(mode, "only") != 0) {
        fc_http_error(resp, 400, "invalid_replies",
                      "replies: expected exclude, include or only, got \"%.20s\"", mode);
        return;
    }
    fc_api_account_list(req, resp, "ucasts", user_casts_sql, req->api->cfg->api_cache_feed_ttl_s,
                        &mode, 1);
}

/* The account's replies, newest first. */
void fc_api_user_replies(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *only = "only";
    fc_api_account_list(req, resp, "ucasts", user_casts_sql, req->api->cfg->api_cache_feed_ttl_s,
                        &only, 1);
}

/* followers (who follows $1) and following (whom $1 follows): the newest
 * follow per pair, keyset on (follow time, link hash) */
#define FOLLOW_SQL(me, other)                                                                     \
    "WITH l AS (SELECT DISTINCT ON (" other ") " other " AS fid, \"timestamp\" AS ts, hash AS h "  \
    "  FROM links WHERE " me " = $1 AND type = 'follow' AND NOT is_remove AND deleted_at IS NULL " \
    "  ORDER BY " other ", \"timestamp\" DESC), "                                                 \
    "page AS (SELECT * FROM l WHERE ($2::bigint IS NULL OR (ts, h) < ('epoch'::timestamptz + "   \
    "  $2::bigint * interval '1 microsecond', decode($3, 'hex'))) ORDER BY ts DESC, h DESC "      \
    "  LIMIT $4::int + 1), "                                                                      \
    "shown AS (SELECT * FROM page ORDER BY ts DESC, h DESC LIMIT $4::int) "                       \
    "SELECT json_build_object('fid', $1::bigint, "                                                \
    "  'users', coalesce((SELECT json_agg(fc_user_brief(s.fid)::jsonb || "                        \
    "      jsonb_build_object('followed_at', fc_iso(s.ts)) ORDER BY s.ts DESC, s.h DESC) "        \
    "      FROM shown s), '[]'), "                                                                \
    "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN "                     \
    "    (SELECT fc_cursor(s.ts, s.h) FROM shown s ORDER BY s.ts, s.h LIMIT 1) END)::text, "      \
    "  $1 || coalesce(',' || (SELECT string_agg(fid::text, ',') FROM shown), '') "                \
    "WHERE EXISTS (SELECT 1 FROM targets WHERE fid = $1) OR EXISTS (SELECT 1 FROM users "         \
    "WHERE fid = $1)"

void fc_api_user_followers(struct fc_http_req *req, struct fc_http_resp *resp)
{
    fc_api_account_list(req, resp, "followers", FOLLOW_SQL("target_fid", "fid"),
                 req->api->cfg->api_cache_profile_ttl_s, NULL, 0);
}

void fc_api_user_following(struct fc_http_req *req, struct fc_http_resp *resp)
{
    fc_api_account_list(req, resp, "following", FOLLOW_SQL("fid", "target_fid"),
                 req->api->cfg->api_cache_profile_ttl_s, NULL, 0);
}

/* ---- search and trending ---- */

/* Casts are matched in cast_search (their tsvectors, filled behind the
 * writer: sql/migrations/0017_cast_search.sql); casts decides what is live. */
static const char search_sql[] =
    "WITH q AS (SELECT websearch_to_tsquery('simple', $1) AS q), "
    "hits AS (SELECT c AS r, ts_rank(s.tsv, q.q) AS rank "
    "  FROM cast_search s JOIN casts c ON c.hash = s.hash, q WHERE s.tsv @@ q.q "
    "  AND c.deleted_at IS NULL AND c.text IS NOT NULL "
    "  ORDER BY rank DESC, c.\"timestamp\" DESC, c.hash DESC LIMIT $2::int + 1 OFFSET $3::int), "
    "shown AS (SELECT *, row_number() OVER (ORDER BY rank DESC, (r).\"timestamp\" DESC, "
    "  (r).hash DESC) AS n FROM hits) "
    "SELECT json_build_object('query', $1, "
    "  'casts', coalesce((SELECT json_agg(fc_cast_json(s.r)::jsonb || jsonb_build_object('rank', "
    "      round(s.rank::numeric, 6)) ORDER BY s.n) FROM shown s WHERE s.n <= $2::int), '[]'), "
    "  'next_cursor', CASE WHEN (SELECT count(*) FROM hits) > $2::int "
    "    THEN ($2::int + $3::int)::text END)::text, NULL";

/* Ranked lists (search, trending) sort every match before the page: deep
 * pages cost in proportion to their offset, so they stop here. */
#define RANKED_MAX_OFFSET 1000
#define SEARCH_MAX_TERMS 8

/* fc_api_offset_page for a ranked list, which ends after RANKED_MAX_OFFSET. */
static bool ranked_page(struct fc_http_req *req, struct fc_http_resp *resp,
                        struct fc_api_offset_page *pg)
{
    if (!fc_api_offset_page(req, resp, pg))
        return false;
    if (pg->offset > RANKED_MAX_OFFSET) {
        fc_http_error(resp, 400, "invalid_cursor",
                      "cursor: ranked lists end after %d results", RANKED_MAX_OFFSET);
        return false;
    }
    return true;
}

/* q with runs of white space made one space and the ends trimmed, into
 * out[257] (so "a  b" and " a b" share a cache entry); its term count. */
static size_t normalize_query(const char *q, char out[257])
{
    size_t n = 0, terms = 0;
    bool space = true;
    for (const char *c = q; *c && n < 256; c++) {
        bool ws = *c == ' ' || *c == '\t' || *c == '\n' || *c == '\r';
        if (ws) {
            space = true;
            continue;
        }
        if (space && n)
            out[n++] = ' ';
        if (space)
            terms++;
        space = false;
        if (n < 256)
            out[n++] = *c;
    }
    out[n] = '\0';
    return terms;
}

void fc_api_search(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *raw = fc_http_arg(req, "q");
    struct fc_api_offset_page pg;
    char qs[257];
    if (!raw || strlen(raw) > 256 || !fc_utf8_valid(raw, strlen(raw)) ||
        normalize_query(raw, qs) == 0) {
        fc_http_error(resp, 400, "invalid_query",
                      "q: a search text of 1 to 256 bytes of UTF-8 is required");
        return;
    }
    if (normalize_query(raw, qs) > SEARCH_MAX_TERMS) {
        fc_http_error(resp, 400, "invalid_query", "q: at most %d search terms",
                      SEARCH_MAX_TERMS);
        return;
    }
    if (!ranked_page(req, resp, &pg))
        return;
    const char *l = pg.limit_text, *o = pg.offset_text;
    struct fc_api_qfill q = {.req = req, .sql = search_sql, .n = 3, .params = {qs, l, o}, .all = true};
    snprintf(q.not_found, sizeof(q.not_found), "no results");
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_search_ttl_s, &q,
                        "search:%s:%s:%s", l, o, qs);
}

/* Engagement in the window ending at the newest indexed activity (so an
 * index of older history still shows what was trending at its head):
 * likes 1, recasts 2, replies 3. */
static const char trending_sql[] =
    "WITH head AS (SELECT least(now(), greatest((SELECT max(\"timestamp\") FROM reactions), "
    "  (SELECT max(\"timestamp\") FROM casts))) AS t), "
    "w AS (SELECT head.t - $1::interval AS since, head.t FROM head), "
    "e AS (SELECT target_hash AS h, CASE type WHEN 2 THEN 2 ELSE 1 END AS pts FROM reactions, w "
    "      WHERE \"timestamp\" > w.since AND \"timestamp\" <= w.t AND target_hash IS NOT NULL "
    "        AND NOT is_remove AND deleted_at IS NULL "
    "      UNION ALL SELECT parent_hash, 3 FROM casts, w WHERE parent_hash IS NOT NULL "
    "        AND \"timestamp\" > w.since AND \"timestamp\" <= w.t AND deleted_at IS NULL "
    "        AND text IS NOT NULL), "
    "s AS (SELECT h, sum(pts) AS score FROM e GROUP BY h), "
    "ranked AS (SELECT c AS r, s.score FROM s JOIN casts c ON c.hash = s.h "
    "  WHERE c.deleted_at IS NULL AND c.text IS NOT NULL "
    "  ORDER BY s.score DESC, c.hash LIMIT $2::int + 1 OFFSET $3::int), "
    "shown AS (SELECT *, row_number() OVER (ORDER BY score DESC, (r).hash) AS n FROM ranked) "
    "SELECT json_build_object('window', $4::text, "
    "  'window_end', (SELECT fc_iso(t) FROM head), "
    "  'casts', coalesce((SELECT json_agg(fc_cast_json(x.r)::jsonb || jsonb_build_object('score', "
    "      x.score) ORDER BY x.n) FROM shown x WHERE x.n <= $2::int), '[]'), "
    "  'next_cursor', CASE WHEN (SELECT count(*) FROM ranked) > $2::int "
    "    THEN ($2::int + $3::int)::text END)::text, NULL";

void fc_api_trending(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const struct fc_api_window *w = fc_api_window_arg(req, resp, 3);
    if (!w)
        return;
    struct fc_api_offset_page pg;
    if (!ranked_page(req, resp, &pg))
        return;
    const char *l = pg.limit_text, *o = pg.offset_text;
    struct fc_api_qfill q = {.req = req, .sql = trending_sql, .n = 4,
                             .params = {w->interval, l, o, w->name}, .all = true};
    snprintf(q.not_found, sizeof(q.not_found), "no results");
    fc_api_cached_query(req, resp, 60, &q, "trending:%s:%s:%s", w->name, l, o);
}
