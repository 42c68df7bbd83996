/* The indexer against the synthetic network: the database equals `hubsim
 * truth` for the same roots and clients; kill -9 at random points during
 * backfill and sync, then finishing, ends in the clean run's state; so do
 * hub faults (errors, 429s, resets, truncation, broken JSON, a dead hub). */
#include "support/hubsim_ctl.h"
#include "support/indexrun.h"
#include "support/truth.h"

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#define NET_ARGS "--seed", "5", "--fids", "300", "--history-ticks", "40"

struct env {
    char db[512];
    char hubs[256];
    char e_db[600], e_hubs[300], e_redis[300], e_prefix[160];
    char redis_prefix[128]; /* "" for the embedded backends */
    const char *vars[10];
};

/* Alternate the state backend between tests: embedded (no Redis) or Redis
 * under a prefix of the test's own. */
static bool use_redis;
static const char *redis_url;

/* First thing in a Redis variant, before it starts anything: Redis must
 * answer (fails under CI=true, skips otherwise). */
static void want_redis(void)
{
    redis_url = fct_redis_or_skip();
    use_redis = true;
}

/* A fresh database named after tag, and the environment for it against
 * the hubs hubs_fmt (printf) names. */
static void env_create(struct env *e, const char *tag, const char *hubs_fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void env_create(struct env *e, const char *tag, const char *hubs_fmt, ...)
{
    static int seq;
    fct_db_create(tag, e->db, sizeof(e->db));
    va_list ap;
    va_start(ap, hubs_fmt);
    vsnprintf(e->hubs, sizeof(e->hubs), hubs_fmt, ap);
    va_end(ap);
    e->redis_prefix[0] = '\0';
    e->e_prefix[0] = '\0';
    if (use_redis) {
        snprintf(e->e_redis, sizeof(e->e_redis), "REDIS_URL=%s", redis_url);
        snprintf(e->redis_prefix, sizeof(e->redis_prefix), "fctest:%d:%d:", (int)getpid(), ++seq);
        snprintf(e->e_prefix, sizeof(e->e_prefix), "FCINDEX_REDIS_PREFIX=%s", e->redis_prefix);
    } else {
        snprintf(e->e_redis, sizeof(e->e_redis), "REDIS_URL=");
    }
    snprintf(e->e_db, sizeof(e->e_db), "DATABASE_URL=%s", e->db);
    snprintf(e->e_hubs, sizeof(e->e_hubs), "FCINDEX_HUBS_URLS=%s", e->hubs);
    /* the tests replace entries by position */
    const char *v[] = {e->e_db, e->e_hubs, "FCINDEX_STRATEGY_ROOT_TARGETS=1,2",
                       "FCINDEX_STRATEGY_TARGET_CLIENTS=9152", "FCINDEX_LOG_LEVEL=error",
                       "FCINDEX_HUBS_RETRIES=30", e->e_redis,
                       /* a killed worker's job is taken again after this lease */
                       "FCINDEX_CONCURRENCY_JOB_LEASE_S=1", use_redis ? e->e_prefix : NULL, NULL};
    memcpy(e->vars, v, sizeof(v));
}

/* A Redis variant proves it ran on Redis: the target set under its prefix
 * holds at least as many fids as PostgreSQL has targets, and the job stream exists. */
static void assert_used_redis(struct env *e)
{
    assert_true(e->redis_prefix[0]);
    char key[200];
    snprintf(key, sizeof(key), "%stargets", e->redis_prefix);
    long long in_redis = fct_redis_int("SCARD %s", key);
    char *in_pg = fct_sql_value(e->db, "SELECT count(*) FROM targets");
    if (in_redis == 0 || in_redis < strtoll(in_pg, NULL, 10))
        fail_msg("Redis set %s holds %lld targets, PostgreSQL %s: not run on Redis", key,
                 in_redis, in_pg);
    free(in_pg);
    snprintf(key, sizeof(key), "%sjobs", e->redis_prefix);
    if (fct_redis_int("EXISTS %s", key) != 1)
        fail_msg("no Redis job stream %s: not run on Redis", key);
}

static int fcindex(struct env *e, const char *a, const char *b, const char *c)
{
    return fct_index_cmd(e->vars, a, b, c, NULL, NULL);
}

/* Backfill and sync until no target is pending (sync discovers new roots
 * whose follows need a backfill in turn). */
static void index_fully(struct env *e)
{
    assert_int_equal(fcindex(e, "migrate", NULL, NULL), 0);
    fct_index_fully(e->vars, e->db);
}

static void database_equals_truth(void **state)
{
    (void)state;
    use_redis = false;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    struct env e;
    env_create(&e, "truth", "http://127.0.0.1:%d", port);
    index_fully(&e);

    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET_ARGS, "--roots", "1,2",
                          "--clients", "9152", NULL};
    size_t clients = 0;
    size_t targets = fct_assert_equals_truth(e.db, argv, &clients);
    assert_true(targets > 20);
    assert_true(clients > 0); /* the stream made some sign-ups through app 9152 */
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

/* Fails the test unless db's fingerprint is want (the clean run's); frees want. */
static void assert_same_state(const char *db, char *want)
{
    char *got = fct_index_fingerprint(db, true);
    assert_string_equal(got, want);
    free(got);
    free(want);
}

/* How many targets wait for their history. */
static long long unsynced(const char *db)
{
    return fct_sql_ll(db, "SELECT count(*) FROM targets WHERE last_synced_at IS NULL");
}

/* The clean run's fingerprint, for the crash and fault tests. */
static char *clean_fingerprint(int port)
{
    struct env e;
    env_create(&e, "clean", "http://127.0.0.1:%d", port);
    index_fully(&e);
    char *fp = fct_index_fingerprint(e.db, true);
    fct_db_drop(e.db);
    return fp;
}


/* "exit status N" or "signal N" for a waitpid status, written into buf. */
static const char *how_it_ended(int status, char *buf, size_t size)
{
    if (WIFEXITED(status))
        snprintf(buf, size, "exit status %d", WEXITSTATUS(status));
    else
        snprintf(buf, size, "signal %d", WTERMSIG(status));
    return buf;
}

/* Runs a command, killing it with SIGKILL after delay_ms; returns true when
 * it finished by itself (exit 0) first, false when the kill ended it. Any
 * other end (an error, a sanitizer abort, another signal) fails the test, and
 * every run's output is checked for sanitizer reports. */
static bool run_and_kill(struct env *e, const char *a, const char *b, const char *c, int delay_ms)
{
    const char *argv[] = {fct_fcindex_bin(), a, b, c, NULL};
    int fd;
    int pid = fct_spawn(argv, e->vars, &fd);
    assert_true(pid > 0);
    struct fc_buf out = FC_BUF_INIT;
    int status = 0;
    bool exited = false;
    for (long long end = fct_now_ms() + delay_ms; !exited && fct_now_ms() < end;) {
        fct_read_until(fd, &out, out.len, "\n\n\n", 5); /* drains its output meanwhile */
        exited = waitpid(pid, &status, WNOHANG) == pid;
    }
    char what[96];
    snprintf(what, sizeof(what), "fcindex %s (kill after %d ms)", a, delay_ms);
    if (!exited)
        fct_signal(pid, SIGKILL);
    fct_read_until(fd, &out, out.len, "\n\n\n", 200);
    close(fd);
    if (!exited && waitpid(pid, &status, 0) != pid)
        fail_msg("%s: lost the child", what);
    fct_assert_no_sanitizer_report(what, out.data);
    bool finished = WIFEXITED(status) && WEXITSTATUS(status) == 0;
    bool killed = !exited && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
    char how[32];
    if (!finished && !killed)
        fail_msg("%s ended neither by itself nor by the kill (%s):\n%s", what,
                 how_it_ended(status, how, sizeof(how)), out.data);
    fc_buf_cleanup(&out);
    return finished;
}

/* Starts the simulator (NET_ARGS) and returns its pid; *want gets the clean
 * run's fingerprint, e a migrated database of its own (named after tag). */
static int start_with_clean_state(struct env *e, const char *tag, char **want)
{
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &port);
    *want = clean_fingerprint(port);
    env_create(e, tag, "http://127.0.0.1:%d", port);
    assert_int_equal(fcindex(e, "migrate", NULL, NULL), 0);
    return pid;
}

