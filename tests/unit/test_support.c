/* The test support's own guards: a pid <= 0 (a child a failed setup never
 * started) is never signalled nor waited for. kill() would take 0 as the
 * whole process group and -1 as every process; waitpid() would take 0 or -1
 * as any child. */
#include "support/testenv.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

/* Signal 0 delivers nothing and only checks: kill(0, 0) and kill(-1, 0)
 * succeed, so an unguarded fct_signal returns 0 here. */
static void signal_skips_pids_below_one(void **state)
{
    (void)state;
    assert_int_equal(fct_signal(0, 0), -1);
    assert_int_equal(fct_signal(-1, 0), -1);
    assert_int_equal(fct_signal((int)getpid(), 0), 0); /* a real pid is signalled */
}

/* A child that already exited stays for its owner to reap: stopping pid 0
 * or -1 must not wait for it (waitpid(0 or -1) would take it). */
static void hubsim_stop_waits_for_no_other_child(void **state)
{
    (void)state;
    pid_t child = fork();
    assert_true(child >= 0);
    if (child == 0)
        _exit(7);
    siginfo_t info;
    assert_int_equal(waitid(P_PID, (id_t)child, &info, WEXITED | WNOWAIT), 0); /* exited, unreaped */
    fct_hubsim_stop(0);
    fct_hubsim_stop(-1);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 7);
}

FCT_MAIN(NULL, NULL, signal_skips_pids_below_one, hubsim_stop_waits_for_no_other_child)
