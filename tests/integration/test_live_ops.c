/* Live operation: backfill workers and the event follower writing at the
 * same time never deadlock (PostgreSQL counts none for the test database),
 * and the result equals a run without the concurrency; the Snapchain shards
 * are read in turns; PostgreSQL and Redis
 * restarted under a running indexer cost a few seconds and change nothing,
 * with a bounded log meanwhile. */
#include "support/indexrun.h"
#include "support/truth.h"

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/fctime.h"

/* Many accounts, a long retained stream: the follower replays the stream
 * while the workers backfill the same accounts (the state `make run` starts in). */
#define NET_ARGS "--seed", "7", "--fids", "2000", "--history-ticks", "60"

struct env {
    char db[512], hubs[64]; /* when made by env_new */
    char e_db[600], e_hubs[300];
    const char *vars[10];
};

static void env_init(struct env *e, const char *db, const char *hubs)
{
    snprintf(e->e_db, sizeof(e->e_db), "DATABASE_URL=%s", db);
    snprintf(e->e_hubs, sizeof(e->e_hubs), "FCINDEX_HUBS_URLS=%s", hubs);
    /* the tests replace entries by position */
    const char *v[] = {e->e_db, e->e_hubs, "FCINDEX_STRATEGY_ROOT_TARGETS=2,3",
                       "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", "FCINDEX_LOG_LEVEL=warn",
                       "REDIS_URL=", "FCINDEX_CONCURRENCY_BACKFILL_WORKERS=4", NULL};
    memcpy(e->vars, v, sizeof(v));
}

static int fcindex(struct env *e, const char *a, const char *b, const char *c)
{
    return fct_index_cmd(e->vars, a, b, c, NULL, NULL);
}

/* A migrated throwaway database named by tag (e->db) and the indexer's
 * environment for it and the simulator on port (e->hubs). */
static void env_new(struct env *e, const char *tag, int port)
{
    snprintf(e->hubs, sizeof(e->hubs), "http://127.0.0.1:%d", port);
    fct_db_create(tag, e->db, sizeof(e->db));
    env_init(e, e->db, e->hubs);
    assert_int_equal(fcindex(e, "migrate", NULL, NULL), 0);
}

/* Every target's own live state. Deleted rows are left out: the filtering
 * rule keeps stream events only from when an account became a target, and
 * when that is depends on timing, so a remove or revoke may or may not
 * have left a tombstone row; what is live is the same either way. */
static char *fingerprint(const char *db)
{
    return fct_sql_value(db,
        "SELECT md5(concat_ws('|',"
        " (SELECT string_agg(encode(hash,'hex')||':'||md5(text), ',' ORDER BY hash) FROM casts"
        "   WHERE deleted_at IS NULL AND fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(encode(hash,'hex'), ',' ORDER BY hash) FROM reactions"
        "   WHERE NOT is_remove AND deleted_at IS NULL AND fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(encode(hash,'hex'), ',' ORDER BY hash) FROM links"
        "   WHERE NOT is_remove AND deleted_at IS NULL AND fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(fid||':'||type||':'||md5(value), ',' ORDER BY fid, type) FROM user_data WHERE fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(fid||':'||coalesce(username,'')||':'||coalesce(app_fid::text,'')||':'||"
        "   coalesce(encode(custody_address,'hex'),''), ',' ORDER BY fid) FROM users WHERE fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(fid||':'||is_root||':'||source, ',' ORDER BY fid) FROM targets),"
        " (SELECT string_agg(fid||':'||encode(key,'hex')||':'||(removed_at IS NULL), ',' ORDER BY fid, key) FROM signers WHERE fid IN (SELECT fid FROM targets)),"
        " (SELECT string_agg(shard||':'||event_id, ',' ORDER BY shard) FROM hub_cursors)))");
}

