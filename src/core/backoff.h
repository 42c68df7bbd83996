/* Retry delays: exponential with full jitter and a cap, so many clients
 * failing together do not retry in step. Thread-safe. */
#ifndef FC_CORE_BACKOFF_H
#define FC_CORE_BACKOFF_H

#include <stdint.h>

/* A delay for the given attempt (1 for the first retry): with
 * top = min(cap_ms, base_ms * 2^(attempt-1)), uniformly random in [top/2, top]. */
int64_t fc_backoff_ms(int attempt, int base_ms, int cap_ms);

/* Sleeps ms milliseconds in slices of at most 100 ms, returning early once
 * *stop becomes non-zero (stop may be NULL). */
void fc_sleep_ms(int64_t ms, volatile const int *stop);

#endif
