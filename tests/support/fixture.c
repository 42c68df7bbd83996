#include "support/fixture.h"

#include <stdio.h>

void fct_fixture_hubsim(struct fct_fixture *f, const char *const *args)
{
    f->sim_pid = fct_hubsim_start(args, &f->sim_port);
    snprintf(f->hubs, sizeof(f->hubs), "http://127.0.0.1:%d", f->sim_port);
}

int fct_fixture_teardown(void **state)
{
    struct fct_fixture *f = *state;
    if (!f)
        return 0; /* the setup failed before it had one */
    fct_hubsim_stop(f->sim_pid);
    fct_db_drop(f->db);
    fct_db_drop(f->db2);
    return 0;
}
