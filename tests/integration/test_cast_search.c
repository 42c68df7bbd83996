/* Full-text search kept behind the writer (sql/migrations/0017_cast_search.sql,
 * store/cast_search, indexer/search_job): a cast's insert queues it in the
 * writer's own transaction, whatever path wrote it; a running `fcindex serve`
 * makes it searchable within 2 s; casts queued while nothing ran are indexed
 * once a serve starts; the job outlives its connection ending; two jobs
 * share the queue; deleted casts are never found; the ingest commands
 * leave nothing queued; and casts deleted for good leave search. Casts are
 * written here by the project's writer (store/writer.h) as the indexer
 * writes them. */
#include "support/fixture.h"
#include "support/hubsim_ctl.h"
#include "support/indexrun.h"
#include "support/json.h"
#include "support/serve.h"
#include "support/store.h"

#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/base64.h"
#include "fc/decode.h"
#include "store/cast_search.h"
#include "store/db_value.h"
#include "store/writer.h"

/* db: the casts written here; db2: the ingest commands' own database */
static struct fct_fixture fx;
static struct fc_db *conn;
static struct fc_writer *w;
static struct fct_serve serve = {.pid = -1};
/* the serve process whose API search_api asks */
static struct fct_serve *asked = &serve;

/* Search must find a cast within this long of its commit. */
#define SEARCHABLE_MS 2000

/* ---- casts written through the writer ---- */

/* The hash of cast number n, as 40 hex digits. */
static void cast_hash(unsigned n, char out[41])
{
    snprintf(out, 41, "5e%08x%030x", n, 0u);
}

static void apply_item(void *ud, const struct fc_item *it)
{
    struct fc_diag d;
    if (it->kind == FC_ITEM_ERROR)
        fail_msg("decode: %s: %s", it->error_path, it->error);
    if (it->kind != FC_ITEM_MESSAGE)
        return;
    enum fc_err err = ud ? fc_writer_delete_message(w, it->message, ud, &d)
                         : fc_writer_message(w, it->message, &d);
    if (err)
        fail_msg("apply: %s", d.msg);
}

/* A transaction of the writer: begun, batched (set-wise, as backfill
 * writes) or not (row by row, as the stream follower writes). */
static void begin(bool batched)
{
    struct fc_diag d;
    fc_writer_set_batched(w, batched);
    if (fc_writer_begin(w, &d))
        fail_msg("begin: %s", d.msg);
}

static void commit(void)
{
    struct fc_diag d;
    if (fc_writer_commit(w, &d))
        fail_msg("commit: %s", d.msg);
}

static void apply_json(const char *json, const char *delete_reason)
{
    struct fc_diag d;
    if (fc_decode_buffer(FC_PAGE_AUTO, json, strlen(json), apply_item, (void *)delete_reason,
                         NULL, &d, NULL))
        fail_msg("decode: %s", d.msg);
}

static void cast_json(unsigned n, const char *text, char *out, size_t size)
{
    char h[41];
    cast_hash(n, h);
    snprintf(out, size, "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_ADD\",\"fid\":%u,\"timestamp\":"
                        "%u,\"castAddBody\":{\"text\":\"%s\"}},\"hash\":\"0x%s\"}",
             9000 + n % 7, 100000000 + n, text, h);
}

/* Cast number n with text, in the open transaction. */
static void add_cast(unsigned n, const char *text)
{
    char json[512];
    cast_json(n, text, json, sizeof(json));
    apply_json(json, NULL);
}

/* The CastRemove of cast number n by its author, in the open transaction. */
static void remove_cast(unsigned n)
{
    uint8_t target[20];
    char h[41], rm[41], b64[32];
    cast_hash(n, h);
    for (int i = 0; i < 20; i++)
        sscanf(h + 2 * i, "%2hhx", &target[i]);
    fc_base64_encode(target, sizeof(target), b64);
    cast_hash(n + 0x100000, rm);
    char json[512];
    snprintf(json, sizeof(json), "{\"data\":{\"type\":\"MESSAGE_TYPE_CAST_REMOVE\",\"fid\":%u,"
                                 "\"timestamp\":%u,\"castRemoveBody\":{\"targetHash\":\"%s\"}},"
                                 "\"hash\":\"0x%s\"}", 9000 + n % 7, 100000001 + n, b64, rm);
    apply_json(json, NULL);
}

