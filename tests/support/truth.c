/* The database against `hubsim truth`: the target set with how each got
 * in, and each target's own live casts, removed casts, follows, reactions,
 * verifications, profile, app and addresses. */
#include "support/truth.h"

#include "support/json.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

yajl_val fct_hubsim_truth(const char *const *truth_argv)
{
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run(truth_argv, NULL, &out) != 0)
        fail_msg("hubsim truth: %s", out.data);
    char err[128];
    yajl_val truth = yajl_tree_parse(out.data, err, sizeof(err));
    fc_buf_cleanup(&out);
    assert_non_null(truth);
    return truth;
}

char *fct_truth_target_set(yajl_val truth, bool sources)
{
    yajl_val targets = fct_json_get(truth, "targets");
    struct fc_buf set = FC_BUF_INIT;
    fc_buf_puts(&set, "");
    for (size_t i = 0; i < YAJL_GET_ARRAY(targets)->len; i++) {
        yajl_val t = YAJL_GET_ARRAY(targets)->values[i];
        fc_buf_printf(&set, "%s%lld:%s", i ? "," : "", YAJL_GET_INTEGER(fct_json_get(t, "fid")),
                      YAJL_IS_TRUE(fct_json_get(t, "is_root")) ? "t" : "f");
        if (sources)
            fc_buf_printf(&set, ":%s", YAJL_GET_STRING(fct_json_get(t, "source")));
    }
    return fc_buf_take(&set);
}

size_t fct_assert_target_set(const char *db, yajl_val truth, const char *what)
{
    char *want = fct_truth_target_set(truth, true);
    expect(db, "SELECT string_agg(fid||':'||(CASE WHEN is_root THEN 't' ELSE 'f' END)||':'||source, ',' "
               "ORDER BY fid) FROM targets", want, what, 0);
    free(want);
    return YAJL_GET_ARRAY(fct_json_get(truth, "targets"))->len;
}

size_t fct_assert_equals_truth(const char *db, const char *const *truth_argv, size_t *clients_out)
{
    yajl_val truth = fct_hubsim_truth(truth_argv);
    yajl_val targets = fct_json_get(truth, "targets");
    size_t nt = fct_assert_target_set(db, truth, "target set");
    size_t clients = 0;
    for (size_t i = 0; i < nt; i++) {
        yajl_val source = fct_json_get(YAJL_GET_ARRAY(targets)->values[i], "source");
        clients += YAJL_IS_STRING(source) && strcmp(source->u.string, "client") == 0;
    }
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
        for (size_t j = i; j > 0 && YAJL_GET_INTEGER(fct_json_get(sorted[j - 1], "fid")) >
                                        YAJL_GET_INTEGER(fct_json_get(sorted[j], "fid")); j--) {
            yajl_val x = sorted[j];
            sorted[j] = sorted[j - 1];
            sorted[j - 1] = x;
        }
    for (size_t i = 0; i < nt; i++, row = strtok_r(NULL, "\x1e", &row_save)) {
        yajl_val t = sorted[i];
        long long fid = YAJL_GET_INTEGER(fct_json_get(t, "fid"));
        if (!row)
            fail_msg("fid %lld: no row in the database", fid);
        char *want_f[N_FIELDS];
        want_f[0] = fct_json_sorted_csv(fct_json_get(t, "casts"), NULL);
        want_f[1] = fct_json_sorted_csv(fct_json_get(t, "removed_casts"), NULL);
        want_f[2] = fct_json_sorted_csv(fct_json_get(t, "follows"), NULL);
        want_f[3] = fct_json_sorted_csv(fct_json_get(t, "reactions"), "hash");
        char tmp[64];
        snprintf(tmp, sizeof(tmp), "%zu",
                 YAJL_GET_ARRAY(fct_json_get(t, "verifications"))->len);
        want_f[4] = fc_xstrdup(tmp);
        static const char *const profile_keys[] = {"username", "display", "bio", "pfp",
                                                   "url", "location", "twitter", "github"};
        for (size_t k = 0; k < 8; k++) {
            yajl_val v = fct_json_get(fct_json_get(t, "profile"), profile_keys[k]);
            want_f[5 + k] = fc_xstrdup(v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "");
        }
        snprintf(tmp, sizeof(tmp), "%lld", YAJL_GET_INTEGER(fct_json_get(t, "app_fid")));
        want_f[13] = fc_xstrdup(tmp);
        /* after REGISTER, TRANSFER (empty recovery) and CHANGE_RECOVERY (empty to/from) */
        want_f[14] = fc_xstrdup(YAJL_GET_STRING(fct_json_get(t, "custody_address")));
        want_f[15] = fc_xstrdup(YAJL_GET_STRING(fct_json_get(t, "recovery_address")));
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
