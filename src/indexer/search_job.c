#include "indexer/search_job.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

#include "core/backoff.h"
#include "core/buf.h"
#include "core/log.h"
#include "core/log_gate.h"
#include "store/cast_search.h"
#include "store/db.h"

struct fc_search_job {
    pthread_t thread;
    char *url; /* a copy: the configuration may go before the job */
    struct fc_db_options opts;
    struct fc_db *db;
    volatile int stop;
    struct fc_log_gate gate; /* PostgreSQL unreachable, or a batch failing */
};

/* Opens the connection, or makes it again after PostgreSQL went away. */
static bool connected(struct fc_search_job *j, struct fc_diag *d)
{
    if (j->db && !fc_db_broken(j->db))
        return true;
    return (j->db ? fc_db_reset(j->db, d) : fc_db_open(&j->opts, &j->db, d)) == FC_OK;
}

static void *run(void *arg)
{
    struct fc_search_job *j = arg;
    int failures = 0;
    while (!j->stop) {
        struct fc_diag d;
        size_t taken = 0, indexed = 0;
        if (!connected(j, &d) ||
            fc_cast_search_index_batch(j->db, FC_CAST_SEARCH_BATCH, &taken, &indexed, &d)) {
            /* the queue keeps what this batch did not finish: nothing is lost */
            fc_log_gate_fail(&j->gate, d.msg);
            fc_sleep_ms(fc_backoff_ms(++failures, 200, 2000), &j->stop);
            continue;
        }
        failures = 0;
        fc_log_gate_ok(&j->gate);
        if (taken)
            log_debug("search", "%zu queued casts taken, %zu indexed", taken, indexed);
        if (taken < FC_CAST_SEARCH_BATCH) /* the queue was emptied: wait for more */
            fc_sleep_ms(FC_SEARCH_JOB_IDLE_MS, &j->stop);
    }
    return NULL;
}

enum fc_err fc_search_job_start(const struct fc_config *cfg, struct fc_search_job **out,
                                struct fc_diag *diag)
{
    struct fc_search_job *j = fc_xcalloc(1, sizeof(*j));
    j->opts = fc_db_options_from(cfg);
    j->url = fc_xstrdup(cfg->database_url);
    j->opts.url = j->url;
    fc_log_gate_init(&j->gate, "search", "indexing casts for search");
    if (pthread_create(&j->thread, NULL, run, j) != 0) {
        fc_log_gate_cleanup(&j->gate);
        free(j->url);
        free(j);
        return fc_diag_set(diag, FC_ERR_NOMEM, "cannot start the search-indexing thread");
    }
    *out = j;
    return FC_OK;
}

void fc_search_job_stop(struct fc_search_job *j)
{
    if (!j)
        return;
    j->stop = 1;
    pthread_join(j->thread, NULL);
    fc_db_close(j->db);
    fc_log_gate_cleanup(&j->gate);
    free(j->url);
    free(j);
}