/* Cast number n pruned by its hub (a soft delete by hash), in the open transaction. */
static void prune_cast(unsigned n)
{
    char json[512];
    cast_json(n, "", json, sizeof(json));
    apply_json(json, "pruned");
}

/* ---- what is queued, indexed, found ---- */

/* "hash,hash,..." of the queued (or indexed) casts numbered first..last, sorted */
static char *listed(const char *table, unsigned first, unsigned last)
{
    char a[41], b[41], sql[400];
    cast_hash(first, a);
    cast_hash(last, b);
    snprintf(sql, sizeof(sql), "SELECT coalesce(string_agg(encode(hash, 'hex'), ',' ORDER BY hash), "
                               "'') FROM %s WHERE hash BETWEEN decode('%s', 'hex') AND decode('%s', "
                               "'hex')", table, a, b);
    return fct_sql_value(fx.db, sql);
}

static void expect_listed(const char *table, unsigned first, unsigned last, const char *want)
{
    char *got = listed(table, first, last);
    if (strcmp(got, want) != 0)
        fail_msg("%s holds [%s], want [%s]", table, got, want);
    free(got);
}

/* The sorted, comma-joined hashes (0x...) the API's cast search answers for q. */
static char *search_api(const char *q)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/search/casts?q=%s&limit=100", asked->port,
             q);
    struct fct_http h;
    fct_http_do(url, NULL, 10000, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld %s", url, h.status, h.body.data);
    yajl_val v = yajl_tree_parse(h.body.data, NULL, 0);
    assert_non_null(v);
    char *csv = fct_json_sorted_csv(fct_json_get(v, "casts"), "hash");
    yajl_tree_free(v);
    fct_http_cleanup(&h);
    return csv;
}

/* Polls the API's search for q until it answers want (sorted "0x..."
 * hashes); the milliseconds that took, or -1 when it did not within
 * timeout_ms (the last answer then printed). */
static long long poll_search(const char *q, const char *want, int timeout_ms)
{
    long long start = fct_now_ms();
    for (;;) {
        char *got = search_api(q);
        bool same = strcmp(got, want) == 0;
        long long took = fct_now_ms() - start;
        if (same || took > timeout_ms) {
            if (!same)
                fprintf(stderr, "search %s: [%s] after %lld ms, want [%s]\n", q, got, took, want);
            free(got);
            return same ? took : -1;
        }
        free(got);
        usleep(20000);
    }
}

/* "0x<hash>" of cast number n */
static void api_hash(unsigned n, char out[43])
{
    char h[41];
    cast_hash(n, h);
    snprintf(out, 43, "0x%s", h);
}

/* A serve process on the test database; with cached false its answers are
 * not cached (each poll asks the database), else the cache has its default. */
static void serve_start(struct fct_serve *p, bool cached)
{
    struct fct_env e;
    fct_env_init(&e, fx.db, fx.hubs, "", NULL, NULL,
                 (const char *[]){"FCINDEX_API_RATE_SEARCH_PER_MIN=0", "FCINDEX_LOG_LEVEL=warn",
                                  cached ? NULL : "FCINDEX_API_CACHE_SEARCH_TTL_S=0", NULL});
    fct_serve_start(p, "api", e.vars);
}

/* ---- the tests ---- */

/* The queue is filled by the insert itself, in the writer's transaction,
 * on the row path and the set-wise path alike: a rolled-back transaction
 * queues nothing; a cast that is deleted or has no text when it is
 * inserted (a remove that came before its add) is not queued. Nothing is
 * indexed while no job runs. */
static void writer_queues_casts_in_its_transaction(void **state)
{
    (void)state;
    char h1[41], h2[41], h3[41];
    cast_hash(1, h1);
    cast_hash(2, h2);
    cast_hash(3, h3);
    begin(false);
    add_cast(1, "queued by the row path");
    fc_writer_rollback(w);
    expect_listed("cast_search_queue", 1, 99, "");
    begin(false);
    add_cast(1, "queued by the row path");
    commit();
    begin(true);
    add_cast(2, "queued by the set-wise path");
    add_cast(3, "queued too");
    commit();
    begin(false);
    remove_cast(4); /* before its add: a row without text, already deleted */
    commit();
    begin(false);
    add_cast(4, "removed before it was added");
    commit();
    char want[200];
    snprintf(want, sizeof(want), "%s,%s,%s", h1, h2, h3);
    expect_listed("cast_search_queue", 1, 99, want);
    expect_listed("cast_search", 1, 99, "");
}

