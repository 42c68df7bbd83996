/* How public read routes build cached responses: one SQL statement returns
 * the document (column 0) and the fids it depends on (column 1, "1,2,3" or
 * NULL), filled through the cache (single flight, invalidated by fid). */
#ifndef FC_API_FILL_H
#define FC_API_FILL_H

#include "api/internal.h"

#define FC_API_PAGE_DEFAULT 25
#define FC_API_PAGE_MAX 100

/* A newest-first page of live casts chosen by cond, keyset on (timestamp,
 * hash): $2 cursor time (µs since the epoch, or NULL), $3 cursor hash hex,
 * $4 the page size. Defines the CTEs `page` (one row more than shown, to
 * know whether another page follows) and `shown`; FC_API_CASTS_PAGE_JSON
 * renders them as "casts" and "next_cursor" members. */
#define FC_API_CASTS_PAGE_SQL(cond)                                                               \
    "WITH page AS (SELECT c AS r, c.\"timestamp\" AS ts, c.hash AS h FROM casts c "               \
    "  WHERE " cond " AND c.deleted_at IS NULL AND c.text IS NOT NULL "                           \
    "  AND ($2::bigint IS NULL OR (c.\"timestamp\", c.hash) < ('epoch'::timestamptz + "          \
    "       $2::bigint * interval '1 microsecond', decode($3, 'hex'))) "                          \
    "  ORDER BY c.\"timestamp\" DESC, c.hash DESC LIMIT $4::int + 1), "                          \
    "shown AS (SELECT * FROM page ORDER BY ts DESC, h DESC LIMIT $4::int) "
#define FC_API_CASTS_PAGE_JSON                                                                    \
    "'casts', fc_casts_json(ARRAY(SELECT s.r FROM shown s ORDER BY s.ts DESC, s.h DESC)), "       \
    "'next_cursor', CASE WHEN (SELECT count(*) FROM page) > $4::int THEN "                        \
    "  (SELECT fc_cursor(s.ts, s.h) FROM shown s ORDER BY s.ts, s.h LIMIT 1) END"

/* One statement's fill: params are SQL text parameters (NULL for NULL). */
struct fc_api_qfill {
    struct fc_http_req *req;
    const char *sql;
    int n;
    const char *params[8];
    char not_found[256]; /* message of the 404 when there is no row */
    bool all;            /* depends on every change (search, prefixes, channels) */
    const char *prepared; /* run as this prepared statement (planning costs as much as running) */
};

/* An fc_cache_fill_fn over a struct fc_api_qfill. */
bool fc_api_qfill(void *arg, struct fc_cache_value *v);
/* fc_api_cached filled by fc_api_qfill over q, under the key
 * printf(key_fmt, ...). */
void fc_api_cached_query(struct fc_http_req *req, struct fc_http_resp *resp, int ttl_s,
                         struct fc_api_qfill *q, const char *key_fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* A failed fill: the error response in tmp (freed here) becomes the
 * uncached value. Returns false. */
bool fc_api_fill_failed(struct fc_cache_value *v, struct fc_http_resp *tmp);

/* Records the fids of a list such as "1,2,3" or "{1,2,3}" as dependencies. */
void fc_api_depend_on_fids(struct fc_cache_value *v, const char *list);

/* The arguments of a keyset-paginated list of one account (path parameter
 * :fid, ?limit=, ?cursor=) as SQL text parameters; false after a 400. */
struct fc_api_list_args {
    char fid[24], limit[8], ts[40], hash[48];
};
bool fc_api_list_args(struct fc_http_req *req, struct fc_http_resp *resp,
                      struct fc_api_list_args *a);

/* An offset-paginated page (?limit=, FC_API_PAGE_DEFAULT and at most
 * FC_API_PAGE_MAX; ?cursor=, an offset) as numbers and as SQL text
 * parameters; false after a 400. */
struct fc_api_offset_page {
    int limit, offset;
    char limit_text[8], offset_text[8];
};
bool fc_api_offset_page(struct fc_http_req *req, struct fc_http_resp *resp,
                        struct fc_api_offset_page *pg);

/* A cached keyset list of one account: sql takes $1 fid, $2 cursor time
 * (µs, or NULL), $3 cursor hash hex, $4 limit, then the extra parameters
 * (n_extra of them, also part of the cache key). */
void fc_api_account_list(struct fc_http_req *req, struct fc_http_resp *resp, const char *kind,
                         const char *sql, int ttl_s, const char *const *extra, int n_extra);

#endif
