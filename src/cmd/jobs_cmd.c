/* fcindex jobs: backfill job counts, failures, retries, pause and clear.
 * The jobs' states and the pause switch live in PostgreSQL (store/jobctl.h),
 * so the command works whether or not a server runs; with redis.url set it
 * also updates the shared queue so running servers see the change at once,
 * and without it records a request that a running server applies to its
 * in-memory queue within a second (store/jobreq.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_tree.h>

#include "cmd/with_db.h"
#include "core/fid_parse.h"
#include "state/jobq.h"
#include "store/db.h"
#include "store/jobctl.h"
#include "store/jobreq.h"

static const char usage[] =
    "usage: fcindex jobs stats [--json] | failed [--json] | pause | resume |\n"
    "       clear [--pending|--failed] --yes | retry FID | retry --all\n";

/* The Redis queue the servers share, or NULL (embedded: it lives in the
 * server's memory, which applies the requests recorded with each change). */
static struct fc_jobq *shared_queue(const struct fc_config *cfg)
{
    if (!*cfg->redis_url)
        return NULL;
    struct fc_jobq_options jo = {3, 500, cfg->job_lease_s * 1000};
    struct fc_jobq *q = NULL;
    struct fc_diag d;
    if (fc_jobq_open_redis(cfg->redis_url, cfg->redis_prefix, "cli", &jo, &q, &d)) {
        fprintf(stderr, "fcindex jobs: the shared queue is unreachable (%s); PostgreSQL is "
                        "updated and the servers follow it\n", d.msg);
        return NULL;
    }
    return q;
}

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static int stats(struct fc_db *db, const struct fc_config *cfg, bool json)
{
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag d;
    if (fc_jobctl_stats_json(db, &b, &d)) {
        fc_buf_cleanup(&b);
        return fc_cmd_fail("jobs", &d);
    }
    struct fc_jobq *q = shared_queue(cfg);
    struct fc_jobq_counts c;
    bool have = q && fc_jobq_counts(q, &c, &d) == FC_OK;
    fc_jobq_free(q);
    if (json) {
        b.len--; /* the object gains the shared queue's counts */
        if (have)
            fc_buf_printf(&b, ",\"queue\":{\"pending\":%zu,\"running\":%zu,\"delayed\":%zu,"
                              "\"failed\":%zu}}", c.pending, c.running, c.delayed, c.failed);
        else
            fc_buf_puts(&b, ",\"queue\":null}");
        printf("%s\n", b.data);
        fc_buf_cleanup(&b);
        return FC_EXIT_OK;
    }
    /* the text form shows the same document */
    yajl_val v = yajl_tree_parse(b.data, NULL, 0);
    yajl_val paused = get(v, "paused"), states = get(v, "states");
    printf("paused   %s\n", paused && YAJL_IS_TRUE(paused) ? "yes (fcindex jobs resume)" : "no");
    for (size_t i = 0; states && YAJL_IS_OBJECT(states) && i < YAJL_GET_OBJECT(states)->len; i++)
        printf("%-8s %lld\n", YAJL_GET_OBJECT(states)->keys[i],
               YAJL_GET_INTEGER(YAJL_GET_OBJECT(states)->values[i]));
    if (have)
        printf("queue    %zu pending, %zu running, %zu waiting to retry, %zu failed\n",
               c.pending, c.running, c.delayed, c.failed);
    yajl_tree_free(v);
    fc_buf_cleanup(&b);
    return FC_EXIT_OK;
}

static int failed_list(struct fc_db *db, bool json)
{
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag d;
    if (fc_jobctl_failed_json(db, &b, &d)) {
        fc_buf_cleanup(&b);
        return fc_cmd_fail("jobs", &d);
    }
    if (json) {
        printf("%s\n", b.data);
    } else {
        yajl_val v = yajl_tree_parse(b.data, NULL, 0);
        yajl_val list = get(v, "failed");
        printf("%-10s %-8s %s\n", "fid", "attempts", "last error");
        for (size_t i = 0; list && YAJL_IS_ARRAY(list) && i < list->u.array.len; i++) {
            yajl_val e = list->u.array.values[i], err = get(e, "error");
            printf("%-10lld %-8lld %s\n", YAJL_GET_INTEGER(get(e, "fid")),
                   YAJL_GET_INTEGER(get(e, "attempts")),
                   err && YAJL_IS_STRING(err) ? err->u.string : "");
        }
        printf("%zu failed\n", list && YAJL_IS_ARRAY(list) ? list->u.array.len : 0);
        yajl_tree_free(v);
    }
    fc_buf_cleanup(&b);
    return FC_EXIT_OK;
}

/* Without Redis the queue lives in the serving process's memory: the
 * change to the targets and the request that process applies to its queue
 * commit together (store/jobreq.h). */
static bool embedded(const struct fc_config *cfg)
{
    return !*cfg->redis_url;
}

FC_MUST_CHECK
static enum fc_err begin(struct fc_db *db, const struct fc_config *cfg, struct fc_diag *d)
{
    return embedded(cfg) ? fc_db_exec(db, "BEGIN", d) : FC_OK;
}

/* Records the request and commits (embedded), or rolls back after err. */
FC_MUST_CHECK
static enum fc_err finish(struct fc_db *db, const struct fc_config *cfg, enum fc_err err,
                          enum fc_jobreq_action action, const uint64_t *fids, size_t n,
                          struct fc_diag *d)
{
    if (!embedded(cfg))
        return err;
    if (!err)
        err = fc_jobreq_record(db, action, fids, n, "cli", d);
    if (!err)
        return fc_db_exec(db, "COMMIT", d);
    fc_db_rollback(db);
    return err;
}

