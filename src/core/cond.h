/* Condition variables whose timed waits run on CLOCK_MONOTONIC, so a step of
 * the wall clock neither stretches nor cuts a wait. */
#ifndef FC_CORE_COND_H
#define FC_CORE_COND_H

#include <pthread.h>
#include <stdint.h>
#include <time.h>

/* pthread_cond_init for a condition waited on with fc_cond_deadline. */
void fc_cond_init_monotonic(pthread_cond_t *c);
/* The deadline ms milliseconds from now, for pthread_cond_timedwait on a
 * condition from fc_cond_init_monotonic. */
struct timespec fc_cond_deadline(int64_t ms);

#endif