/* Runs a command again, killed after a random 20 to 20 + spread_ms ms, until
 * a run finishes by itself; each consecutive kill doubles the next delay
 * (up to 64 times), so a run always ends up finishing (a killed worker's job
 * waits for its lease to expire). Counts the kills; false when 12 runs did
 * not finish. */
static bool finish_despite_kills(struct env *e, const char *a, const char *b, const char *c,
                                 int spread_ms, int *kills)
{
    for (int k = 0; k < 12; k++) {
        if (run_and_kill(e, a, b, c, (20 + (int)(random() % spread_ms)) << (k < 6 ? k : 6)))
            return true;
        (*kills)++;
    }
    return false;
}

static void crash_anywhere_then_finish(void **state)
{
    (void)state;
    want_redis();
    struct env e;
    char *want;
    int pid = start_with_clean_state(&e, "crash", &want);
    srandom(12345);
    int kills = 0;
    for (int round = 0; round < 40; round++) {
        /* backfill and sync, each killed at random points until one finishes */
        if (!finish_despite_kills(&e, "backfill", "--all-unsynced", "--wait", 160, &kills))
            fail_msg("backfill did not finish in 12 runs, the last given 11 s");
        if (!finish_despite_kills(&e, "sync", "--until-head", NULL, 120, &kills))
            fail_msg("sync did not finish in 12 runs, the last given 7.6 s");
        bool done = unsynced(e.db) == 0;
        if (done && kills >= 20)
            break;
        if (done) /* more kill points: start over on a fresh database state */
            free(fct_sql_value(e.db, "UPDATE targets SET last_synced_at = NULL"));
    }
    assert_true(kills >= 20);
    assert_used_redis(&e);
    assert_same_state(e.db, want);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

static void hub_faults_change_nothing(void **state)
{
    (void)state;
    use_redis = false;
    int cport, fport;
    int clean = fct_hubsim_start((const char *[]){NET_ARGS, NULL}, &cport);
    char *want = clean_fingerprint(cport);
    fct_hubsim_stop(clean);
    /* a dead hub first, then one with every kind of fault */
    int faulty = fct_hubsim_start((const char *[]){NET_ARGS, "--fault-seed", "9", "--faults",
                                                    "{\"error_rate\":0.1,\"rate_limit_rate\":0.05,"
                                                    "\"retry_after_s\":0,\"reset_rate\":0.05,"
                                                    "\"truncate_rate\":0.05,\"broken_json_rate\":0.05}",
                                                    NULL}, &fport);
    struct env e;
    env_create(&e, "faults", "http://127.0.0.1:1,http://127.0.0.1:%d", fport);
    index_fully(&e);
    assert_same_state(e.db, want);
    fct_db_drop(e.db);
    fct_hubsim_stop(faulty);
}

/* Hubble: event ids are per hub, so when the first hub is down the stream
 * is read from the next one with its own cursor; the end state is the same. */
static void hubble_stream_fails_over_to_the_next_hub(void **state)
{
    (void)state;
    use_redis = false;
    int port;
    int pid = fct_hubsim_start((const char *[]){NET_ARGS, "--flavour", "hubble", NULL}, &port);
    char *want = clean_fingerprint(port);
    struct env e;
    env_create(&e, "hubblefo", "http://127.0.0.1:1,http://127.0.0.1:%d", port);
    e.vars[5] = "FCINDEX_HUBS_RETRIES=2"; /* each run gives up on the dead hub quickly */
    index_fully(&e);
    assert_same_state(e.db, want);
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM hub_cursors WHERE hub = "
                               "'http://127.0.0.1:%d'", port);
    fct_assert_sql(e.db, sql, "1"); /* the cursor is the live hub's own */
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

static long events_read(struct env *e)
{
    const char *argv[] = {fct_fcindex_bin(), "sync", "--until-head", NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run(argv, e->vars, &out), 0);
    const char *p = strstr(out.data, " pages, ");
    long n = p ? atol(p + strlen(" pages, ")) : -1;
    fc_buf_cleanup(&out);
    return n;
}

/* A Hubble hub never read before starts from the previous hub's position
 * (minus ten minutes), not from the start of its retention. */
static void hubble_next_hub_starts_near_the_previous_position(void **state)
{
    (void)state;
    use_redis = false;
    const char *net[] = {"--seed", "5", "--fids", "300", "--history-ticks", "1800", "--flavour",
                         "hubble", NULL};
    int pa, pb;
    int a = fct_hubsim_start(net, &pa), b = fct_hubsim_start(net, &pb);
    struct env e;
    env_create(&e, "hubblenext", "http://127.0.0.1:%d,http://127.0.0.1:%d", pa, pb);
    e.vars[5] = "FCINDEX_HUBS_RETRIES=2";
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL), 0);
    long first = events_read(&e); /* from hub a, all 30 minutes */
    fct_hubsim_stop(a);
    long second = events_read(&e); /* hub a is down: hub b, from a's position - 10 min */
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT count(*) FROM hub_cursors WHERE hub = "
                               "'http://127.0.0.1:%d' AND event_id > 0", pb);
    fct_assert_sql(e.db, sql, "1");
    if (!(first > 0 && second > 0 && second < first / 2))
        fail_msg("events read: %ld from the first hub, %ld from the second", first, second);
    fct_db_drop(e.db);
    fct_hubsim_stop(b);
}

