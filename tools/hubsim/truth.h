/* Ground truth for the synthetic network: the state an indexer configured
 * with given roots and clients must reach after the stream up to a tick.
 * Format documented in docs/hubsim.md. */
#ifndef HUBSIM_TRUTH_H
#define HUBSIM_TRUTH_H

#include "core/buf.h"
#include "state.h"

struct truth_options {
    const uint64_t *roots;
    size_t n_roots;
    const uint64_t *clients;
    size_t n_clients;
    unsigned depth; /* follow hops from roots that become targets */
};

/* Writes the truth JSON for the state as it is (advance it first). */
void truth_write(struct sim_state *s, const struct truth_options *o, struct fc_buf *out);

#endif