/* Which part differs, for the failure message. */
static void explain_difference(const char *a, const char *b)
{
    static const char *const parts[] = {
        "SELECT count(*) FROM casts WHERE deleted_at IS NULL AND fid IN (SELECT fid FROM targets)",
        "SELECT count(*) FROM reactions WHERE NOT is_remove AND fid IN (SELECT fid FROM targets) AND "
        "deleted_at IS NULL",
        "SELECT count(*) FROM links WHERE NOT is_remove AND fid IN (SELECT fid FROM targets) AND "
        "deleted_at IS NULL",
        "SELECT count(*) FROM user_data WHERE fid IN (SELECT fid FROM targets)",
        "SELECT count(*) FROM targets",
        "SELECT md5(string_agg(fid||':'||is_root||':'||source, ',' ORDER BY fid)) FROM targets",
        "SELECT count(*) FROM signers WHERE fid IN (SELECT fid FROM targets)",
        "SELECT string_agg(shard||':'||event_id, ',' ORDER BY shard) FROM hub_cursors",
    };
    for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++) {
        char *x = fct_sql_value(a, parts[i]), *y = fct_sql_value(b, parts[i]);
        if (strcmp(x, y) != 0)
            fprintf(stderr, "differs: %s: live %s, clean %s\n", parts[i], x, y);
        free(x);
        free(y);
    }
}

/* Whether, within timeout_ms, every target of db is synced and the cursors
 * stand still (at the head) over three polls half a second apart. */
static bool settles(const char *db, long long timeout_ms)
{
    int64_t deadline = fc_now_mono_ms() + timeout_ms;
    char *last = NULL;
    int still = 0;
    while (fc_now_mono_ms() < deadline && still < 3) {
        usleep(500000);
        char *cur = fct_sql_value(db, "SELECT coalesce(string_agg(shard||':'||event_id, ',' "
                                      "ORDER BY shard), '') FROM hub_cursors");
        long long pending =
            fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL");
        still = (*cur && last && strcmp(cur, last) == 0 && pending == 0) ? still + 1 : 0;
        free(last);
        last = cur;
    }
    free(last);
    return still >= 3;
}

/* Indexes the network at hubs again into a new database (tag names it) with
 * plain backfill and sync, and fails the test unless db holds the same. */
static void assert_same_as_a_clean_run(const char *db, const char *hubs, const char *tag)
{
    char clean[512];
    fct_db_create(tag, clean, sizeof(clean));
    struct env c;
    env_init(&c, clean, hubs);
    assert_int_equal(fcindex(&c, "migrate", NULL, NULL), 0);
    fct_index_fully(c.vars, clean);
    char *want = fingerprint(clean), *got = fingerprint(db);
    if (strcmp(got, want) != 0)
        explain_difference(db, clean);
    assert_string_equal(got, want);
    free(want);
    free(got);
    fct_db_drop(clean);
}

/* Stops serve (pid, output on fd) once db settles, within timeout_s; it must
 * exit 0, and out gets its output. Fails, showing it, when db did not settle. */
static void stop_when_settled(const char *db, int pid, int fd, int timeout_s, struct fc_buf *out)
{
    bool settled = settles(db, timeout_s * 1000LL);
    fct_signal(pid, SIGTERM);
    assert_int_equal(fct_wait(pid, fd, out), 0);
    if (!settled)
        fail_msg("serve did not settle in %d s:\n%s", timeout_s, out->data);
}

/* serve until every target is synced and the cursors stand still at the head. */
static void serve_until_idle(struct env *e, const char *db, int timeout_s)
{
    const char *argv[] = {fct_fcindex_bin(), "serve", "--role=indexer", NULL};
    int fd;
    int pid = fct_spawn(argv, e->vars, &fd);
    assert_true(pid > 0);
    struct fc_buf out = FC_BUF_INIT;
    stop_when_settled(db, pid, fd, timeout_s, &out);
    fc_buf_cleanup(&out);
}

