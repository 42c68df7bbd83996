/* fcindex serve: the long-running process (indexer, API or both), its
 * status report once a second, configuration reload on SIGHUP and a clean
 * stop on SIGINT/SIGTERM. */
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/api.h"
#include "cmd/cmd.h"
#include "cmd/supervisor.h"
#include "core/buf.h"
#include "core/fctime.h"
#include "core/log.h"
#include "indexer/indexer.h"
#include "indexer/report.h"
#include "indexer/search_job.h"
#include "state/changes.h"
#include "state/procs.h"
#include "state/procs_heartbeat.h"
#include "state/rates.h"
#include "store/db.h"

static volatile int stop_flag;
static volatile sig_atomic_t reload_flag;

static void on_stop(int sig)
{
    (void)sig;
    stop_flag = 1;
}

static void on_reload(int sig)
{
    (void)sig;
    reload_flag = 1;
}

/* SIGHUP: re-read the configuration from the same file, environment and
 * --set values and apply what is safe to change while running: log.level.
 * Everything else (pools, listeners, hubs, Redis) takes effect at restart.
 * An invalid file is refused and the running configuration kept. */
static void reload_config(struct fc_cmd_ctx *ctx)
{
    fc_supervisor_reloading();
    struct fc_config cfg;
    struct fc_buf errors = FC_BUF_INIT;
    struct fc_config_sources src = {
        .file = ctx->config_file, .envp = ctx->envp, .sets = ctx->sets, .n_sets = ctx->n_sets};
    enum fc_log_level level;
    if (fc_config_load(&cfg, &src, &errors)) {
        log_error("serve", "reload refused, the running configuration stays: %s",
                  errors.data ? errors.data : "invalid configuration");
    } else if (fc_log_level_parse(cfg.log_level, &level)) {
        fc_log_set_level(level);
        log_info("serve", "configuration reloaded: log.level=%s applied; other options take "
                          "effect at restart", cfg.log_level);
    }
    fc_config_cleanup(&cfg);
    fc_buf_cleanup(&errors);
    fc_supervisor_ready("running (configuration reloaded)");
}

/* After each indexer commit: this process's API cache, and other processes
 * through Redis. */
struct change_sink {
    struct fc_api *api;
    struct fc_changes_pub *pub;
};

static void on_change(void *arg, const uint64_t *fids, size_t n)
{
    struct change_sink *cs = arg;
    if (cs->api)
        fc_api_invalidate(cs->api, fids, n);
    if (cs->pub)
        fc_changes_publish(cs->pub, fids, n);
}

struct serve_tick {
    struct fc_indexer *ix;
    struct fc_cmd_ctx *ctx;
    struct fc_rate_recorder *rates; /* the indexer's throughput history; NULL without one */
    bool rates_failing;             /* the last write failed (logged once) */
};

/* The indexer's running totals into the throughput history (one caller at
 * a time: the heartbeat thread, then the final call after it stopped). */
static void record_throughput(struct serve_tick *t, uint64_t read, uint64_t applied,
                              uint64_t messages)
{
    struct fc_rate_counts c = {read, applied, messages};
    struct fc_diag d;
    if (fc_rate_recorder_record(t->rates, &c, fc_now_unix_ms(), &d) != FC_OK) {
        if (!t->rates_failing)
            log_warn("status", "cannot record the throughput history (kept for the next "
                               "try): %s", d.msg);
        t->rates_failing = true;
    } else if (t->rates_failing) {
        log_info("status", "recording the throughput history again");
        t->rates_failing = false;
    }
}

/* Once a second on the heartbeat thread: this process's status report (the
 * indexer's part when it runs one) and throughput, a pending reload, the
 * watchdog. */
static void fill_status(void *arg, struct fc_proc_status *s)
{
    struct serve_tick *t = arg;
    if (t->ix) {
        fc_indexer_report(t->ix, s);
        if (t->rates)
            record_throughput(t, s->events_read, s->events_applied, s->backfill_messages);
    }
    if (reload_flag) {
        reload_flag = 0;
        reload_config(t->ctx);
    }
    fc_supervisor_watchdog();
}

/* The registry every process of the instance reports to: Redis when
 * configured (shared), else this process's own. */
static struct fc_procs *open_procs(const struct fc_config *cfg)
{
    if (!*cfg->redis_url)
        return fc_procs_new_embedded();
    struct fc_procs *p = NULL;
    struct fc_diag d;
    if (fc_procs_open_redis(cfg->redis_url, cfg->redis_prefix, &p, &d) != FC_OK) {
        fprintf(stderr, "fcindex serve: process registry: %s\n", d.msg);
        return NULL;
    }
    return p;
}

/* The throughput history, shared the same way as the registry. */
static struct fc_rates *open_rates(const struct fc_config *cfg)
{
    if (!*cfg->redis_url)
        return fc_rates_new_embedded();
    struct fc_rates *r = NULL;
    struct fc_diag d;
    if (fc_rates_open_redis(cfg->redis_url, cfg->redis_prefix, &r, &d) != FC_OK) {
        fprintf(stderr, "fcindex serve: throughput history: %s\n", d.msg);
        return NULL;
    }
    return r;
}