/* Several `serve` processes: one follows the stream, the others backfill;
 * when the leader dies another takes over. */
static void one_process_follows_the_stream(void **state)
{
    (void)state;
    want_redis();
    int port;
    int sim = fct_hubsim_start((const char *[]){"--seed", "5", "--fids", "300", "--events-per-sec",
                                                "50", "--tick-ms", "500", NULL}, &port);
    struct env e;
    env_create(&e, "leader", "http://127.0.0.1:%d", port);
    e.vars[4] = "FCINDEX_LOG_LEVEL=info";
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL), 0);
    const char *argv[] = {fct_fcindex_bin(), "serve", "--role=indexer", NULL};
    int fa, fb;
    struct fc_buf out_a = FC_BUF_INIT, out_b = FC_BUF_INIT;
    int a = fct_spawn(argv, e.vars, &fa);
    if (!fct_read_until(fa, &out_a, 0, "this process follows the event stream", 30000))
        fail_msg("the first process never followed the stream:\n%s", out_a.data);
    int b = fct_spawn(argv, e.vars, &fb);
    if (!fct_read_until(fb, &out_b, 0, "another process follows the event stream", 30000))
        fail_msg("the second process did not wait for the leader:\n%s", out_b.data);
    size_t waited_at = out_b.len;
    /* a target the leader committed and died before adding to the shared
     * sets (written here directly); the process taking over adds it */
    char *orphan = fct_sql_value(e.db, "INSERT INTO targets (fid, is_root, source) SELECT max(f), "
                                     "false, 'admin' FROM generate_series(4, 300) f WHERE f NOT IN "
                                     "(SELECT fid FROM targets) RETURNING fid");
    long long killed_at = fct_now_ms();
    fct_signal(a, SIGKILL); /* the leader dies without a word */
    fct_wait(a, fa, &out_a);
    /* it tries the lock every 2 s; 5 s leaves room for a loaded machine */
    if (!fct_read_until(fb, &out_b, waited_at, "this process follows the event stream", 5000))
        fail_msg("second process did not take over within 5 s (%lld ms):\n%s",
                 fct_now_ms() - killed_at, out_b.data);
    /* it follows: the cursor moves on */
    char *before = fct_sql_value(e.db, "SELECT coalesce(max(event_id), 0) FROM hub_cursors");
    char sql[256];
    snprintf(sql, sizeof(sql), "SELECT coalesce(max(event_id), 0) > %s FROM hub_cursors", before);
    bool moved = false;
    for (long long end = fct_now_ms() + 30000; !moved && fct_now_ms() < end;) {
        fct_read_until(fb, &out_b, out_b.len, "\n\n\n", 200); /* drains its log meanwhile */
        char *m = fct_sql_value(e.db, sql);
        moved = strcmp(m, "t") == 0;
        free(m);
    }
    char *after = fct_sql_value(e.db, "SELECT coalesce(max(event_id), 0) FROM hub_cursors");
    fct_signal(b, SIGTERM);
    assert_int_equal(fct_wait(b, fb, &out_b), 0);
    if (!moved)
        fail_msg("the new leader's cursor stayed at %s:\n%s", after, out_b.data);
    if (fct_redis_int("SISMEMBER %stargets %s", e.redis_prefix, orphan) != 1)
        fail_msg("target %s, committed by the dead leader only, is not in the shared set", orphan);
    free(orphan);
    assert_used_redis(&e);
    free(before);
    free(after);
    fc_buf_cleanup(&out_a);
    fc_buf_cleanup(&out_b);
    fct_db_drop(e.db);
    fct_hubsim_stop(sim);
}

