#include "state/procs_heartbeat.h"

#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <time.h>

#include "core/buf.h"
#include "core/cond.h"
#include "core/log.h"

struct fc_proc_heartbeat {
    struct fc_procs *procs;
    struct fc_proc_status status; /* touched by the thread only once started */
    fc_proc_fill_fn fill;
    void *arg;
    int interval_ms;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    bool stop; /* under lock */
};

static void publish_once(struct fc_proc_heartbeat *hb, bool *failing)
{
    if (hb->fill)
        hb->fill(hb->arg, &hb->status);
    struct fc_diag d;
    if (fc_procs_publish(hb->procs, &hb->status, &d) != FC_OK) {
        /* one line when publishing starts failing and one when it recovers */
        if (!*failing)
            log_warn("status", "cannot publish this process's status: %s", d.msg);
        *failing = true;
    } else if (*failing) {
        log_info("status", "publishing this process's status again");
        *failing = false;
    }
}

static void *run(void *arg)
{
    struct fc_proc_heartbeat *hb = arg;
    bool failing = false;
    pthread_mutex_lock(&hb->lock);
    while (!hb->stop) {
        pthread_mutex_unlock(&hb->lock);
        publish_once(hb, &failing);
        pthread_mutex_lock(&hb->lock);
        struct timespec until = fc_cond_deadline(hb->interval_ms);
        while (!hb->stop && pthread_cond_timedwait(&hb->wake, &hb->lock, &until) != ETIMEDOUT) {
        }
    }
    pthread_mutex_unlock(&hb->lock);
    return NULL;
}

struct fc_proc_heartbeat *fc_proc_heartbeat_start(struct fc_procs *p,
                                                  const struct fc_proc_status *identity,
                                                  fc_proc_fill_fn fill, void *arg, int interval_ms)
{
    struct fc_proc_heartbeat *hb = fc_xcalloc(1, sizeof(*hb));
    hb->procs = p;
    hb->status = *identity;
    hb->fill = fill;
    hb->arg = arg;
    hb->interval_ms = interval_ms > 0 ? interval_ms : 1000;
    pthread_mutex_init(&hb->lock, NULL);
    fc_cond_init_monotonic(&hb->wake);
    if (pthread_create(&hb->thread, NULL, run, hb) != 0) {
        pthread_cond_destroy(&hb->wake);
        pthread_mutex_destroy(&hb->lock);
        free(hb);
        return NULL;
    }
    return hb;
}

void fc_proc_heartbeat_stop(struct fc_proc_heartbeat *hb)
{
    if (!hb)
        return;
    pthread_mutex_lock(&hb->lock);
    hb->stop = true;
    pthread_cond_signal(&hb->wake);
    pthread_mutex_unlock(&hb->lock);
    pthread_join(hb->thread, NULL);
    struct fc_diag d;
    if (fc_procs_remove(hb->procs, hb->status.id, &d) != FC_OK)
        log_warn("status", "cannot remove this process's status (it expires): %s", d.msg);
    pthread_cond_destroy(&hb->wake);
    pthread_mutex_destroy(&hb->lock);
    free(hb);
}