int fc_cmd_serve(struct fc_cmd_ctx *ctx)
{
    bool run_indexer = true, run_api = true;
    for (int i = 0; i < ctx->argc; i++) {
        if (strcmp(ctx->argv[i], "--role=all") == 0) {
            run_indexer = run_api = true;
        } else if (strcmp(ctx->argv[i], "--role=indexer") == 0) {
            run_indexer = true;
            run_api = false;
        } else if (strcmp(ctx->argv[i], "--role=api") == 0) {
            run_indexer = false;
            run_api = true;
        } else {
            fprintf(stderr, "fcindex serve: unknown argument \"%s\"\n"
                            "usage: fcindex serve [--role=all|indexer|api]\n", ctx->argv[i]);
            return FC_EXIT_USAGE;
        }
    }
    struct fc_config cfg;
    struct fc_db *db = NULL;
    struct fc_indexer *ix = NULL;
    struct fc_api *api = NULL;
    struct fc_procs *procs = NULL;
    struct fc_rates *rates = NULL;
    struct fc_proc_heartbeat *heartbeat = NULL;
    struct fc_search_job *search = NULL;
    struct serve_tick tick = {NULL, ctx, NULL, false};
    struct change_sink sink = {NULL, NULL};
    struct fc_diag diag = {{0}};
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (rc)
        goto out;
    if (run_indexer && fc_indexer_new(&cfg, &ix, &diag)) {
        rc = fc_cmd_fail("serve", &diag);
        goto out;
    }
    if (!(procs = open_procs(&cfg)) || !(rates = open_rates(&cfg))) {
        rc = FC_EXIT_FAIL;
        goto out;
    }
    struct fc_api_shared shared = {.procs = procs, .rates = rates};
    if (ix) {
        struct fc_indexer_shared sh;
        fc_indexer_shared(ix, &sh);
        shared.targets = sh.targets;
        shared.roots = sh.roots;
        shared.clients = sh.clients;
        shared.jobq = sh.jobq;
    }
    if (run_api && fc_api_start(&cfg, &shared, &api, &diag)) {
        rc = fc_cmd_fail("serve", &diag);
        goto out;
    }
    if (ix && *cfg.redis_url &&
        fc_changes_pub_open(cfg.redis_url, cfg.redis_prefix, &sink.pub, &diag))
        fprintf(stderr, "fcindex serve: change notifications disabled: %s\n", diag.msg);
    sink.api = api;
    if (ix)
        fc_indexer_on_change(ix, on_change, &sink);
    /* every process keeps search current, whoever wrote the casts (an
     * indexer, a dead letter retried through the API, a command); its
     * connection comes after the indexer's and the API's */
    if (fc_search_job_start(&cfg, &search, &diag)) {
        rc = fc_cmd_fail("serve", &diag);
        goto out;
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_stop;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sa.sa_handler = on_reload;
    sa.sa_flags = SA_RESTART; /* a reload must not interrupt any work */
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    struct fc_proc_status me;
    memset(&me, 0, sizeof(me));
    fc_proc_status_identify(&me, run_indexer && run_api ? "all" : run_indexer ? "indexer" : "api",
                            FC_VERSION, fc_now_unix_ms());
    tick.ix = ix;
    if (ix)
        tick.rates = fc_rate_recorder_new(rates, me.id);
    heartbeat = fc_proc_heartbeat_start(procs, &me, fill_status, &tick, 1000);
    if (api)
        printf("api: listening on port %u\n", fc_api_port(api));
    char once[96];
    if (api && fc_api_take_one_time_password(api, once, sizeof(once))) {
        /* stdout, not the log: shown once to whoever started the instance */
        printf("admin: generated one-time password (shown only now; its hash is stored in the "
               "database): %s\n"
               "admin: set auth.admin_password_hash (`fcindex hash-password`) to choose your "
               "own\n", once);
        memset(once, 0, sizeof(once));
    }
    fflush(stdout);
    fc_supervisor_ready(run_indexer && run_api ? "indexer and API running"
                        : run_indexer ? "indexer running" : "API running");
    if (ix) {
        if (fc_indexer_run(ix, &stop_flag, &diag))
            rc = fc_cmd_fail("serve", &diag);
    } else {
        while (!stop_flag)
            pause();
    }
    fc_supervisor_stopping();
out:
    fc_proc_heartbeat_stop(heartbeat);
    if (tick.rates) {
        /* what the indexer did since the last heartbeat counts too */
        struct fc_indexer_metrics m;
        fc_indexer_metrics(ix, &m);
        record_throughput(&tick, m.events_read, m.events_applied, m.backfill_messages);
        fc_rate_recorder_free(tick.rates);
    }
    fc_api_stop(api);
    fc_search_job_stop(search);
    if (ix)
        fc_indexer_on_change(ix, NULL, NULL);
    fc_indexer_free(ix);
    fc_changes_pub_free(sink.pub);
    fc_procs_free(procs);
    fc_rates_free(rates);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
