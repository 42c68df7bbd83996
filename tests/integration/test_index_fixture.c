/* End to end on the recorded fixture corpus, both dialects: the simulator
 * serves it, `fcindex backfill --all-unsynced --wait` and `fcindex sync
 * --until-head` run against a real PostgreSQL, and the tables must hold
 * exactly the fixture's ground truth (expected.json). Running both commands
 * a second time changes nothing. */
#include "core/hex.h"
#include "fc/bytes.h"
#include "support/json.h"
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return yajl_tree_get(v, p, yajl_t_any);
}

static void expect_sql(const char *url, const char *sql, const char *want, const char *what,
                       const char *fid)
{
    char *got = fct_sql_value(url, sql);
    if (strcmp(got, want) != 0)
        fail_msg("fid %s %s:\n  got  [%s]\n  want [%s]", fid, what, got, want);
    free(got);
}

/* expect_sql wanting the fixture's list, sorted and comma-joined. */
static void expect_sql_list(const char *url, const char *sql, yajl_val list, const char *what,
                            const char *fid)
{
    char *want = fct_json_sorted_csv(list, NULL);
    expect_sql(url, sql, want, what, fid);
    free(want);
}

/* expect_sql wanting "likes,recasts" of the fixture's counts object. */
static void expect_sql_likes_recasts(const char *url, const char *sql, yajl_val counts,
                                     const char *what, const char *fid)
{
    char want[64];
    snprintf(want, sizeof(want), "%lld,%lld", YAJL_GET_INTEGER(get(counts, "likes")),
             YAJL_GET_INTEGER(get(counts, "recasts")));
    expect_sql(url, sql, want, what, fid);
}

