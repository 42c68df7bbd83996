#include "state/changes.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/log.h"
#include "core/log_gate.h"
#include "state/redis_conn.h"

struct fc_changes_pub {
    pthread_mutex_t lock; /* commits come from several worker threads */
    struct fc_redis_link link; /* reconnects with backoff: a commit never waits on a dead Redis */
    struct fc_log_gate gate;   /* a line when publishing starts failing, not one per commit */
    char channel[256];
};

enum fc_err fc_changes_pub_open(const char *url, const char *prefix, struct fc_changes_pub **out,
                                struct fc_diag *diag)
{
    struct fc_changes_pub *p = fc_xcalloc(1, sizeof(*p));
    fc_redis_link_init(&p->link, url);
    enum fc_err err = fc_redis_link_connect(&p->link, diag);
    if (err) {
        free(p);
        return err;
    }
    pthread_mutex_init(&p->lock, NULL);
    fc_log_gate_init(&p->gate, "changes", "publishing changes (caches expire by TTL meanwhile)");
    snprintf(p->channel, sizeof(p->channel), "%schanges", prefix);
    *out = p;
    return FC_OK;
}

void fc_changes_pub_free(struct fc_changes_pub *p)
{
    if (!p)
        return;
    fc_redis_link_cleanup(&p->link);
    fc_log_gate_cleanup(&p->gate);
    pthread_mutex_destroy(&p->lock);
    free(p);
}

void fc_changes_publish(struct fc_changes_pub *p, const uint64_t *fids, size_t n)
{
    if (!n)
        return;
    struct fc_buf b = FC_BUF_INIT;
    for (size_t i = 0; i < n; i++)
        fc_buf_printf(&b, "%s%" PRIu64, i ? "," : "", fids[i]);
    pthread_mutex_lock(&p->lock);
    struct fc_diag diag;
    struct fc_redis_reply *r = fc_redis_link_cmd(&p->link, &diag, "PUBLISH %s %b", p->channel,
                                                 b.data, b.len);
    if (r) {
        fc_redis_reply_free(r);
        fc_log_gate_ok(&p->gate);
    } else {
        fc_log_gate_fail(&p->gate, diag.msg);
    }
    pthread_mutex_unlock(&p->lock);
    fc_buf_cleanup(&b);
}

struct fc_changes_sub {
    char *url;
    char channel[256];
    fc_changes_fn on_change;
    fc_changes_reset_fn on_reset;
    void *arg;
    pthread_t thread;
    atomic_int stop;
};

static void deliver(struct fc_changes_sub *s, const char *text, size_t len)
{
    uint64_t fids[512];
    size_t n = 0;
    uint64_t v = 0;
    bool digits = false;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] >= '0' && text[i] <= '9') {
            v = v * 10 + (uint64_t)(text[i] - '0');
            digits = true;
            continue;
        }
        if (digits)
            fids[n++] = v;
        v = 0;
        digits = false;
        if (n == sizeof(fids) / sizeof(fids[0])) {
            s->on_change(s->arg, fids, n);
            n = 0;
        }
    }
    if (n)
        s->on_change(s->arg, fids, n);
}

static void on_message(void *arg, const char *payload, size_t len)
{
    deliver(arg, payload, len);
}

/* One connection's life: subscribe, then read messages until an error or
 * stop, waking every 200 ms to see whether to stop. */
static void listen_once(struct fc_changes_sub *s)
{
    struct fc_redis *r = NULL;
    struct fc_diag diag;
    if (fc_redis_open(s->url, 1000, &r, &diag)) {
        log_warn("changes", "listener: %s", diag.msg);
        return;
    }
    if (fc_redis_subscribe(r, s->channel, &diag)) {
        fc_redis_close(r);
        return;
    }
    s->on_reset(s->arg); /* messages before now may have been missed */
    while (!s->stop && fc_redis_wait_messages(r, 200, on_message, s) >= 0)
        ;
    fc_redis_close(r);
}

static void *listener(void *arg)
{
    struct fc_changes_sub *s = arg;
    while (!s->stop) {
        listen_once(s);
        for (int i = 0; i < 5 && !s->stop; i++)
            usleep(100000);
    }
    return NULL;
}

enum fc_err fc_changes_sub_start(const char *url, const char *prefix, fc_changes_fn on_change,
                                 fc_changes_reset_fn on_reset, void *arg,
                                 struct fc_changes_sub **out, struct fc_diag *diag)
{
    struct fc_changes_sub *s = fc_xcalloc(1, sizeof(*s));
    s->url = fc_xstrdup(url);
    snprintf(s->channel, sizeof(s->channel), "%schanges", prefix);
    s->on_change = on_change;
    s->on_reset = on_reset;
    s->arg = arg;
    if (pthread_create(&s->thread, NULL, listener, s) != 0) {
        free(s->url);
        free(s);
        return fc_diag_set(diag, FC_ERR_NOMEM, "cannot start the change listener thread");
    }
    *out = s;
    return FC_OK;
}

void fc_changes_sub_stop(struct fc_changes_sub *s)
{
    if (!s)
        return;
    s->stop = 1;
    pthread_join(s->thread, NULL);
    free(s->url);
    free(s);
}
