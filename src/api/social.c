/* Public routes around people and conversations: what an account liked,
 * user search and the combined search, a cast's whole thread, and channel
 * (parent URL) feeds. Same conventions as public.c: one SQL statement per
 * document, cached, invalidated by the fids it depends on. */
#include "api/fill.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fc/bytes.h"

#define SEARCH_MAX_BYTES 256
#define URL_MAX_BYTES 1024
#define THREAD_DEPTH_DEFAULT 5
#define THREAD_DEPTH_MAX 10
#define THREAD_SIZE_DEFAULT 100
#define THREAD_SIZE_MAX 500

/* ---- likes ---- */

/* Casts the account liked that are indexed, newest like first, keyset on
 * (like time, reaction hash); documents rendered set-wise, then zipped
 * with the like times. */
static const char likes_sql[] =
    "WITH page AS (SELECT c AS r, re.\"timestamp\" AS ts, re.hash AS h FROM reactions re "
    "  JOIN casts c ON c.hash = re.target_hash "
    "  WHERE re.fid = $1 AND re.type = 1 AND NOT re.is_remove AND re.deleted_at IS NULL "
    "  AND re.target_hash IS NOT NULL AND c.deleted_at IS NULL AND c.text IS NOT NULL "
    "  AND ($2::bigint IS NULL OR (re.\"timestamp\", re.hash) < ('epoch'::timestamptz + "
    "       $2::bigint * interval '1 microsecond', decode($3, 'hex'))) "
    "  ORDER BY re.\"timestamp\" DESC, re.hash DESC LIMIT $4::int + 1), "
    "shown AS (SELECT *, row_number() OVER (ORDER BY ts DESC, h DESC) AS n FROM page "
    "  ORDER BY ts DESC, h DESC LIMIT $4::int), "
    "docs AS (SELECT d.value AS doc, d.n FROM json_array_elements(fc_casts_json(ARRAY("
    "  SELECT s.r FROM shown s ORDER BY s.n))) WITH ORDINALITY AS d(value, n)) "
    "SELECT json_build_object('fid', $1::bigint, "
    "  'likes', coalesce((SELECT json_agg(json_build_object('liked_at', fc_iso(s.ts), "
    "      'cast', d.doc) ORDER BY s.n) FROM shown s JOIN docs d ON d.n = s.n), '[]'), "
    "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN "
    "    (SELECT fc_cursor(s.ts, s.h) FROM shown s ORDER BY s.ts, s.h LIMIT 1) END)::text, "
    "  $1 || coalesce(',' || (SELECT string_agg(DISTINCT (s.r).fid::text, ',') FROM shown s), "
    "  '') "
    "WHERE EXISTS (SELECT 1 FROM targets WHERE fid = $1) OR EXISTS (SELECT 1 FROM users "
    "WHERE fid = $1)";

void fc_api_user_likes(struct fc_http_req *req, struct fc_http_resp *resp)
{
    fc_api_account_list(req, resp, "likes", likes_sql, req->api->cfg->api_cache_feed_ttl_s, NULL,
                        0);
}

/* ---- search ---- */

/* A search text: 1 to 256 bytes of UTF-8; false after a 400. */
static bool search_text(struct fc_http_req *req, struct fc_http_resp *resp, const char **out)
{
    const char *q = fc_http_arg(req, "q");
    if (!q || !*q || strlen(q) > SEARCH_MAX_BYTES || !fc_utf8_valid(q, strlen(q))) {
        fc_http_error(resp, 400, "invalid_query",
                      "q: a search text of 1 to %d bytes of UTF-8 is required", SEARCH_MAX_BYTES);
        return false;
    }
    *out = q;
    return true;
}

