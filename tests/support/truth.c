/* The database against `hubsim truth`: the target set with how each got
 * in, and each target's own live casts, removed casts, follows, reactions,
 * verifications, profile, app and addresses. */
#include "support/truth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return yajl_tree_get(v, p, yajl_t_any);
}

static char *sorted_csv(yajl_val arr, const char *field)
{
    struct fc_buf sql = FC_BUF_INIT;
    fc_buf_puts(&sql, "");
    size_t n = arr && YAJL_IS_ARRAY(arr) ? YAJL_GET_ARRAY(arr)->len : 0;
    char **items = fc_xcalloc(n + 1, sizeof(char *));
    for (size_t i = 0; i < n; i++) {
        yajl_val v = YAJL_GET_ARRAY(arr)->values[i];
        if (field)
            v = get(v, field);
        char tmp[128];
        if (YAJL_IS_STRING(v))
            snprintf(tmp, sizeof(tmp), "%s", YAJL_GET_STRING(v));
        else
            snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(v));
        items[i] = fc_xstrdup(tmp);
    }
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            if (strcmp(items[i], items[j]) > 0) {
                char *t = items[i];
                items[i] = items[j];
                items[j] = t;
            }
    for (size_t i = 0; i < n; i++) {
        fc_buf_printf(&sql, "%s%s", i ? "," : "", items[i]);
        free(items[i]);
    }
    free(items);
    return fc_buf_take(&sql);
}

static void expect(const char *db, const char *sql, const char *want, const char *what,
                   long long fid)
{
    char *got = fct_sql_value(db, sql);
    if (strcmp(got, want) != 0) {
        /* show where they part, since the lists run to thousands of characters */
        size_t at = 0;
        while (got[at] && got[at] == want[at])
            at++;
        size_t from = at > 120 ? at - 120 : 0;
        fail_msg("fid %lld %s, first difference at character %zu:\n got  [...%.300s]\n "
                 "want [...%.300s]", fid, what, at, got + from, want + from);
    }
    free(got);
}

