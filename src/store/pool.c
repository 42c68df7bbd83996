#include "store/pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/buf.h"
#include "core/cond.h"

struct fc_pool {
    struct fc_db_options opts;
    char *url;
    pthread_mutex_t lock;
    pthread_cond_t freed;
    struct fc_db **idle; /* open connections not in use */
    size_t n_idle, size, open, in_use;
    uint64_t waits, timeouts, replaced;
};

struct fc_pool *fc_pool_new(const struct fc_db_options *opts, size_t size)
{
    struct fc_pool *p = fc_xcalloc(1, sizeof(*p));
    p->opts = *opts;
    p->url = fc_xstrdup(opts->url ? opts->url : "");
    p->opts.url = p->url;
    p->size = size ? size : 1;
    p->idle = fc_xcalloc(p->size, sizeof(*p->idle));
    pthread_mutex_init(&p->lock, NULL);
    fc_cond_init_monotonic(&p->freed);
    return p;
}

void fc_pool_free(struct fc_pool *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < p->n_idle; i++)
        fc_db_close(p->idle[i]);
    free(p->idle);
    free(p->url);
    pthread_mutex_destroy(&p->lock);
    pthread_cond_destroy(&p->freed);
    free(p);
}

enum fc_err fc_pool_get(struct fc_pool *p, int wait_ms, struct fc_db **out, struct fc_diag *diag)
{
    struct timespec deadline = fc_cond_deadline(wait_ms);
    pthread_mutex_lock(&p->lock);
    bool waited = false;
    while (!p->n_idle && p->open >= p->size) {
        if (!waited) {
            p->waits++;
            waited = true;
        }
        if (pthread_cond_timedwait(&p->freed, &p->lock, &deadline) == ETIMEDOUT &&
            !p->n_idle && p->open >= p->size) {
            p->timeouts++;
            pthread_mutex_unlock(&p->lock);
            return fc_diag_set(diag, FC_ERR_TIMEOUT, "no database connection free after %d ms",
                               wait_ms);
        }
    }
    while (p->n_idle) {
        struct fc_db *db = p->idle[--p->n_idle];
        if (fc_db_idle_ok(db, (int64_t)p->opts.lifetime_s * 1000)) {
            *out = db;
            p->in_use++;
            pthread_mutex_unlock(&p->lock);
            return FC_OK;
        }
        /* dead or too old: replaced below by a new one */
        p->open--;
        p->replaced++;
        fc_db_close(db);
    }
    /* open a new one outside the lock: connecting takes a round trip */
    p->open++;
    p->in_use++;
    pthread_mutex_unlock(&p->lock);
    enum fc_err err = fc_db_open(&p->opts, out, diag);
    if (err) {
        pthread_mutex_lock(&p->lock);
        p->open--;
        p->in_use--;
        pthread_cond_signal(&p->freed);
        pthread_mutex_unlock(&p->lock);
    }
    return err;
}

void fc_pool_put(struct fc_pool *p, struct fc_db *db)
{
    if (!db)
        return;
    bool broken = fc_db_broken(db);
    if (broken)
        fc_db_close(db);
    pthread_mutex_lock(&p->lock);
    p->in_use--;
    if (broken)
        p->open--;
    else
        p->idle[p->n_idle++] = db;
    pthread_cond_signal(&p->freed);
    pthread_mutex_unlock(&p->lock);
}

void fc_pool_stats(struct fc_pool *p, struct fc_pool_stats *out)
{
    pthread_mutex_lock(&p->lock);
    out->size = p->size;
    out->open = p->open;
    out->in_use = p->in_use;
    out->waits = p->waits;
    out->timeouts = p->timeouts;
    out->replaced = p->replaced;
    pthread_mutex_unlock(&p->lock);
}