/* Users matching $1, best first: exact username, then username prefix,
 * then display-name prefix, then full text over username, display name and
 * bio; more followers first within a tier. Each tier is bounded (200
 * candidates; the full-text tier ranks at most 2,000 matches), so the cost
 * does not grow with the users table.
 *
 * What the tiers compare with is computed once in `q`: read through
 * subqueries, these are run-time values to the planner in every plan, so a
 * prepared statement's generic plan still walks the indexes. A prefix is
 * the byte range [lq, fc_prefix_end(lq)) of the text_pattern_ops indexes
 * (a LIKE pattern becomes an index range only when it is a constant, which
 * made the planner plan the statement at every request: 2-3 ms, four
 * times the run). */
#define USER_MATCHES_SQL                                                                          \
    "q AS MATERIALIZED (SELECT lower($1) AS lq, fc_prefix_end(lower($1)) AS hi, "               \
    "  websearch_to_tsquery('simple', $1) AS tq), "                                               \
    "m AS ((SELECT u.fid, 0 AS tier FROM users u WHERE lower(u.username) = (SELECT lq FROM q) "   \
    "       AND u.username IS NOT NULL LIMIT 1) "                                                 \
    "  UNION ALL (SELECT u.fid, 1 FROM users u WHERE lower(u.username) ~>=~ (SELECT lq FROM q) "  \
    "       AND lower(u.username) ~<~ (SELECT hi FROM q) "                                        \
    "       AND u.username IS NOT NULL ORDER BY length(u.username), u.fid LIMIT 200) "           \
    "  UNION ALL (SELECT u.fid, 2 FROM users u "                                                  \
    "       WHERE lower(u.display_name) ~>=~ (SELECT lq FROM q) "                                 \
    "       AND lower(u.display_name) ~<~ (SELECT hi FROM q) "                                    \
    "       AND u.display_name IS NOT NULL ORDER BY length(u.display_name), u.fid LIMIT 200) "    \
    "  UNION ALL (SELECT t.fid, 3 FROM (SELECT u.fid, ts_rank(fc_user_tsv(u.username, "           \
    "       u.display_name, u.bio), (SELECT tq FROM q)) AS rank FROM users u "                    \
    "       WHERE fc_user_tsv(u.username, u.display_name, u.bio) @@ (SELECT tq FROM q) "          \
    "       LIMIT 2000) t ORDER BY t.rank DESC, t.fid LIMIT 200)), "                              \
    "best AS (SELECT fid, min(tier) AS tier FROM m GROUP BY fid), "                               \
    "ranked AS (SELECT b.fid, b.tier, (SELECT count(*) FROM links l WHERE l.target_fid = b.fid "  \
    "  AND l.type = 'follow' AND NOT l.is_remove AND l.deleted_at IS NULL) AS followers "         \
    "  FROM best b) "

#define USER_DOC(x)                                                                                \
    "fc_user_brief(" x ".fid)::jsonb || jsonb_build_object('followers', " x ".followers, "         \
    "'match', (ARRAY['username', 'username_prefix', 'display_name_prefix', 'text'])[" x            \
    ".tier + 1])"

static const char user_search_sql[] =
    "WITH " USER_MATCHES_SQL ", "
    /* the page bounds through subqueries too: a constant LIMIT would make
     * every per-request plan look cheaper than the generic one */
    "page AS (SELECT *, row_number() OVER (ORDER BY tier, followers DESC, fid) AS n FROM ranked "
    "  ORDER BY tier, followers DESC, fid LIMIT (SELECT $2::int + 1) OFFSET (SELECT $3::int)) "
    "SELECT json_build_object('query', $1, "
    "  'users', coalesce((SELECT json_agg(" USER_DOC(
        "p") " ORDER BY p.n) FROM page p "
             "    WHERE p.n <= $2::int), '[]'), "
             "  'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $2::int "
             "    THEN ($2::int + $3::int)::text END)::text, NULL";