/* The N of "N fids done", the line a backfill ends with. */
static size_t fids_done(const char *log)
{
    const char *p = log ? strstr(log, " fids done,") : NULL;
    if (!p)
        fail_msg("no \"fids done\" line in:\n%s", log ? log : "");
    while (p > log && p[-1] >= '0' && p[-1] <= '9')
        p--;
    return (size_t)strtoull(p, NULL, 10);
}

/* Two indexer processes sharing Redis and PostgreSQL split the work and end
 * in the state of one. */
static void two_processes_share_the_work(void **state)
{
    (void)state;
    want_redis();
    struct env e;
    char *want;
    int pid = start_with_clean_state(&e, "two", &want);
    e.vars[4] = "FCINDEX_LOG_LEVEL=info"; /* each says how many fids it did */
    size_t done1 = 0, done2 = 0;
    bool split = false; /* a round in which both processes backfilled accounts */
    for (int round = 0; round < 6; round++) {
        const char *argv[] = {fct_fcindex_bin(), "backfill", "--all-unsynced", "--wait", NULL};
        int fd1, fd2;
        int p1 = fct_spawn(argv, e.vars, &fd1), p2 = fct_spawn(argv, e.vars, &fd2);
        struct fc_buf o1 = FC_BUF_INIT, o2 = FC_BUF_INIT;
        assert_int_equal(fct_wait(p1, fd1, &o1), 0);
        assert_int_equal(fct_wait(p2, fd2, &o2), 0);
        size_t n1 = fids_done(o1.data), n2 = fids_done(o2.data);
        done1 += n1;
        done2 += n2;
        split = split || (n1 > 0 && n2 > 0);
        fc_buf_cleanup(&o1);
        fc_buf_cleanup(&o2);
        assert_int_equal(fcindex(&e, "sync", "--until-head", NULL), 0);
        bool done = unsynced(e.db) == 0;
        if (done)
            break;
    }
    assert_used_redis(&e);
    /* the work was split: in one round each process backfilled some of the
     * accounts (summed over rounds, one process doing each round alone passed) */
    if (!split)
        fail_msg("no round split the work between the processes (%zu and %zu fids in all)",
                 done1, done2);
    assert_same_state(e.db, want);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
    use_redis = false;
}

