/* The simulator's HTTP server: routes the hub API over either the synthetic
 * state or a loaded corpus, with fault injection and control endpoints. */
#ifndef HUBSIM_SERVER_H
#define HUBSIM_SERVER_H

#include <stdint.h>

#include "core/err.h"
#include "corpus.h"
#include "faults.h"
#include "state.h"

struct hubsim_options {
    const char *bind;     /* "127.0.0.1" */
    uint16_t port;        /* 0 = any free port */
    enum sim_flavour flavour;
    struct sim_state *state;   /* synthetic mode (or NULL) */
    struct corpus *corpus;     /* corpus mode (or NULL) */
    uint64_t fault_seed;
    unsigned tick_ms;          /* live mode: wall ms per tick; 0 = static */
    uint32_t live_ticks;       /* live mode stops after this many ticks; 0 = never */
};

struct hubsim;

FC_MUST_CHECK
enum fc_err hubsim_start(const struct hubsim_options *opts, struct hubsim **out,
                         struct fc_diag *diag);
uint16_t hubsim_port(const struct hubsim *hs);
struct faults *hubsim_faults(struct hubsim *hs);
void hubsim_stop(struct hubsim *hs);

/* Builds the response to one request without a network (used by the
 * server and by the query-parsing fuzz target). keys/vals are the decoded
 * query arguments. The caller frees body with fc_buf_cleanup. */
struct sim_response {
    int status;
    const char *content_type;
    struct fc_buf body;
    int retry_after_s;
};
void hubsim_handle(struct hubsim *hs, const char *method, const char *path,
                   const char *const *keys, const char *const *vals, size_t n,
                   const char *upload, size_t upload_len, struct sim_response *resp);

/* A server object with no listener, for hubsim_handle alone. */
struct hubsim *hubsim_new_offline(const struct hubsim_options *opts);
void hubsim_free_offline(struct hubsim *hs);

#endif