void fc_api_search_users(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *qs;
    struct fc_api_offset_page pg;
    if (!search_text(req, resp, &qs) || !fc_api_offset_page(req, resp, &pg))
        return;
    const char *l = pg.limit_text, *o = pg.offset_text;
    struct fc_api_qfill q = {
        .req = req, .sql = user_search_sql, .n = 3, .params = {qs, l, o}, .all = true,
        .prepared = "fc_user_search"};
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_search_ttl_s, &q,
                        "usearch:%s:%s:%s", l, o, qs);
}

/* Users and casts together: the best few of each, and how many match
 * (counted up to 1,000 casts: "casts_count_capped" says when there are more). */
static const char search_all_sql[] =
    "WITH " USER_MATCHES_SQL ", "
    "tu AS (SELECT *, row_number() OVER (ORDER BY tier, followers DESC, fid) AS n FROM ranked "
    "  ORDER BY tier, followers DESC, fid LIMIT $2::int), "
    "cq AS (SELECT websearch_to_tsquery('simple', $1) AS q), "
    "hits AS (SELECT c AS r, ts_rank(s.tsv, cq.q) AS rank "
    "  FROM cast_search s JOIN casts c ON c.hash = s.hash, cq WHERE s.tsv @@ cq.q "
    "  AND c.deleted_at IS NULL AND c.text IS NOT NULL "
    "  ORDER BY rank DESC, c.\"timestamp\" DESC, c.hash DESC LIMIT $3::int), "
    "counted AS (SELECT count(*) AS n FROM (SELECT 1 FROM cast_search s JOIN casts c "
    "  ON c.hash = s.hash, cq WHERE s.tsv @@ cq.q AND c.deleted_at IS NULL "
    "  AND c.text IS NOT NULL LIMIT 1001) x) "
    "SELECT json_build_object('query', $1, "
    "  'users', json_build_object('count', (SELECT count(*) FROM ranked), "
    "    'items', coalesce((SELECT json_agg(" USER_DOC(
        "t") " ORDER BY t.n) FROM tu t), '[]')), "
             "  'casts', json_build_object('count', least((SELECT n FROM counted), 1000), "
             "    'count_capped', (SELECT n FROM counted) > 1000, "
             "    'items', fc_casts_json(ARRAY(SELECT h.r FROM hits h ORDER BY h.rank DESC, "
             "      (h.r).\"timestamp\" DESC, (h.r).hash DESC))))::text, NULL";

void fc_api_search_all(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *qs;
    int users, casts;
    if (!search_text(req, resp, &qs) || !fc_api_int_arg(req, resp, "users", 5, 0, 25, &users) ||
        !fc_api_int_arg(req, resp, "casts", 10, 0, FC_API_PAGE_MAX, &casts))
        return;
    char u[8], c[8];
    snprintf(u, sizeof(u), "%d", users);
    snprintf(c, sizeof(c), "%d", casts);
    struct fc_api_qfill q = {
        .req = req, .sql = search_all_sql, .n = 3, .params = {qs, u, c}, .all = true};
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_search_ttl_s, &q,
                        "searchall:%s:%s:%s", u, c, qs);
}

/* ---- thread ---- */

/* The conversation around a cast: its ancestors up to the root (root
 * first), the cast, and the replies under it as a tree, depth first with
 * siblings oldest first, at most $2 levels and $3 replies. The tree is
 * spelled out from the depth-first list: each node's document is opened,
 * given "children":[ when the next node is its child, else closed along with
 * every level the next node climbs back out of. A deleted cast in the
 * middle of a conversation stays as a placeholder holding its replies. Each
 * node's own "replies" stays the count of its live replies, as in every cast
 * document. A reply's sort key is its path of (time, hash) steps as bytes
 * (8 bytes of time, 20 of hash, compared as bytes: Farcaster times are after
 * 2000, where the time's binary form is positive), so sorting compares
 * memory instead of arrays of collated text. Every document (the cast,
 * its ancestors, the shown replies) is rendered by one fc_cast_docs call. */