static void check_against_expected(const char *url, yajl_val expected)
{
    yajl_val fids = get(expected, "fids");
    char sql[1024];
    for (size_t i = 0; i < YAJL_GET_OBJECT(fids)->len; i++) {
        const char *fid = YAJL_GET_OBJECT(fids)->keys[i];
        yajl_val e = YAJL_GET_OBJECT(fids)->values[i];
        /* casts: live, removed, pruned, revoked */
        static const struct {
            const char *key, *cond;
        } sets[] = {
            {"live_cast_hashes", "deleted_at IS NULL AND text IS NOT NULL"},
            {"removed_cast_hashes", "deleted_reason = 'removed'"},
            {"pruned_cast_hashes", "deleted_reason = 'pruned'"},
            {"revoked_cast_hashes", "deleted_reason = 'revoked'"},
        };
        for (size_t k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
            snprintf(sql, sizeof(sql),
                     "SELECT coalesce(string_agg('0x' || encode(hash, 'hex'), ',' ORDER BY "
                     "'0x' || encode(hash, 'hex')), '') FROM casts WHERE fid = %s AND %s",
                     fid, sets[k].cond);
            expect_sql_list(url, sql, get(e, sets[k].key), sets[k].key, fid);
        }
        snprintf(sql, sizeof(sql),
                 "SELECT coalesce(string_agg(t, ',' ORDER BY t), '') FROM (SELECT DISTINCT "
                 "target_fid::text AS t FROM links WHERE fid = %s AND type = 'follow' AND NOT "
                 "is_remove AND deleted_at IS NULL) x", fid);
        expect_sql_list(url, sql, get(e, "live_follows"), "live_follows", fid);
        /* verified addresses */
        snprintf(sql, sizeof(sql),
                 "SELECT coalesce(string_agg('0x' || encode(address, 'hex'), ',' ORDER BY "
                 "'0x' || encode(address, 'hex')), '') FROM verifications WHERE fid = %s AND "
                 "protocol = 0 AND NOT is_remove AND deleted_at IS NULL", fid);
        expect_sql_list(url, sql, get(get(e, "verified_addresses"), "ethereum"),
                        "ethereum addresses", fid);
        size_t nsol = YAJL_GET_ARRAY(get(get(e, "verified_addresses"), "solana"))->len;
        snprintf(sql, sizeof(sql),
                 "SELECT count(*) FROM verifications WHERE fid = %s AND protocol = 1 AND "
                 "NOT is_remove AND deleted_at IS NULL", fid);
        char wantn[32];
        snprintf(wantn, sizeof(wantn), "%zu", nsol);
        expect_sql(url, sql, wantn, "solana address count", fid);
        /* apps with a live signer, and the reactions this fid made */
        snprintf(sql, sizeof(sql),
                 "SELECT coalesce(string_agg(t, ',' ORDER BY t), '') FROM (SELECT DISTINCT "
                 "request_fid::text AS t FROM signers WHERE fid = %s AND removed_at IS NULL AND "
                 "request_fid IS NOT NULL) x", fid);
        expect_sql_list(url, sql, get(e, "active_signer_app_fids"), "active_signer_app_fids",
                        fid);
        yajl_val made = get(e, "reactions_made");
        if (made) {
            snprintf(sql, sizeof(sql),
                     "SELECT count(*) FILTER (WHERE type = 1) || ',' || count(*) FILTER (WHERE "
                     "type = 2) FROM reactions WHERE fid = %s AND NOT is_remove AND deleted_at "
                     "IS NULL", fid);
            expect_sql_likes_recasts(url, sql, made, "reactions_made", fid);
        }
        /* reaction counts per live cast */
        yajl_val counts = get(e, "cast_reaction_counts");
        for (size_t c = 0; counts && c < YAJL_GET_OBJECT(counts)->len; c++) {
            const char *hash = YAJL_GET_OBJECT(counts)->keys[c];
            snprintf(sql, sizeof(sql),
                     "SELECT count(*) FILTER (WHERE type = 1) || ',' || count(*) FILTER (WHERE "
                     "type = 2) FROM reactions WHERE target_hash = decode('%s', 'hex') AND NOT "
                     "is_remove AND deleted_at IS NULL", hash + 2);
            expect_sql_likes_recasts(url, sql, YAJL_GET_OBJECT(counts)->values[c], hash, fid);
        }
        /* profile fields */
        static const struct {
            const char *key, *column;
        } prof[] = {{"username", "username"}, {"display", "display_name"}, {"pfp", "pfp_url"},
                    {"bio", "bio"}, {"url", "url"}, {"location", "location"},
                    {"twitter", "twitter"}, {"github", "github"}, {"banner", "banner"},
                    {"live_at", "live_at"}, {"profile_token", "profile_token"},
                    {"primary_address_ethereum", "'0x' || encode(primary_address_ethereum, 'hex')"}};
        yajl_val profile = get(e, "profile");
        for (size_t k = 0; k < sizeof(prof) / sizeof(prof[0]); k++) {
            yajl_val v = get(profile, prof[k].key);
            const char *w = v && YAJL_IS_STRING(v) ? YAJL_GET_STRING(v) : "";
            snprintf(sql, sizeof(sql), "SELECT coalesce(%s, '') FROM users WHERE fid = %s",
                     prof[k].column, fid);
            expect_sql(url, sql, w, prof[k].key, fid);
        }
        /* Solana: stored as bytes, compared in the fixture's base58 */
        yajl_val sol = get(profile, "primary_address_solana");
        snprintf(sql, sizeof(sql), "SELECT coalesce(encode(primary_address_solana, 'hex'), '') "
                                   "FROM users WHERE fid = %s", fid);
        char *hex = fct_sql_value(url, sql);
        char got58[128] = "";
        uint8_t raw[64];
        size_t nraw = 0;
        struct fc_diag hexdiag = {{0}};
        if (*hex && fc_hex_decode(hex, strlen(hex), false, raw, sizeof(raw), &nraw, &hexdiag) == FC_OK)
            fc_base58_encode(raw, nraw, got58, sizeof(got58));
        free(hex);
        const char *want58 = sol && YAJL_IS_STRING(sol) ? YAJL_GET_STRING(sol) : "";
        if (strcmp(got58, want58) != 0)
            fail_msg("fid %s primary_address_solana: want '%s', got '%s'", fid, want58, got58);
        /* the addresses the fixture knows (its key is the column's name) */
        static const char *const addresses[] = {"recovery_address", "custody_address"};
        for (size_t k = 0; k < sizeof(addresses) / sizeof(addresses[0]); k++) {
            yajl_val a = get(e, addresses[k]);
            if (!a || !YAJL_IS_STRING(a))
                continue;
            snprintf(sql, sizeof(sql), "SELECT '0x' || encode(%s, 'hex') FROM users WHERE fid = %s",
                     addresses[k], fid);
            expect_sql(url, sql, YAJL_GET_STRING(a), addresses[k], fid);
        }
        /* the app the user signed up through */
        yajl_val app = get(e, "app_fid");
        char wapp[32] = "";
        if (app && YAJL_IS_INTEGER(app))
            snprintf(wapp, sizeof(wapp), "%lld", YAJL_GET_INTEGER(app));
        snprintf(sql, sizeof(sql), "SELECT coalesce(app_fid::text, '') FROM users WHERE fid = %s",
                 fid);
        expect_sql(url, sql, wapp, "app_fid", fid);
        yajl_val fname = get(e, "fname");
        if (fname && YAJL_IS_STRING(fname)) {
            snprintf(sql, sizeof(sql), "SELECT coalesce(string_agg(name, ','), '') FROM "
                                       "username_proofs WHERE fid = %s AND type = 1 AND deleted_at "
                                       "IS NULL", fid);
            expect_sql(url, sql, YAJL_GET_STRING(fname), "fname", fid);
        }
    }
    /* reactions to URLs */
    yajl_val urls = get(expected, "url_reaction_counts");
    for (size_t i = 0; urls && i < YAJL_GET_OBJECT(urls)->len; i++) {
        yajl_val cv = YAJL_GET_OBJECT(urls)->values[i];
        char w[64];
        snprintf(w, sizeof(w), "%lld", YAJL_GET_INTEGER(get(cv, "likes")));
        snprintf(sql, sizeof(sql), "SELECT count(*) FROM reactions WHERE target_url = '%s' AND "
                                   "type = 1 AND NOT is_remove AND deleted_at IS NULL",
                 YAJL_GET_OBJECT(urls)->keys[i]);
        expect_sql(url, sql, w, YAJL_GET_OBJECT(urls)->keys[i], "url");
    }
    /* totals */
    yajl_val totals = get(get(expected, "meta"), "totals");
    char w[32];
    snprintf(w, sizeof(w), "%lld", YAJL_GET_INTEGER(get(totals, "casts_live")));
    expect_sql(url, "SELECT count(*) FROM casts WHERE deleted_at IS NULL AND text IS NOT NULL", w,
               "casts_live", "all");
    expect_sql(url, "SELECT count(*) FROM dead_letters", "0", "dead letters", "all");
}