/* A cursor older than the hub's retention: the events in between are gone,
 * so every target is synced again from its history. */
#define RETENTION_NET "--fids", "100", "--events-per-sec", "400", "--tick-ms", "20", \
                      "--retention", "5"
#define RETENTION_TICKS "1000"

static void retention_gap_resyncs_every_target(void **state)
{
    (void)state;
    int port;
    /* the stream stops at block RETENTION_TICKS (20 s in), so the data can
     * be compared with the truth once every target is synced again */
    int pid = fct_hubsim_start((const char *[]){RETENTION_NET, "--live-ticks", RETENTION_TICKS,
                                                 NULL}, &port);
    struct env e;
    env_create(&e, "retention", "http://127.0.0.1:%d", port);
    /* No sign-up discovery: sign-ups inside the gap are gone with it, and
     * the truth knows only the sign-ups still retained at its end. */
    e.vars[3] = "FCINDEX_STRATEGY_TARGET_CLIENTS=";
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL), 0);
    assert_int_equal(fcindex(&e, "backfill", "--all-unsynced", "--wait"), 0);
    assert_int_equal(fcindex(&e, "sync", "--until-head", NULL), 0);
    /* accounts that roots followed during the sync are backfilled by a server's
     * workers; here a second backfill does it, so every target starts synced */
    assert_int_equal(fcindex(&e, "backfill", "--all-unsynced", "--wait"), 0);
    assert_int_equal(unsynced(e.db), 0);
    /* 30 blocks on: far past the 5-block retention */
    unsigned long long head = fct_hubsim_head_tick(port);
    fct_hubsim_wait_tick(port, head + 30, 20000);
    const char *argv[] = {fct_fcindex_bin(), "sync", "--until-head", NULL};
    struct fc_buf out = FC_BUF_INIT;
    assert_int_equal(fct_run(argv, e.vars, &out), 0);
    assert_non_null(strstr(out.data, "re-syncing every target"));
    assert_non_null(strstr(out.data, "retention re-syncs"));
    assert_null(strstr(out.data, " 0 retention re-syncs"));
    /* every target, not some, waits for its history again */
    char *pending = fct_sql_value(e.db, "SELECT count(*) FILTER (WHERE last_synced_at IS NULL) || '/' || "
                                "count(*) FROM targets");
    size_t waiting = 0, total = 0;
    if (sscanf(pending, "%zu/%zu", &waiting, &total) != 2 || waiting != total || total == 0)
        fail_msg("targets pending a re-sync / all targets: %s", pending);
    free(pending);
    /* and the next backfill syncs each of them again */
    e.vars[4] = "FCINDEX_LOG_LEVEL=info";
    const char *bargv[] = {fct_fcindex_bin(), "backfill", "--all-unsynced", "--wait", NULL};
    fc_buf_reset(&out);
    if (fct_run(bargv, e.vars, &out) != 0)
        fail_msg("backfill after the gap failed:\n%s", out.data);
    if (fids_done(out.data) < total)
        fail_msg("%zu of %zu targets re-synced:\n%s", fids_done(out.data), total, out.data);
    fc_buf_cleanup(&out);
    assert_int_equal(unsynced(e.db), 0);
    /* and holds what the network holds: once the stream has stopped, the
     * rest of it is read and each target's data equals the truth */
    /* the stream stops */
    fct_hubsim_wait_tick(port, strtoull(RETENTION_TICKS, NULL, 10), 60000);
    assert_int_equal(fcindex(&e, "sync", "--until-head", NULL), 0);
    assert_int_equal(fcindex(&e, "backfill", "--all-unsynced", "--wait"), 0);
    char *until = fct_sql_value(e.db, "SELECT max(event_id) FROM hub_cursors");
    const char *truth_argv[] = {fct_require_env("HUBSIM_BIN"), "truth", RETENTION_NET, "--roots",
                                "1,2", "--until-event", until, NULL};
    fct_assert_equals_truth(e.db, truth_argv, NULL);
    free(until);
    fct_db_drop(e.db);
    fct_hubsim_stop(pid);
}

