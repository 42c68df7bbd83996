/* The control endpoints of a simulator a test started (fct_hubsim_start):
 * setting faults, reading how far its network has come. */
#ifndef FC_TESTS_HUBSIM_CTL_H
#define FC_TESTS_HUBSIM_CTL_H

#include "support/testenv.h"

/* POSTs json to /_sim/faults of the simulator on port; fails the test
 * unless it answers 200. */
void fct_hubsim_faults(int port, const char *json);

/* The simulator's newest block (head_tick of /_sim/stats); fails the test
 * when it does not say. */
unsigned long long fct_hubsim_head_tick(int port);

/* Polls /_sim/stats until the simulator's newest block is at least tick;
 * fails the test when it is not within timeout_ms. */
void fct_hubsim_wait_tick(int port, unsigned long long tick, int timeout_ms);

/* The number at path (NULL-terminated keys) in the JSON the simulator on
 * port answers at sim_path ("/_sim/stats", "/_sim/faults"); fails the test
 * when it does not answer 200 or has no number there. */
long long fct_hubsim_number(int port, const char *sim_path, const char *const *path);

/* Requests the simulator on port has answered on endpoint ("/v1/events"). */
long long fct_hubsim_requests(int port, const char *endpoint);

#endif