size_t fct_assert_equals_truth(const char *db, const char *const *truth_argv, size_t *clients_out)
{
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run(truth_argv, NULL, &out) != 0)
        fail_msg("hubsim truth: %s", out.data);
    char err[128];
    yajl_val truth = yajl_tree_parse(out.data, err, sizeof(err));
    fc_buf_cleanup(&out);
    assert_non_null(truth);
    yajl_val targets = get(truth, "targets");
    /* the target set, with how each got in */
    struct fc_buf want = FC_BUF_INIT;
    fc_buf_puts(&want, "");
    size_t nt = YAJL_GET_ARRAY(targets)->len;
    size_t clients = 0;
    for (size_t i = 0; i < nt; i++) {
        yajl_val t = YAJL_GET_ARRAY(targets)->values[i];
        const char *src = YAJL_GET_STRING(get(t, "source"));
        clients += strcmp(src, "client") == 0;
        fc_buf_printf(&want, "%s%lld:%s:%s", i ? "," : "", YAJL_GET_INTEGER(get(t, "fid")),
                      YAJL_IS_TRUE(get(t, "is_root")) ? "t" : "f", src);
    }
    expect(db, "SELECT string_agg(fid||':'||(CASE WHEN is_root THEN 't' ELSE 'f' END)||':'||source, ',' "
               "ORDER BY fid) FROM targets", want.data, "target set", 0);
    fc_buf_cleanup(&want);
    /* each target's own state: the database's in one query (a row per target,
     * ordered by fid), the truth's built alongside, compared field by field */
    static const char *const names[] = {"live casts", "removed casts", "follows", "reactions",
                                        "verifications", "username", "display", "bio", "pfp",
                                        "url", "location", "twitter", "github", "app_fid",
                                        "custody_address", "recovery_address"};
    enum { N_FIELDS = sizeof(names) / sizeof(names[0]) };
    static const char rows_sql[] =
        "SELECT coalesce(string_agg(concat_ws(chr(31), t.fid,"
        " (SELECT coalesce(string_agg('0x'||encode(hash,'hex'), ',' ORDER BY '0x'||encode(hash,'hex')), '')"
        "   FROM casts WHERE fid = t.fid AND deleted_at IS NULL AND text IS NOT NULL),"
        " coalesce(rc.hashes, ''),"
        " (SELECT coalesce(string_agg(x, ',' ORDER BY x), '') FROM (SELECT DISTINCT target_fid::text x"
        "   FROM links WHERE fid = t.fid AND NOT is_remove AND deleted_at IS NULL) f),"
        " (SELECT coalesce(string_agg('0x'||encode(hash,'hex'), ',' ORDER BY '0x'||encode(hash,'hex')), '')"
        "   FROM reactions WHERE fid = t.fid AND NOT is_remove AND deleted_at IS NULL),"
        " (SELECT count(*) FROM verifications WHERE fid = t.fid AND NOT is_remove AND deleted_at IS NULL),"
        " coalesce(u.username, ''), coalesce(u.display_name, ''), coalesce(u.bio, ''),"
        " coalesce(u.pfp_url, ''), coalesce(u.url, ''), coalesce(u.location, ''),"
        " coalesce(u.twitter, ''), coalesce(u.github, ''), coalesce(u.app_fid, 0),"
        " coalesce('0x' || encode(u.custody_address, 'hex'), ''),"
        " coalesce('0x' || encode(u.recovery_address, 'hex'), '')), chr(30) ORDER BY t.fid), '')"
        " FROM targets t LEFT JOIN users u ON u.fid = t.fid"
        /* removed casts grouped once: no index serves them per fid (the
         * casts index skips deleted rows), a scan per target took minutes */
        " LEFT JOIN (SELECT fid, string_agg('0x'||encode(hash,'hex'), ',' ORDER BY"
        "   '0x'||encode(hash,'hex')) hashes FROM casts WHERE deleted_reason = 'removed'"
        "   GROUP BY fid) rc ON rc.fid = t.fid";
    char *got_all = fct_sql_value(db, rows_sql);
    char *row_save = NULL;
    char *row = strtok_r(got_all, "\x1e", &row_save);
    /* the truth's targets in fid order, as the query's */
    yajl_val *sorted = fc_xcalloc(nt + 1, sizeof(*sorted));
    for (size_t i = 0; i < nt; i++)
        sorted[i] = YAJL_GET_ARRAY(targets)->values[i];
    for (size_t i = 1; i < nt; i++)
        for (size_t j = i; j > 0 && YAJL_GET_INTEGER(get(sorted[j - 1], "fid")) >
                                        YAJL_GET_INTEGER(get(sorted[j], "fid")); j--) {
            yajl_val x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    for (size_t i = 0; i < nt; i++, row = strtok_r(NULL, "\x1e", &row_save)) {
        yajl_val t = sorted[i];
        long long fid = YAJL_GET_INTEGER(get(t, "fid"));
        if (!row)
            fail_msg("fid %lld: no row in the database", fid);
        char *want_f[N_FIELDS];
        want_f[0] = sorted_csv(get(t, "casts"), NULL);
        want_f[1] = sorted_csv(get(t, "removed_casts"), NULL);
        want_f[2] = sorted_csv(get(t, "follows"), NULL);
        want_f[3] = sorted_csv(get(t, "reactions"), "hash");
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%zu", YAJL_GET_ARRAY(get(t, "verifications"))->len);
        want_f[4] = fc_xstrdup(tmp);
        static const char *const profile_keys[] = {"username", "display", "bio", "pfp",
                                                   "url", "location", "twitter", "github"};
        for (size_t k = 0; k < 8; k++) {
            yajl_val v = get(get(t, "profile"), profile_keys[k]);
            want_f[5 + k] = fc_xstrdup(v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
        }
        snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(get(t, "app_fid")));
        want_f[13] = fc_xstrdup(tmp);
        /* after REGISTER, TRANSFER (empty recovery) and CHANGE_RECOVERY (empty to/from) */
        want_f[14] = fc_xstrdup(YAJL_GET_STRING(get(t, "custody_address")));
        want_f[15] = fc_xstrdup(YAJL_GET_STRING(get(t, "recovery_address")));
        /* the row: fid, then the fields (split by hand: fields may be empty) */
        char *cur = row;
        char *sep = strchr(cur, '\x1f');
        if (!sep || strtoll(cur, NULL, 10) != fid)
            fail_msg("fid %lld: the database's row is for %.20s", fid, cur);
        cur = sep + 1;
        for (size_t k = 0; k < N_FIELDS; k++) {
            sep = strchr(cur, '\x1f');
            size_t len = sep ? (size_t)(sep - cur) : strlen(cur);
            if (strlen(want_f[k]) != len || strncmp(cur, want_f[k], len) != 0)
                fail_msg("fid %lld %s:\n got  [%.*s]\n want [%.300s]", fid, names[k],
                         (int)(len > 300 ? 300 : len), cur, want_f[k]);
            free(want_f[k]);
            cur = sep ? sep + 1 : cur + len;
        }
    }
    free(sorted);
    free(got_all);
    yajl_tree_free(truth);
    if (clients_out)
        *clients_out = clients;
    return nt;
}
