#include "core/backoff.h"

#include <pthread.h>
#include <time.h>

#include "core/fctime.h"

static _Thread_local uint64_t rng;

static uint64_t next_rand(void)
{
    if (!rng) /* seeded per thread: time and the thread's own address */
        rng = (uint64_t)fc_now_unix_ms() ^ ((uint64_t)(uintptr_t)&rng << 16) ^ 0x9e3779b97f4a7c15ull;
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

int64_t fc_backoff_ms(int attempt, int base_ms, int cap_ms)
{
    if (base_ms < 1)
        base_ms = 1;
    if (cap_ms < base_ms)
        cap_ms = base_ms;
    int shift = attempt - 1 < 20 ? attempt - 1 : 20;
    int64_t top = (int64_t)base_ms << (shift > 0 ? shift : 0);
    if (top > cap_ms)
        top = cap_ms;
    int64_t low = top / 2; /* half fixed, half random: still grows, never in step */
    return low + (int64_t)(next_rand() % (uint64_t)(top - low + 1));
}

void fc_sleep_ms(int64_t ms, volatile const int *stop)
{
    while (ms > 0 && !(stop && *stop)) {
        int64_t slice = ms < 100 ? ms : 100;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)slice * 1000000L};
        nanosleep(&ts, NULL);
        ms -= slice;
    }
}