static const char thread_sql[] =
    "WITH RECURSIVE focus AS (SELECT c FROM casts c WHERE c.hash = decode($1, 'hex') "
    "  AND c.deleted_at IS NULL AND c.text IS NOT NULL), "
    "up AS (SELECT (f.c).parent_hash AS h, 1 AS k FROM focus f WHERE (f.c).parent_hash IS NOT NULL "
    "  UNION ALL SELECT c.parent_hash, up.k + 1 FROM up JOIN casts c ON c.hash = up.h "
    "  WHERE c.parent_hash IS NOT NULL AND up.k < 64), "
    "anc AS (SELECT up.h, up.k, c AS r FROM up LEFT JOIN casts c ON c.hash = up.h), "
    "down AS (SELECT c AS r, c.hash, 1 AS depth, "
    "    coalesce(timestamptz_send(c.\"timestamp\"), '\\x0000000000000000') || c.hash AS path "
    "  FROM casts c WHERE c.parent_hash = decode($1, 'hex') "
    "  UNION ALL SELECT c, c.hash, d.depth + 1, d.path || coalesce(timestamptz_send("
    "    c.\"timestamp\"), '\\x0000000000000000') || c.hash "
    "  FROM casts c JOIN down d ON c.parent_hash = d.hash WHERE d.depth < $2::int), "
    /* breadth first and lazily bounded, so a huge conversation costs no more */
    "capped AS (SELECT * FROM down LIMIT 5000), "
    "shown AS (SELECT *, row_number() OVER (ORDER BY path) AS n FROM capped "
    "  ORDER BY path LIMIT $3::int), "
    /* what is rendered: the cast (part 0), live ancestors (1), live replies (2) */
    "todo AS (SELECT 0 AS part, 0::bigint AS n, f.c AS r FROM focus f "
    "  UNION ALL SELECT 1, a.k, a.r FROM anc a WHERE (a.r).hash IS NOT NULL "
    "    AND (a.r).deleted_at IS NULL AND (a.r).text IS NOT NULL "
    "  UNION ALL SELECT 2, s.n, s.r FROM shown s WHERE (s.r).deleted_at IS NULL "
    "    AND (s.r).text IS NOT NULL), "
    "numbered AS (SELECT part, n, r, row_number() OVER (ORDER BY part, n) AS k FROM todo), "
    "docs AS (SELECT x.part, x.n, d.doc FROM fc_cast_docs(ARRAY(SELECT r FROM numbered "
    "  ORDER BY k)) d JOIN numbered x ON x.k = d.ord), "
    "nodes AS (SELECT s.n, s.depth, coalesce(d.doc::text, json_build_object('hash', "
    "    fc_hex(s.hash), 'fid', (s.r).fid, 'deleted', true)::text) AS doc, "
    "  coalesce(lead(s.depth) OVER (ORDER BY s.n), 0) AS next FROM shown s "
    "  LEFT JOIN docs d ON d.part = 2 AND d.n = s.n), "
    "tree AS (SELECT '[' || coalesce(string_agg(left(doc, -1) || CASE WHEN next = depth + 1 "
    "    THEN ',\"children\":[' ELSE ',\"children\":[]}' || repeat(']}', depth - "
    "    greatest(next, 1)) || CASE WHEN next > 0 THEN ',' ELSE '' END END, '' ORDER BY n), '') "
    "    || ']' AS t FROM nodes) "
    "SELECT json_build_object('hash', '0x' || $1, "
    "  'ancestors', coalesce((SELECT json_agg(coalesce(d.doc, json_build_object('hash', "
    "      fc_hex(a.h), 'deleted', true)) ORDER BY a.k DESC) FROM anc a "
    "      LEFT JOIN docs d ON d.part = 1 AND d.n = a.k), '[]'), "
    "  'cast', (SELECT d.doc FROM docs d WHERE d.part = 0), "
    "  'replies', (SELECT t FROM tree)::json, "
    "  'depth_cap', $2::int, 'size_cap', $3::int, "
    "  'truncated', (SELECT count(*) FROM capped) > $3::int OR EXISTS (SELECT 1 FROM capped c "
    "    WHERE c.depth = $2::int AND EXISTS (SELECT 1 FROM casts x "
    "    WHERE x.parent_hash = c.hash)))::text, "
    "  (SELECT (f.c).fid::text FROM focus f) || coalesce(',' || (SELECT string_agg(DISTINCT "
    "    (s.r).fid::text, ',') FROM shown s), '') || coalesce(',' || (SELECT string_agg(DISTINCT "
    "    (a.r).fid::text, ',') FROM anc a WHERE (a.r).fid IS NOT NULL), '') "
    "WHERE EXISTS (SELECT 1 FROM focus)";

