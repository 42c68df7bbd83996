/* The API's response cache: an LRU with TTL, get-or-fill with single flight
 * (one fill per key at a time; concurrent callers wait for it), and
 * invalidation by fid. Each entry names the fids its content depends on;
 * fc_cache_invalidate(fid) makes every entry depending on fid stale at once.
 *
 * Invalidation is by generation: a fid's slot records the sequence number of
 * its last invalidation, and an entry is fresh only while none of its fids
 * was invalidated after its fill began, so a fill racing an invalidation is
 * never served. Processes share invalidations through state/changes.
 *
 * A value read from a lagging replica reflects the database as of an
 * earlier time (as_of_ms): it counts as filled then, so an invalidation
 * that arrived after that time but before the fill (the replica had not
 * replayed the change yet) makes it stale at once instead of leaving it
 * cached for its whole TTL. The cache remembers when recent invalidations
 * arrived; a value older than that memory is served but not kept. */
#ifndef FC_API_CACHE_H
#define FC_API_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/vec.h"

struct fc_cache;

struct fc_cache_value {
    int status;
    struct fc_buf body;
    FC_VEC(uint64_t) fids; /* the fids the value depends on (fc_cache_value_depend) */
    bool all;       /* depends on everything: any invalidation makes it stale */
    int64_t as_of_ms; /* the data is as of this fc_now_mono_ms() time; 0: the fill's start */
};

void fc_cache_value_depend(struct fc_cache_value *v, uint64_t fid);

/* Fills v (status, body, dependencies); returns false on failure, in which
 * case v->status and v->body carry the error response, which is not cached. */
typedef bool (*fc_cache_fill_fn)(void *arg, struct fc_cache_value *v);

struct fc_cache_stats {
    uint64_t hits, misses, stale, waits, evictions, invalidations;
    uint64_t too_old; /* fills older than the remembered invalidations: served, not kept */
    size_t entries, bytes;
};

/* A cache of at most max_entries values and max_bytes bytes of bodies; the
 * caller frees it with fc_cache_free. */
struct fc_cache *fc_cache_new(size_t max_entries, size_t max_bytes);
void fc_cache_free(struct fc_cache *c);

/* Copies the cached value of key into status/body when fresh, otherwise
 * fills it (once for all concurrent callers) and caches successful fills
 * for ttl_s seconds. *hit tells which happened. ttl_s 0 bypasses the cache. */
void fc_cache_get(struct fc_cache *c, const char *key, int ttl_s, fc_cache_fill_fn fill,
                  void *arg, int *status, struct fc_buf *body, bool *hit);

/* Copies the cached value of key into status/body when it is fresh (and
 * not being filled); false otherwise, touching nothing: no fill, no wait. */
bool fc_cache_peek(struct fc_cache *c, const char *key, int *status, struct fc_buf *body);

/* Marks every entry depending on any of fids stale. */
void fc_cache_invalidate(struct fc_cache *c, const uint64_t *fids, size_t n);
/* Drops everything (e.g. when invalidations may have been missed). */
void fc_cache_clear(struct fc_cache *c);

void fc_cache_stats(struct fc_cache *c, struct fc_cache_stats *out);

#endif
