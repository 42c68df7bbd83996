/* A set of fids (the target set, the client set) behind one interface with
 * two backends: embedded (in-process hash set, for one process) and Redis
 * (a Redis set under a key, shared by several processes). PostgreSQL stays
 * the source of truth: both are rebuilt from it at start.
 * Thread-safety: the embedded backend is safe for concurrent use; a Redis
 * set owns one connection and is guarded by a mutex. */
#ifndef FC_STATE_FIDSET_H
#define FC_STATE_FIDSET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct fc_fidset;

/* An embedded set; the caller frees it with fc_fidset_free. */
struct fc_fidset *fc_fidset_new_embedded(void);

/* A Redis set at key prefix+name on the server at url; *out is the
 * caller's, freed with fc_fidset_free. */
FC_MUST_CHECK
enum fc_err fc_fidset_open_redis(const char *url, const char *prefix, const char *name,
                                 struct fc_fidset **out, struct fc_diag *diag);

void fc_fidset_free(struct fc_fidset *s);

/* Membership; a Redis error counts as absent and is reported by the next
 * call that can fail. */
bool fc_fidset_has(struct fc_fidset *s, uint64_t fid);
/* Batch membership: out[i] for fids[i] (one round trip on Redis). */
FC_MUST_CHECK
enum fc_err fc_fidset_has_many(struct fc_fidset *s, const uint64_t *fids, size_t n, bool *out,
                               struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_fidset_add(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_fidset_remove(struct fc_fidset *s, uint64_t fid, struct fc_diag *diag);
FC_MUST_CHECK
enum fc_err fc_fidset_count(struct fc_fidset *s, size_t *n, struct fc_diag *diag);
/* Replaces the whole content (rebuild from PostgreSQL). */
FC_MUST_CHECK
enum fc_err fc_fidset_replace(struct fc_fidset *s, const uint64_t *fids, size_t n,
                              struct fc_diag *diag);

/* Connections made so far (Redis; 0 embedded). A change means the set was
 * reached again after an outage, possibly on a Redis that lost it: the
 * owner rebuilds it from PostgreSQL. */
uint64_t fc_fidset_connects(struct fc_fidset *s);

#endif