/* Casts written while no search job ran (none had started, or the one
 * running crashed) stay queued and are indexed as soon as a serve process
 * starts; from then on, every cast the writer commits is found by the API
 * within SEARCHABLE_MS, and the queue ends empty. */
static void serve_makes_casts_searchable_within_2s(void **state)
{
    (void)state;
    begin(false);
    add_cast(10, "written while nothing indexed: aardvark");
    commit();
    expect_listed("cast_search", 10, 10, "");
    serve_start(&serve, false);
    char a[43];
    api_hash(10, a);
    assert_true(poll_search("aardvark", a, 10000) >= 0);
    long long worst = 0;
    for (unsigned i = 0; i < 5; i++) {
        char word[32], text[64];
        snprintf(word, sizeof(word), "quokka%c", 'a' + i);
        snprintf(text, sizeof(text), "a cast about the %s", word);
        begin(i % 2 == 1);
        add_cast(20 + i, text);
        commit();
        api_hash(20 + i, a);
        long long took = poll_search(word, a, SEARCHABLE_MS);
        if (took < 0)
            fail_msg("cast %u was not found within %d ms of its commit", 20 + i, SEARCHABLE_MS);
        worst = took > worst ? took : worst;
    }
    printf("search: a committed cast found within %lld ms (worst of 5)\n", worst);
    assert_true(fct_wait_sql(fx.db, "SELECT count(*) FROM cast_search_queue", "0", 5000));
}

/* With the search cache at its default, an answer cached before a cast's
 * commit gives way in time: asking the same again finds the new cast
 * within SEARCHABLE_MS. */
static void cached_answers_take_new_casts_within_2s(void **state)
{
    (void)state;
    struct fct_serve cached = {.pid = -1};
    serve_start(&cached, true);
    asked = &cached;
    char first[43], second[43], both[100];
    api_hash(50, first);
    api_hash(51, second);
    snprintf(both, sizeof(both), "%s,%s", first, second);
    begin(false);
    add_cast(50, "the first ibex");
    commit();
    bool seen = poll_search("ibex", first, 10000) >= 0; /* that answer is now cached */
    begin(false);
    add_cast(51, "the second ibex");
    commit();
    long long took = seen ? poll_search("ibex", both, SEARCHABLE_MS) : -1;
    asked = &serve;
    fct_serve_stop(&cached, SIGTERM);
    if (!seen)
        fail_msg("the first cast was never found");
    if (took < 0)
        fail_msg("a cached answer hid a new cast for more than %d ms", SEARCHABLE_MS);
    printf("search: a cast committed after a cached answer found within %lld ms\n", took);
}

/* A cast removed in the transaction that added it, one removed after it
 * was indexed and one pruned after it was indexed are never found; the
 * live cast with the same word is. */
static void deleted_casts_are_never_found(void **state)
{
    (void)state;
    char live[43], want[200];
    api_hash(30, live);
    begin(false);
    add_cast(30, "the live wombat");
    add_cast(31, "the wombat removed at once");
    remove_cast(31);
    add_cast(32, "the wombat removed later");
    add_cast(33, "the wombat pruned later");
    commit();
    char h[4][43];
    for (unsigned i = 0; i < 4; i++)
        api_hash(30 + i, h[i]);
    snprintf(want, sizeof(want), "%s,%s,%s", h[0], h[2], h[3]);
    assert_true(poll_search("wombat", want, 10000) >= 0);
    expect_listed("cast_search", 31, 31, ""); /* deleted when the job came: never indexed */
    begin(false);
    remove_cast(32);
    prune_cast(33);
    commit();
    /* still indexed (search asks casts what is live) and never found */
    char i32[41], i33[41];
    cast_hash(32, i32);
    cast_hash(33, i33);
    snprintf(want, sizeof(want), "%s,%s", i32, i33);
    expect_listed("cast_search", 32, 33, want);
    assert_true(poll_search("wombat", live, 0) >= 0);
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u/v1/search?q=wombat&casts=10", serve.port);
    struct fct_http r;
    fct_http_do(url, NULL, 10000, &r);
    assert_int_equal(r.status, 200);
    yajl_val v = yajl_tree_parse(r.body.data, NULL, 0);
    yajl_val casts = fct_json_get(v, "casts");
    char *items = fct_json_sorted_csv(fct_json_get(casts, "items"), "hash");
    assert_string_equal(items, live);
    assert_int_equal(YAJL_GET_INTEGER(fct_json_get(casts, "count")), 1);
    free(items);
    yajl_tree_free(v);
    fct_http_cleanup(&r);
}