static int clear(struct fc_db *db, const struct fc_config *cfg, bool failed)
{
    size_t held = 0, removed = 0;
    struct fc_diag d;
    enum fc_err err = begin(db, cfg, &d);
    if (!err)
        err = fc_jobctl_clear(db, failed, &held, &d);
    err = finish(db, cfg, err, failed ? FC_JOBREQ_CLEAR_FAILED : FC_JOBREQ_CLEAR_PENDING, NULL, 0,
                 &d);
    if (err)
        return fc_cmd_fail("jobs", &d);
    struct fc_jobq *q = shared_queue(cfg);
    if (q && fc_jobq_clear(q, failed, &removed, &d))
        fprintf(stderr, "fcindex jobs: %s (held jobs are skipped when taken)\n", d.msg);
    fc_jobq_free(q);
    printf("cleared %zu %s jobs (they stay held until `fcindex jobs retry --all`)\n", held,
           failed ? "failed" : "pending");
    return FC_EXIT_OK;
}

static int retry(struct fc_db *db, const struct fc_config *cfg, uint64_t fid)
{
    struct fc_diag d;
    uint64_t *fids = NULL;
    size_t n = 1;
    bool found = true;
    enum fc_err err = begin(db, cfg, &d);
    if (!err && fid) {
        err = fc_jobctl_retry(db, fid, &found, &d);
        if (!err && !found)
            err = fc_diag_set(&d, FC_ERR_NOT_FOUND, "%llu is not a target",
                              (unsigned long long)fid);
        fids = fc_xcalloc(1, sizeof(*fids));
        fids[0] = fid;
    } else if (!err) {
        err = fc_jobctl_retry_all(db, &fids, &n, &d);
    }
    err = finish(db, cfg, err, FC_JOBREQ_RETRY, fids, err ? 0 : n, &d);
    if (err) {
        free(fids);
        return fc_cmd_fail("jobs", &d);
    }
    struct fc_jobq *q = shared_queue(cfg);
    for (size_t i = 0; q && i < n; i++) {
        enum fc_err qerr = fc_jobq_retry(q, fids[i], &d);
        if (qerr == FC_ERR_NOT_FOUND) /* not failed in the queue: queue it */
            qerr = fc_jobq_push(q, fids[i], NULL, &d);
        if (qerr)
            fprintf(stderr, "fcindex jobs: the shared queue: %s (the servers follow PostgreSQL)\n",
                    d.msg);
    }
    fc_jobq_free(q);
    free(fids);
    if (fid)
        printf("%llu queued again\n", (unsigned long long)fid);
    else
        printf("retried %zu jobs\n", n);
    if (embedded(cfg) && n)
        printf("(a running server applies it to its in-memory queue within a second)\n");
    return FC_EXIT_OK;
}

struct jobs_args {
    const char *sub;
    bool json, want_failed;
    uint64_t fid; /* retry FID; 0 with --all */
};

static int jobs(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    const struct jobs_args *a = arg;
    const char *sub = a->sub;
    if (strcmp(sub, "stats") == 0)
        return stats(db, cfg, a->json);
    if (strcmp(sub, "failed") == 0)
        return failed_list(db, a->json);
    if (strcmp(sub, "clear") == 0)
        return clear(db, cfg, a->want_failed);
    if (strcmp(sub, "retry") == 0)
        return retry(db, cfg, a->fid);
    bool pause = sub[0] == 'p', changed = false;
    struct fc_diag diag;
    if (fc_jobctl_set_paused(db, pause, "cli", &changed, &diag))
        return fc_cmd_fail("jobs", &diag);
    printf("the job queue is %s%s\n", pause ? "paused" : "running",
           changed ? "" : " (it already was)");
    return FC_EXIT_OK;
}

int fc_cmd_jobs(struct fc_cmd_ctx *ctx)
{
    bool json = fc_cmd_flag(ctx, "--json"), yes = fc_cmd_flag(ctx, "--yes");
    bool want_failed = fc_cmd_flag(ctx, "--failed"), want_pending = fc_cmd_flag(ctx, "--pending");
    bool all = fc_cmd_flag(ctx, "--all");
    const char *sub = ctx->argc ? ctx->argv[0] : "";
    uint64_t fid = 0;
    struct fc_diag diag;
    bool ok = false;
    if (strcmp(sub, "stats") == 0 || strcmp(sub, "failed") == 0)
        ok = ctx->argc == 1 && !yes && !want_failed && !want_pending && !all;
    else if (strcmp(sub, "pause") == 0 || strcmp(sub, "resume") == 0)
        ok = ctx->argc == 1 && !json && !yes && !want_failed && !want_pending && !all;
    else if (strcmp(sub, "clear") == 0)
        ok = ctx->argc == 1 && !json && !all && !(want_failed && want_pending);
    else if (strcmp(sub, "retry") == 0)
        ok = !json && !yes && !want_failed && !want_pending &&
             ((all && ctx->argc == 1) ||
              (!all && ctx->argc == 2 && fc_parse_fid(ctx->argv[1], &fid, &diag) == FC_OK));
    if (!ok)
        return fc_cmd_usage(usage);
    if (strcmp(sub, "clear") == 0 && !yes) {
        fprintf(stderr, "fcindex jobs clear: this holds every %s job; add --yes to confirm\n",
                want_failed ? "failed" : "pending");
        return FC_EXIT_USAGE;
    }
    struct jobs_args a = {.sub = sub, .json = json, .want_failed = want_failed, .fid = fid};
    return fc_cmd_with_db(ctx, jobs, &a);
}
