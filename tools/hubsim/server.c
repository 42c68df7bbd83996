/* The simulator server's lifecycle: state, caches and fault set, the live
 * ticker thread, start and stop. */
#include "server.h"

#include <errno.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <time.h>

#include "fanout.h"
#include "internal.h"
#include "rcache.h"

void hubsim_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
        ;
}


static void *tick_thread(void *arg)
{
    struct hubsim *hs = arg;
    struct sim_state *s = hs->o.state;
    for (uint32_t ticks = 0; !hs->stopping && (!hs->o.live_ticks || ticks < hs->o.live_ticks);
         ticks++) {
        /* sleep in short steps so a stop never waits for a long tick */
        for (unsigned waited = 0; waited < hs->o.tick_ms && !hs->stopping; waited += 50)
            hubsim_sleep_ms((int)(hs->o.tick_ms - waited < 50 ? hs->o.tick_ms - waited : 50));
        if (hs->stopping)
            break;
        pthread_mutex_lock(&s->lock);
        sim_state_advance(s, 1);
        pthread_mutex_unlock(&s->lock);
    }
    return NULL;
}

struct hubsim *hubsim_new_offline(const struct hubsim_options *opts)
{
    struct hubsim *hs = fc_xcalloc(1, sizeof(*hs));
    hs->o = *opts;
    if (opts->state) {
        hs->msg_cache = rcache_new(256u << 20);
        hs->event_cache = rcache_new(256u << 20);
    }
    faults_init(&hs->faults, opts->fault_seed);
    pthread_mutex_init(&hs->stats_lock, NULL);
    return hs;
}

void hubsim_free_offline(struct hubsim *hs)
{
    rcache_free(hs->msg_cache);
    fanout_free(hs->fanout);
    rcache_free(hs->event_cache);
    faults_cleanup(&hs->faults);
    pthread_mutex_destroy(&hs->stats_lock);
    free(hs);
}

enum fc_err hubsim_start(const struct hubsim_options *opts, struct hubsim **out,
                         struct fc_diag *diag)
{
    struct hubsim *hs = hubsim_new_offline(opts);
    hs->daemon = hubsim_listen(hs, opts->port);
    if (!hs->daemon) {
        hubsim_free_offline(hs);
        return fc_diag_set(diag, FC_ERR_IO, "cannot listen on %s:%u (in use?)",
                           opts->bind ? opts->bind : "127.0.0.1", opts->port);
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(hs->daemon, MHD_DAEMON_INFO_BIND_PORT);
    hs->port = info ? info->port : opts->port;
    if (opts->state && opts->tick_ms) {
        if (pthread_create(&hs->ticker, NULL, tick_thread, hs) == 0)
            hs->ticker_running = true;
    }
    *out = hs;
    return FC_OK;
}

uint16_t hubsim_port(const struct hubsim *hs)
{
    return hs->port;
}

struct faults *hubsim_faults(struct hubsim *hs)
{
    return &hs->faults;
}

void hubsim_stop(struct hubsim *hs)
{
    if (!hs)
        return;
    hs->stopping = true;
    if (hs->downer_running)
        pthread_join(hs->downer, NULL);
    if (hs->ticker_running)
        pthread_join(hs->ticker, NULL);
    if (hs->daemon)
        MHD_stop_daemon(hs->daemon);
    hubsim_free_offline(hs);
}
