#include "core/log_gate.h"

#include <stdio.h>
#include <string.h>

#include "core/fctime.h"
#include "core/log.h"

#define SUMMARY_EVERY_MS 60000

void fc_log_gate_init(struct fc_log_gate *g, const char *component, const char *what)
{
    memset(g, 0, sizeof(*g));
    pthread_mutex_init(&g->mu, NULL);
    g->component = component;
    g->what = what;
}

void fc_log_gate_cleanup(struct fc_log_gate *g)
{
    pthread_mutex_destroy(&g->mu);
}

void fc_log_gate_fail(struct fc_log_gate *g, const char *reason)
{
    int64_t now = fc_now_mono_ms();
    pthread_mutex_lock(&g->mu);
    snprintf(g->last, sizeof(g->last), "%s", reason ? reason : "");
    if (!g->failing) {
        g->failing = true;
        g->failures = 1;
        g->since_summary = 0;
        g->started_ms = g->last_summary_ms = now;
        log_warn(g->component, "%s: %s; retrying with backoff (a summary every minute)", g->what,
                 g->last);
    } else {
        g->failures++;
        g->since_summary++;
        if (now - g->last_summary_ms >= SUMMARY_EVERY_MS) {
            log_warn(g->component, "%s: still failing after %.0f s, %llu failures in the last "
                                   "minute; latest: %s", g->what,
                     (double)(now - g->started_ms) / 1000.0,
                     (unsigned long long)g->since_summary, g->last);
            g->since_summary = 0;
            g->last_summary_ms = now;
        }
    }
    pthread_mutex_unlock(&g->mu);
}

void fc_log_gate_ok(struct fc_log_gate *g)
{
    pthread_mutex_lock(&g->mu);
    if (g->failing) {
        g->failing = false;
        log_info(g->component, "%s: working again after %.1f s and %llu failures", g->what,
                 (double)(fc_now_mono_ms() - g->started_ms) / 1000.0,
                 (unsigned long long)g->failures);
    }
    pthread_mutex_unlock(&g->mu);
}

bool fc_log_gate_failing(struct fc_log_gate *g)
{
    pthread_mutex_lock(&g->mu);
    bool f = g->failing;
    pthread_mutex_unlock(&g->mu);
    return f;
}