static const char *redis_prefix(int port)
{
    static char prefix[128];
    snprintf(prefix, sizeof(prefix), "fctest:%d:fixture:%d:", (int)getpid(), port);
    return prefix;
}

/* The run used Redis: the target set under the prefix holds at least as
 * many fids as PostgreSQL has targets (an embedded run leaves it empty). */
static void assert_used_redis(const char *url, int port)
{
    char key[200];
    snprintf(key, sizeof(key), "%stargets", redis_prefix(port));
    long long in_redis = fct_redis_int("SCARD %s", key);
    char *in_pg = fct_sql_value(url, "SELECT count(*) FROM targets");
    if (in_redis == 0 || in_redis < strtoll(in_pg, NULL, 10))
        fail_msg("Redis set %s holds %lld targets, PostgreSQL %s: not run on Redis", key,
                 in_redis, in_pg);
    free(in_pg);
}

static int run_cmd(const char *url, int port, const char *roots, const char *const *args)
{
    char e1[512], e2[128], e3[2048], e4[128];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", url);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=http://127.0.0.1:%d", port);
    snprintf(e3, sizeof(e3), "FCINDEX_STRATEGY_ROOT_TARGETS=%s", roots);
    snprintf(e4, sizeof(e4), "FCINDEX_STRATEGY_TARGET_CLIENTS=9152,309857,22640");
    /* Redis-backed target sets, under a prefix of this test's own */
    char e5[160], e6[300];
    snprintf(e5, sizeof(e5), "FCINDEX_REDIS_PREFIX=%s", redis_prefix(port));
    snprintf(e6, sizeof(e6), "REDIS_URL=%s", getenv("REDIS_URL"));
    const char *env[] = {e1, e2, e3, e4, e5, e6, "FCINDEX_LOG_LEVEL=warn", NULL};
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_fcindex(args, env, &out);
    if (rc != 0)
        fprintf(stderr, "%s %s: %s\n", args[0], args[1] ? args[1] : "", out.data);
    fc_buf_cleanup(&out);
    return rc;
}

static void index_dialect(const char *dialect)
{
    fct_redis_or_skip(); /* before anything starts */
    const char *dir = fct_require_env("FCINDEX_FIXTURES");
    yajl_val expected = fct_json_fixture("expected.json");
    char *roots = fct_json_keys_csv(get(expected, "fids"));

    int port;
    int pid = fct_hubsim_start((const char *[]){"--corpus", dir, "--flavour", dialect, NULL}, &port);
    char url[512];
    fct_db_create(dialect, url, sizeof(url));
    assert_int_equal(run_cmd(url, port, roots, (const char *[]){"migrate", NULL}), 0);
    for (int round = 0; round < 2; round++) {
        /* the second round must change nothing */
        assert_int_equal(run_cmd(url, port, roots,
                                 (const char *[]){"backfill", "--all-unsynced", "--wait", NULL}), 0);
        assert_int_equal(run_cmd(url, port, roots,
                                 (const char *[]){"sync", "--until-head", NULL}), 0);
        check_against_expected(url, expected);
        assert_used_redis(url, port);
        if (round == 0) /* make every target pending again */
            free(fct_sql_value(url, "UPDATE targets SET last_synced_at = NULL"));
    }
    fct_hubsim_stop(pid);
    fct_db_drop(url);
    free(roots);
    yajl_tree_free(expected);
}

static void snapchain_corpus(void **state)
{
    (void)state;
    index_dialect("snapchain");
}

static void hubble_corpus(void **state)
{
    (void)state;
    index_dialect("hubble");
}

FCT_MAIN_NEEDS_DB(NULL, NULL, snapchain_corpus, hubble_corpus)