/* ---- kill -9 of serve on a live stream ---- */

#define LIVE_NET "--seed", "7", "--fids", "300", "--history-ticks", "40", "--events-per-sec", \
                 "60", "--tick-ms", "300"
#define LIVE_TICKS 60                         /* 18 s of live stream after the history */
#define FINAL_BLOCK (7000000 + 40 + LIVE_TICKS) /* Snapchain height of the last block */


/* `serve` is killed with SIGKILL at random moments while the simulator
 * produces events: during backfill pages, while the stream is applied (a
 * page's transaction), and while follows grow the target set. Every run's
 * output is checked for sanitizer reports, and a run that ends by itself
 * (an error, a sanitizer abort) fails the test instead of counting as a kill.
 * Then one run finishes the work, and the database equals `hubsim truth
 * --until-event` for the cursor it ended at. */
static void serve_killed_on_a_live_stream(void **state)
{
    (void)state;
    use_redis = false;
    char live[16];
    snprintf(live, sizeof(live), "%d", LIVE_TICKS);
    int port;
    long long t0 = fct_now_ms();
    /* every hub answer takes 30-50 ms, so backfill lasts several runs
     * whatever the machine's speed and kills land inside it */
    int sim = fct_hubsim_start((const char *[]){LIVE_NET, "--live-ticks", live, "--faults",
                                                 "{\"latency_ms\":30,\"jitter_ms\":20}", NULL},
                               &port);
    unsigned long long first_tick = fct_hubsim_head_tick(port);
    struct env e;
    env_create(&e, "livecrash", "http://127.0.0.1:%d", port);
    e.vars[4] = "FCINDEX_LOG_LEVEL=info";
    assert_int_equal(fcindex(&e, "migrate", NULL, NULL), 0);
    const char *argv[] = {fct_fcindex_bin(), "serve", "--role=indexer", NULL};
    srandom(4242);
    int kills = 0, in_backfill = 0, in_stream = 0, in_expansion = 0;
    /* bounded: 40 runs at most, each killed after 150-1350 ms */
    for (int round = 0; round < 40 && (kills < 24 || in_stream < 5); round++) {
        long long targets_before = fct_sql_ll(e.db, "SELECT count(*) FROM targets");
        int fd;
        int pid = fct_spawn(argv, e.vars, &fd);
        assert_true(pid > 0);
        struct fc_buf out = FC_BUF_INIT;
        int delay = 150 + (int)(random() % 1200);
        fct_read_until(fd, &out, 0, "\n\n\n", delay); /* drains its log meanwhile */
        bool pending = unsynced(e.db) > 0;
        bool streaming = fct_hubsim_head_tick(port) < first_tick + LIVE_TICKS;
        bool grew = fct_sql_ll(e.db, "SELECT count(*) FROM targets") > targets_before;
        int status = 0;
        bool exited = waitpid(pid, &status, WNOHANG) == pid;
        if (!exited)
            fct_signal(pid, SIGKILL);
        char where[64];
        snprintf(where, sizeof(where), "serve run %d (killed after %d ms)", round, delay);
        if (exited) {
            fct_read_until(fd, &out, out.len, "\n\n\n", 1000); /* the rest of its output */
            close(fd);
            char how[32];
            fail_msg("%s ended by itself (%s) instead of being killed:\n%s", where,
                     how_it_ended(status, how, sizeof(how)), out.data);
        }
        fct_wait(pid, fd, &out);
        fct_assert_no_sanitizer_report(where, out.data);
        fc_buf_cleanup(&out);
        kills++;
        in_backfill += pending;
        in_stream += streaming;
        in_expansion += grew;
    }
    fprintf(stderr, "live stream: kills took %lld ms\n", fct_now_ms() - t0);
    fprintf(stderr, "live stream: %d kills, %d during backfill, %d with the stream live, %d after "
                    "the target set grew\n", kills, in_backfill, in_stream, in_expansion);
    long long finish_start = fct_now_ms();
    if (kills < 24 || in_backfill < 5 || in_stream < 5 || in_expansion < 3)
        fail_msg("kill moments not spread: %d kills, %d during backfill, %d with the stream live, "
                 "%d after the target set grew", kills, in_backfill, in_stream, in_expansion);

    /* one run finishes: every shard at the last block, nothing pending */
    int fd;
    int pid = fct_spawn(argv, e.vars, &fd);
    struct fc_buf out = FC_BUF_INIT;
    char done_sql[256];
    snprintf(done_sql, sizeof(done_sql),
             "SELECT (SELECT count(*) FROM hub_cursors WHERE (event_id >> 14) >= %d) >= 2 AND "
             "NOT EXISTS (SELECT 1 FROM targets WHERE last_synced_at IS NULL)", FINAL_BLOCK);
    bool done = false;
    for (long long end = fct_now_ms() + 120000; !done && fct_now_ms() < end;) {
        fct_read_until(fd, &out, out.len, "\n\n\n", 500);
        char *v = fct_sql_value(e.db, done_sql);
        done = strcmp(v, "t") == 0;
        free(v);
        if (done) { /* still so a moment later: no expansion left to backfill */
            fct_read_until(fd, &out, out.len, "\n\n\n", 1500);
            v = fct_sql_value(e.db, done_sql);
            done = strcmp(v, "t") == 0;
            free(v);
        }
    }
    fct_signal(pid, SIGTERM);
    int rc = fct_wait(pid, fd, &out);
    fct_assert_no_sanitizer_report("the finishing serve run", out.data);
    if (!done || rc != 0)
        fail_msg("the finishing run did not reach block %d with nothing pending (exit %d):\n%s",
                 FINAL_BLOCK, rc, out.data);
    fc_buf_cleanup(&out);
    fprintf(stderr, "live stream: the finishing run took %lld ms\n", fct_now_ms() - finish_start);
    char *until = fct_sql_value(e.db, "SELECT max(event_id) FROM hub_cursors");
    const char *truth_argv[] = {fct_require_env("HUBSIM_BIN"), "truth", LIVE_NET, "--roots", "1,2",
                                "--clients", "9152", "--until-event", until, NULL};
    size_t clients = 0;
    size_t targets = fct_assert_equals_truth(e.db, truth_argv, &clients);
    assert_true(targets > 20);
    assert_true(clients > 0); /* the stream made some sign-ups through app 9152 */
    free(until);
    fct_db_drop(e.db);
    fct_hubsim_stop(sim);
}

FCT_MAIN_NEEDS_DB(NULL, NULL, database_equals_truth, crash_anywhere_then_finish,
                  hub_faults_change_nothing, hubble_stream_fails_over_to_the_next_hub,
                  hubble_next_hub_starts_near_the_previous_position,
                  retention_gap_resyncs_every_target, two_processes_share_the_work,
                  one_process_follows_the_stream, serve_killed_on_a_live_stream)