static void backfill_and_follower_never_deadlock(void **state)
{
    (void)state;
    int port;
    int sim = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    struct env e;
    env_new(&e, "live", port);
    const char *db = e.db, *hubs = e.hubs;
    serve_until_idle(&e, db, 240);
    /* the backends have exited, so their counts are in the statistics */
    long long deadlocks = fct_sql_ll(db, "SELECT deadlocks FROM pg_stat_database "
                                         "WHERE datname = current_database()");
    if (deadlocks)
        fail_msg("PostgreSQL detected %lld deadlocks between the writers", deadlocks);
    fct_index_fully(e.vars, db); /* finishes nothing left: proves serve left nothing behind */

    assert_same_as_a_clean_run(db, hubs, "live_clean");
    fct_db_drop(db);
    fct_hubsim_stop(sim);
}

/* The follower reads the Snapchain shards in turns: a shard far behind does
 * not hold the others back until it reaches its head (read one after the
 * other, a follower restarted more often than shard 1 took to catch up never
 * reached shard 2). Small pages and a slow hub make catching up take many
 * pages on each shard. */
static void shards_are_read_in_turns(void **state)
{
    (void)state;
    int port;
    int sim = fct_hubsim_start((const char *[]){NET_ARGS, "--faults",
                                                "{\"endpoint\":\"/v1/events\",\"latency_ms\":60}",
                                                NULL}, &port);
    struct env e;
    env_new(&e, "turns", port);
    const char *db = e.db;
    e.vars[6] = "FCINDEX_CONCURRENCY_EVENT_PAGE_SIZE=50";
    const char *argv[] = {fct_fcindex_bin(), "sync", "--until-head", NULL};
    int fd;
    int pid = fct_spawn(argv, e.vars, &fd);
    assert_true(pid > 0);
    /* blocks 7,000,000 + 0..60; a page of 50 events holds about 5 of them */
    long long lead = 0, other = 0;
    int64_t deadline = fc_now_mono_ms() + 120000;
    while (fc_now_mono_ms() < deadline && lead < 30) {
        usleep(20000);
        lead = fct_sql_ll(db,
                          "SELECT coalesce(max((event_id >> 14) - 7000000), 0) FROM hub_cursors");
        other = fct_sql_ll(db, "SELECT CASE WHEN count(*) = 2 THEN min((event_id >> 14) - 7000000) "
                               "ELSE 0 END FROM hub_cursors");
    }
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_wait(pid, fd, &out);
    if (rc != 0)
        fail_msg("sync --until-head: rc %d: %s", rc, out.data);
    fc_buf_cleanup(&out);
    if (lead < 30)
        fail_msg("no shard reached block 30 in 120 s");
    /* when one shard was at block 30, the other had had its turns too */
    if (other < 10)
        fail_msg("one shard at block %lld while the other was at %lld", lead, other);
    fct_db_drop(db);
    fct_hubsim_stop(sim);
}

/* A live network small and busy enough that an account makes changes every
 * few seconds. */
#define BUSY_NET "--seed", "9", "--fids", "200", "--events-per-sec", "200", "--tick-ms", "250"

/* A target added by another process (the CLI here, while serve runs) is
 * followed in the stream from then on: its later casts, reactions and
 * profile changes are applied, and, as a root, its later follows grow the
 * set; not only the history its backfill read. */