/* The job's connection ends (PostgreSQL restarted, or ended the session):
 * the job connects again and indexes what comes next. */
static void job_outlives_its_connection(void **state)
{
    (void)state;
    assert_true(serve.pid > 0);
    /* the job's session is the one whose statement reads the queue */
    assert_true(fct_sql_ll(fx.db, "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                                  "WHERE datname = current_database() AND pid <> pg_backend_pid() "
                                  "AND query LIKE '%FROM cast_search_queue WHERE ctid%'") >= 1);
    begin(false);
    add_cast(40, "the narwhal after the outage");
    commit();
    char a[43];
    api_hash(40, a);
    assert_true(poll_search("narwhal", a, 10000) >= 0);
    /* and stops cleanly with its process */
    struct fc_buf out = FC_BUF_INIT;
    fct_signal(serve.pid, SIGTERM);
    assert_int_equal(fct_wait(serve.pid, serve.fd, &out), 0);
    serve.pid = -1;
    fct_assert_no_sanitizer_report("serve --role=api", out.data);
    fc_buf_cleanup(&out);
}

struct taker {
    struct fc_db *db;
    size_t taken, indexed, batches;
    uint64_t left; /* queued when it found nothing more to take */
    enum fc_err err;
    char msg[FC_DIAG_MAX];
};

static void *take_all(void *arg)
{
    struct taker *t = arg;
    size_t taken = 1, indexed;
    struct fc_diag d;
    while (!t->err && taken) {
        t->err = fc_cast_search_index_batch(t->db, 300, &taken, &indexed, &d);
        t->taken += taken;
        t->indexed += indexed;
        t->batches++;
    }
    if (!t->err)
        t->err = fc_db_query_u64(t->db, "SELECT count(*) FROM cast_search_queue", 0, NULL,
                                 &t->left, NULL, &d);
    if (t->err)
        snprintf(t->msg, sizeof(t->msg), "%s", d.msg);
    return NULL;
}

/* Two jobs emptying one queue at once (two serve processes) never take
 * the same queued cast twice and leave none behind; neither waits for the
 * other's rows, so one that finds nothing to take has nothing left but the
 * batch the other is taking. */
static void jobs_share_the_queue(void **state)
{
    (void)state;
    free(fct_sql_value(fx.db2, "INSERT INTO casts (hash, fid, text) SELECT decode('ee' || "
                               "lpad(to_hex(i), 38, '0'), 'hex'), 7, 'shared ' || i FROM "
                               "generate_series(1, 6000) i"));
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search_queue", "6000");
    struct taker t[2] = {{.db = fct_db_connect(fx.db2)}, {.db = fct_db_connect(fx.db2)}};
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        assert_int_equal(pthread_create(&th[i], NULL, take_all, &t[i]), 0);
    for (int i = 0; i < 2; i++) {
        pthread_join(th[i], NULL);
        fc_db_close(t[i].db);
        if (t[i].err)
            fail_msg("job %d: %s", i, t[i].msg);
    }
    printf("search: two jobs took %zu and %zu casts in %zu and %zu batches, leaving %llu and "
           "%llu\n", t[0].taken, t[1].taken, t[0].batches, t[1].batches,
           (unsigned long long)t[0].left, (unsigned long long)t[1].left);
    assert_true(t[0].left <= 300 && t[1].left <= 300);
    assert_int_equal(t[0].taken + t[1].taken, 6000);
    assert_int_equal(t[0].indexed + t[1].indexed, 6000);
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search_queue", "0");
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search WHERE tsv @@ 'shared'::tsquery",
                   "6000");
}

/* `backfill --wait` and `sync --until-head` are how a database is filled
 * without a serve: each runs the search job while it writes, and indexes
 * what it queued (and what it found queued) before it exits (`import` too:
 * test_export_import). */
