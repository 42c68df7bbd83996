/* fcindex health and jobs against a real PostgreSQL and the simulator. */
#include "support/testenv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int run(const char *db, const char *hubs, const char *a, const char *b, struct fc_buf *out)
{
    char e1[600], e2[300];
    snprintf(e1, sizeof(e1), "DATABASE_URL=%s", db);
    snprintf(e2, sizeof(e2), "FCINDEX_HUBS_URLS=%s", hubs);
    const char *env[] = {e1, e2, NULL};
    const char *argv[] = {fct_fcindex_bin(), a, b, NULL};
    fc_buf_reset(out);
    return fct_run(argv, env, out);
}

static void health_and_jobs(void **state)
{
    (void)state;
    int port;
    int pid = fct_hubsim_start((const char *[]){"--fids", "50", NULL}, &port);
    char db[512], hub[64];
    fct_db_create("ops", db, sizeof(db));
    snprintf(hub, sizeof(hub), "http://127.0.0.1:%d", port);
    struct fc_buf out = FC_BUF_INIT;
    /* not migrated yet: unhealthy, and says why */
    assert_int_equal(run(db, hub, "health", NULL, &out), 1);
    assert_non_null(strstr(out.data, "run migrate"));
    assert_int_equal(run(db, hub, "migrate", NULL, &out), 0);
    assert_int_equal(run(db, hub, "health", NULL, &out), 0);
    assert_non_null(strstr(out.data, "hub        ok"));
    assert_non_null(strstr(out.data, "shard 1: never synced"));
    assert_non_null(strstr(out.data, "healthy"));
    /* no hub answers: unhealthy */
    assert_int_equal(run(db, "http://127.0.0.1:1", "health", NULL, &out), 1);
    assert_non_null(strstr(out.data, "UNHEALTHY"));
    /* jobs: a failed target is listed and can be retried */
    free(fct_sql_value(db, "INSERT INTO targets (fid, is_root, source, last_error, backfill_attempts) "
                           "VALUES (7, true, 'admin', 'hub down', 3), (8, false, 'follow', NULL, 0)"));
    assert_int_equal(run(db, hub, "jobs", "stats", &out), 0);
    assert_non_null(strstr(out.data, "pending  1"));
    assert_non_null(strstr(out.data, "failed   1"));
    assert_int_equal(run(db, hub, "jobs", "failed", &out), 0);
    assert_non_null(strstr(out.data, "7          3        hub down"));
    char env1[600], env2[300];
    snprintf(env1, sizeof(env1), "DATABASE_URL=%s", db);
    snprintf(env2, sizeof(env2), "FCINDEX_HUBS_URLS=%s", hub);
    const char *env[] = {env1, env2, NULL};
    const char *retry[] = {fct_fcindex_bin(), "jobs", "retry", "7", NULL};
    assert_int_equal(fct_run(retry, env, &out), 0);
    fct_assert_sql(db, "SELECT coalesce(last_error, 'none') || backfill_attempts FROM targets "
                       "WHERE fid = 7", "none0");
    const char *missing[] = {fct_fcindex_bin(), "jobs", "retry", "999", NULL};
    fc_buf_reset(&out);
    assert_int_equal(fct_run(missing, env, &out), 1);
    /* a stored cursor far beyond the hub's newest block is reported at start */
    free(fct_sql_value(db, "INSERT INTO hub_cursors (hub, shard, event_id) VALUES ('snapchain', 1, "
                           "9000000::bigint << 14)"));
    const char *sync[] = {fct_fcindex_bin(), "sync", "--until-head", NULL};
    fc_buf_reset(&out);
    assert_int_equal(fct_run(sync, env, &out), 0);
    assert_non_null(strstr(out.data, "shard 1: the stored cursor is at block 9000000"));
    assert_non_null(strstr(out.data, "the hub was reset or serves another network"));
    fc_buf_cleanup(&out);
    fct_db_drop(db);
    fct_hubsim_stop(pid);
}

FCT_MAIN_NEEDS_DB(NULL, NULL, health_and_jobs)
