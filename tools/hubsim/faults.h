/* Fault injection rules for the simulator, decided by a seeded RNG over a
 * request counter so a run with the same request order is reproducible. */
#ifndef HUBSIM_FAULTS_H
#define HUBSIM_FAULTS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "item_faults.h"

struct fault_rule {
    char endpoint[64]; /* "/v1/castsByFid" or "*" */
    int latency_ms, jitter_ms;
    double error_rate;
    int error_statuses[4];
    int n_error_statuses;
    double rate_limit_rate;
    int retry_after_s;
    double reset_rate, truncate_rate, broken_json_rate, slow_rate, hang_rate;
    int slow_bytes_per_sec;
    int hang_ms;
    struct item_fault_rule items; /* bad items inside answered pages */
};

enum fault_kind {
    FAULT_NONE, FAULT_ERROR, FAULT_RATE_LIMIT, FAULT_RESET, FAULT_TRUNCATE, FAULT_BROKEN_JSON,
    FAULT_SLOW, FAULT_HANG, FAULT_NKINDS,
};

struct fault_decision {
    enum fault_kind kind;
    int delay_ms;       /* added latency before answering */
    int status;         /* FAULT_ERROR */
    int retry_after_s;  /* FAULT_RATE_LIMIT */
    int slow_bytes_per_sec;
    int hang_ms;
    struct item_fault_rule items; /* applied when the page is answered */
};

#define MAX_FAULT_RULES 32

struct faults {
    pthread_mutex_t lock;
    uint64_t seed;
    uint64_t counter;
    struct fault_rule rules[MAX_FAULT_RULES];
    int n_rules;
    uint64_t injected[FAULT_NKINDS];
    uint64_t bad_items; /* items broken by item faults */
    uint64_t forged[FORGE_NWAYS]; /* messages forged, by way (text, hash, signature, signer) */
};

void faults_init(struct faults *f, uint64_t seed);
void faults_cleanup(struct faults *f);

/* Applies a JSON control document: {"endpoint": "*", "error_rate": 0.3, ...}
 * replaces that endpoint's rule; {"clear": true} removes all; "seed" resets
 * the RNG. *down_ms receives a requested outage length (0 = none). */
FC_MUST_CHECK
enum fc_err faults_apply_json(struct faults *f, const char *json, size_t len, int *down_ms,
                              struct fc_diag *diag);

/* Writes the current rules and counters as JSON. */
void faults_describe(struct faults *f, struct fc_buf *out);

/* Decides what happens to the next request to endpoint. */
struct fault_decision faults_decide(struct faults *f, const char *endpoint);

const char *fault_kind_name(enum fault_kind k);

/* Breaks the items a decision's item rule chooses in an answered page. */
void faults_apply_items(struct faults *f, const struct fault_decision *d, struct fc_buf *body);

#endif
