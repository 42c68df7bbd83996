#include "core/fctime.h"

#include <stdio.h>
#include <time.h>

int64_t fc_time_from_unix(int64_t unix_s)
{
    int64_t fc = unix_s - FC_EPOCH_UNIX;
    if (fc < 0 || fc > (int64_t)UINT32_MAX)
        return -1;
    return fc;
}

void fc_time_format_rfc3339(int64_t unix_s, char *out, unsigned long out_size)
{
    time_t t = (time_t)unix_s;
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, out_size, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

int64_t fc_now_unix_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t fc_now_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