static void targets_added_elsewhere_are_followed(void **state)
{
    (void)state;
    int port;
    int sim = fct_hubsim_start((const char *[]){BUSY_NET, "--history-ticks", "5", "--live-ticks",
                                                "100", NULL}, &port);
    struct env e;
    env_new(&e, "elsewhere", port);
    const char *db = e.db;
    const char *argv[] = {fct_fcindex_bin(), "serve", "--role=indexer", NULL};
    int fd;
    int pid = fct_spawn(argv, e.vars, &fd);
    assert_true(pid > 0);
    int64_t start = fc_now_mono_ms();
    while (fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NOT NULL") < 3) {
        if (fc_now_mono_ms() - start > 60000)
            fail_msg("the configured roots were not synced in 60 s");
        usleep(100000);
    }
    /* an account the roots do not follow, made a root by the CLI */
    char *x = fct_sql_value(db, "SELECT min(f) FROM generate_series(4, 200) f "
                                "WHERE f NOT IN (SELECT fid FROM targets)");
    assert_int_equal(fcindex(&e, "targets", "add", x), 0);
    /* the live phase (100 blocks of 250 ms) ends; serve catches up and settles */
    while (fc_now_mono_ms() - start < 25000)
        usleep(100000);
    struct fc_buf out = FC_BUF_INIT;
    stop_when_settled(db, pid, fd, 120, &out);
    fc_buf_cleanup(&out);
    /* the truth takes it for a configured root: the same rows, another source */
    char sql[160], roots[64];
    snprintf(sql, sizeof(sql), "UPDATE targets SET source = 'config' WHERE fid = %s", x);
    free(fct_sql_value(db, sql));
    snprintf(roots, sizeof(roots), "2,3,%s", x);
    char *until = fct_sql_value(db, "SELECT min(event_id) - 1 FROM hub_cursors");
    const char *truth[] = {fct_require_env("HUBSIM_BIN"), "truth", BUSY_NET, "--roots", roots,
                           "--clients", "9152", "--depth", "1", "--until-event", until, NULL};
    fct_assert_equals_truth(db, truth, NULL);
    free(until);
    free(x);
    fct_db_drop(db);
    fct_hubsim_stop(sim);
}

static void service(const char *what)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/scripts/services", fct_require_env("FCINDEX_SOURCE_DIR"));
    const char *argv[] = {script, what, NULL};
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_run(argv, NULL, &out);
    if (rc != 0)
        fail_msg("scripts/services %s: rc %d: %s", what, rc, out.data);
    fc_buf_cleanup(&out);
}

static void count_lines(const char *text, size_t *lines)
{
    *lines = 0;
    for (const char *c = text; *c; c++)
        *lines += *c == '\n';
}

static void restarts_lose_nothing(void **state)
{
    (void)state;
    const char *redis = fct_redis_or_skip();
    int port;
    int sim = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    char e_redis[300], e_prefix[160];
    struct env e;
    env_new(&e, "restart", port);
    const char *db = e.db, *hubs = e.hubs;
    snprintf(e_redis, sizeof(e_redis), "REDIS_URL=%s", redis);
    snprintf(e_prefix, sizeof(e_prefix), "FCINDEX_REDIS_PREFIX=fctest:restart:%d:", (int)getpid());
    e.vars[4] = "FCINDEX_LOG_LEVEL=info";
    e.vars[5] = e_redis;
    e.vars[7] = e_prefix;
    e.vars[8] = NULL;
    const char *argv[] = {fct_fcindex_bin(), "serve", "--role=indexer", NULL};
    int fd;
    int pid = fct_spawn(argv, e.vars, &fd);
    assert_true(pid > 0);
    usleep(1500000); /* backfill and replay under way */
    service("redis-stop");
    usleep(3000000);
    service("redis-start");
    usleep(1500000);
    service("pg-stop");
    usleep(3000000);
    service("pg-start");
    /* then it settles: every target synced, the cursors at the head */
    struct fc_buf out = FC_BUF_INIT;
    stop_when_settled(db, pid, fd, 180, &out);
    /* a bounded log: a line when each outage starts and ends, not one per retry */
    size_t lines;
    count_lines(out.data, &lines);
    if (lines > 80 || !strstr(out.data, "PostgreSQL: working again") ||
        !strstr(out.data, "Redis: working again"))
        fail_msg("%zu log lines through the outages:\n%s", lines, out.data);
    fc_buf_cleanup(&out);
    assert_int_equal(
        fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_error IS NOT NULL"), 0);

    assert_same_as_a_clean_run(db, hubs, "restart_clean");
    fct_db_drop(db);
    fct_hubsim_stop(sim);
}

FCT_MAIN_NEEDS_DB(NULL, NULL, backfill_and_follower_never_deadlock, shards_are_read_in_turns,
                  targets_added_elsewhere_are_followed, restarts_lose_nothing)
