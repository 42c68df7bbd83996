/* The services the tests of one file share, as a cmocka group fixture: a
 * group setup fills a struct fct_fixture and sets *state to it; the group
 * teardown fct_fixture_teardown stops its simulator and drops its databases. */
#ifndef FC_TESTS_FIXTURE_H
#define FC_TESTS_FIXTURE_H

#include "support/testenv.h"

struct fct_fixture {
    int sim_pid, sim_port; /* 0 until fct_fixture_hubsim */
    char hubs[128];        /* "http://127.0.0.1:PORT" of the simulator */
    char db[512], db2[512]; /* throwaway databases; "" when not made */
};

/* Starts `hubsim --port 0 ARGS...` for the file (fct_hubsim_start). */
void fct_fixture_hubsim(struct fct_fixture *f, const char *const *args);

/* The group teardown: *state is the fixture. */
int fct_fixture_teardown(void **state);

#endif