static void ingest_commands_leave_nothing_queued(void **state)
{
    (void)state;
    struct fct_env e;
    fct_env_init(&e, fx.db2, fx.hubs, "", NULL, NULL,
                 (const char *[]){"FCINDEX_STRATEGY_ROOT_TARGETS=1,2", "FCINDEX_LOG_LEVEL=warn",
                                  NULL});
    static const char complete[] =
        "SELECT (SELECT count(*) FROM cast_search_queue) || ' ' || ((SELECT count(*) FROM casts "
        "WHERE deleted_at IS NULL AND text IS NOT NULL) = (SELECT count(*) FROM cast_search s "
        "JOIN casts c USING (hash) WHERE c.deleted_at IS NULL AND s.tsv = to_tsvector('simple', "
        "c.text))) || ' ' || ((SELECT count(*) FROM cast_search) > 0)";
    /* Slow pages keep the backfill writing for a while: its search job
     * (which says what it took at debug level) indexes casts meanwhile. */
    struct fct_env slow;
    fct_env_init(&slow, fx.db2, fx.hubs, "", NULL, NULL,
                 (const char *[]){"FCINDEX_STRATEGY_ROOT_TARGETS=1,2", "FCINDEX_LOG_LEVEL=debug",
                                  NULL});
    fct_hubsim_faults(fx.sim_port, "{\"endpoint\":\"/v1/castsByFid\",\"latency_ms\":400}");
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_index_cmd(slow.vars, "backfill", "--all-unsynced", "--wait", NULL, &out);
    fct_hubsim_faults(fx.sim_port, "{\"clear\":true}");
    assert_int_equal(rc, 0);
    if (!strstr(out.data ? out.data : "", "queued casts taken"))
        fail_msg("the search job indexed nothing while the backfill wrote");
    fc_buf_cleanup(&out);
    fct_assert_sql(fx.db2, complete, "0 true true");
    /* a cast queued by some other writer is indexed by the next command */
    free(fct_sql_value(fx.db2, "INSERT INTO casts (hash, fid, text) VALUES "
                               "(decode(repeat('5f', 20), 'hex'), 1, 'left queued')"));
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search_queue", "1");
    assert_int_equal(fct_index_cmd(e.vars, "sync", "--until-head", NULL, NULL, NULL), 0);
    fct_assert_sql(fx.db2, complete, "0 true true");
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search WHERE tsv @@ 'queued'::tsquery", "1");
}

/* Casts deleted for good (an account's rows cleaned up, a table emptied)
 * take their search rows with them. */
static void hard_deleted_casts_leave_search(void **state)
{
    (void)state;
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search WHERE tsv @@ 'shared'::tsquery",
                   "6000");
    free(fct_sql_value(fx.db2, "DELETE FROM casts WHERE fid = 7 AND text LIKE 'shared 1%'"));
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search WHERE tsv @@ 'shared'::tsquery",
                   "4889"); /* 6000 less 1, 10-19, 100-199, 1000-1999 */
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search s LEFT JOIN casts c USING (hash) "
                           "WHERE c.hash IS NULL", "0");
    free(fct_sql_value(fx.db2, "TRUNCATE casts"));
    fct_assert_sql(fx.db2, "SELECT count(*) FROM cast_search", "0");
}

static int setup(void **state)
{
    *state = &fx;
    fct_db_create_migrated("search", fx.db, sizeof(fx.db));
    fct_db_create_migrated("search2", fx.db2, sizeof(fx.db2));
    fct_fixture_hubsim(&fx, (const char *[]){"--seed", "5", "--fids", "40", "--history-ticks",
                                             "10", NULL});
    conn = fct_db_connect(fx.db);
    struct fc_diag d;
    if (fc_writer_new(conn, &w, &d))
        fail_msg("%s", d.msg);
    return 0;
}

static int teardown(void **state)
{
    fct_serve_stop(&serve, SIGKILL);
    fc_writer_free(w);
    fc_db_close(conn);
    return fct_fixture_teardown(state);
}

FCT_MAIN_NEEDS_DB(setup, teardown, writer_queues_casts_in_its_transaction,
                  serve_makes_casts_searchable_within_2s, cached_answers_take_new_casts_within_2s,
                  deleted_casts_are_never_found,
                  job_outlives_its_connection, jobs_share_the_queue,
                  ingest_commands_leave_nothing_queued, hard_deleted_casts_leave_search)
