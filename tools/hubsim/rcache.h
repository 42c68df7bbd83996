/* A cache of rendered JSON keyed by 24 bytes (message ts+hash, or event
 * shard+id), so hot pages are served by copying instead of re-rendering.
 * Bounded: when it holds more than its byte budget it starts over.
 * Thread-safe (a read-write lock: readers copy out concurrently). */
#ifndef HUBSIM_RCACHE_H
#define HUBSIM_RCACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct rcache;

struct rcache *rcache_new(size_t budget_bytes);
void rcache_free(struct rcache *c);
/* Appends the cached text for key to out and returns true, or false. */
bool rcache_get(struct rcache *c, const uint8_t key[24], struct fc_buf *out);
void rcache_put(struct rcache *c, const uint8_t key[24], const char *text, size_t len);

#endif