void fc_api_cast_thread(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *h = req->param[0];
    int depth, size;
    bool ok = h && strlen(h) == 42 && h[0] == '0' && h[1] == 'x';
    for (int i = 2; ok && i < 42; i++)
        ok = (h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f') ||
             (h[i] >= 'A' && h[i] <= 'F');
    if (!ok) {
        fc_http_error(resp, 400, "invalid_hash",
                      "hash: a thread needs the full hash, 0x and 40 hex digits, got \"%.60s\"",
                      h ? h : "");
        return;
    }
    if (!fc_api_int_arg(req, resp, "depth", THREAD_DEPTH_DEFAULT, 1, THREAD_DEPTH_MAX, &depth) ||
        !fc_api_int_arg(req, resp, "limit", THREAD_SIZE_DEFAULT, 1, THREAD_SIZE_MAX, &size))
        return;
    char lo[41], d[8], s[8];
    for (int i = 0; i < 40; i++) /* lower case, as stored */
        lo[i] = (char)(h[2 + i] >= 'A' && h[2 + i] <= 'F' ? h[2 + i] + 32 : h[2 + i]);
    lo[40] = '\0';
    snprintf(d, sizeof(d), "%d", depth);
    snprintf(s, sizeof(s), "%d", size);
    /* a new reply from anyone changes the thread: depend on every change */
    /* prepared: planning this statement cost as much as running it */
    struct fc_api_qfill q = {.req = req, .sql = thread_sql, .n = 3, .params = {lo, d, s},
                             .all = true, .prepared = "fc_thread"};
    snprintf(q.not_found, sizeof(q.not_found), "no cast 0x%s", lo);
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_feed_ttl_s, &q, "thread:%s:%s:%s", lo,
                        d, s);
}

/* ---- channel feeds ---- */

static const char channel_sql[] =
    FC_API_CASTS_PAGE_SQL("c.parent_url = $1")
    "SELECT json_build_object('parent_url', $1, " FC_API_CASTS_PAGE_JSON ")::text, NULL";

void fc_api_channel_feed(struct fc_http_req *req, struct fc_http_resp *resp)
{
    const char *url = fc_http_arg(req, "parent_url");
    int limit;
    char ts[40], hash[48];
    if (!url || !*url || strlen(url) > URL_MAX_BYTES || !fc_utf8_valid(url, strlen(url))) {
        fc_http_error(resp, 400, "invalid_parent_url",
                      "parent_url: a URL of 1 to %d bytes of UTF-8 is required", URL_MAX_BYTES);
        return;
    }
    if (!fc_api_limit(req, resp, FC_API_PAGE_DEFAULT, FC_API_PAGE_MAX, &limit) ||
        !fc_api_keyset_cursor(req, resp, ts, hash))
        return;
    char l[8];
    snprintf(l, sizeof(l), "%d", limit);
    /* any account can post to a channel: depend on every change */
    struct fc_api_qfill q = {.req = req,
                             .sql = channel_sql,
                             .n = 4,
                             .params = {url, *ts ? ts : NULL, *ts ? hash : NULL, l},
                             .all = true};
    fc_api_cached_query(req, resp, req->api->cfg->api_cache_feed_ttl_s, &q, "channel:%s:%s:%s:%s",
                        l, ts, hash, url);
}
