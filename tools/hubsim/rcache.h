/* A cache of rendered JSON keyed by 24 bytes (message ts+hash, or event
 * shard+id), so hot pages are served by copying instead of re-rendering.
 * Bounded: when it holds more than its byte budget it starts over. Callers
 * serialise access (the simulator lock). */
#ifndef HUBSIM_RCACHE_H
#define HUBSIM_RCACHE_H

#include <stddef.h>
#include <stdint.h>

struct rcache;

struct rcache *rcache_new(size_t budget_bytes);
void rcache_free(struct rcache *c);
/* Returns the cached text for key, or NULL. */
const char *rcache_get(struct rcache *c, const uint8_t key[24], size_t *len);
void rcache_put(struct rcache *c, const uint8_t key[24], const char *text, size_t len);

#endif
