/* Farcaster time: seconds since the Farcaster epoch, 2021-01-01T00:00:00Z.
 * Message timestamps, link displayTimestamp and block times are in it;
 * on-chain blockTimestamp and username-proof timestamps are Unix seconds.
 * Every conversion in the project goes through these functions. */
#ifndef FC_CORE_FCTIME_H
#define FC_CORE_FCTIME_H

#include <stdint.h>

#define FC_EPOCH_UNIX 1609459200LL
#define FC_EPOCH_UNIX_MS 1609459200000LL

static inline int64_t fc_time_to_unix(uint32_t fc_ts) { return (int64_t)fc_ts + FC_EPOCH_UNIX; }

/* Returns -1 when unix_s is before the epoch or beyond uint32 FC time. */
int64_t fc_time_from_unix(int64_t unix_s);

/* Formats Unix seconds as RFC 3339 UTC ("2024-01-01T00:00:00Z"); out >= 21 bytes. */
void fc_time_format_rfc3339(int64_t unix_s, char *out, unsigned long out_size);

/* Current wall-clock time in Unix milliseconds and a monotonic clock in ms. */
int64_t fc_now_unix_ms(void);
int64_t fc_now_mono_ms(void);

#endif
