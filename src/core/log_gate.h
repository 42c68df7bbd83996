/* Logging for something that fails over and over (a service down, a retry
 * storm): one line when it starts failing, one summary a minute while it
 * keeps failing, one line when it works again. Log volume then stays
 * bounded whatever the failure rate. Thread-safe. */
#ifndef FC_CORE_LOG_GATE_H
#define FC_CORE_LOG_GATE_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct fc_log_gate {
    pthread_mutex_t mu;
    const char *component;
    const char *what;     /* "PostgreSQL", "Redis", "writer conflicts" */
    bool failing;
    uint64_t failures;     /* since it started failing */
    uint64_t since_summary;
    int64_t started_ms, last_summary_ms;
    char last[256];        /* the latest reason */
};

/* component and what are borrowed (string literals). */
void fc_log_gate_init(struct fc_log_gate *g, const char *component, const char *what);
void fc_log_gate_cleanup(struct fc_log_gate *g);

/* Records a failure with its reason (one line; already free of secrets). */
void fc_log_gate_fail(struct fc_log_gate *g, const char *reason);
/* Records a success: logs the recovery when it was failing. */
void fc_log_gate_ok(struct fc_log_gate *g);
/* True while failing (no success since the last failure). */
bool fc_log_gate_failing(struct fc_log_gate *g);

#endif
