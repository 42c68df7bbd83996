/* Corpus mode: a recorded set of hub responses (a manifest plus one file per
 * response, like tests/fixtures/hub-sample) loaded into per-endpoint lists
 * of raw JSON items, so they can be re-paginated for any page size while
 * each item keeps its recorded bytes. Read-only after load; thread-safe. */
#ifndef HUBSIM_CORPUS_H
#define HUBSIM_CORPUS_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "model.h"

struct corpus_item {
    const char *json;  /* recorded bytes of the item (not NUL-terminated) */
    size_t len;
    uint8_t key[24];   /* messages: 4-byte BE timestamp + 20-byte hash */
    uint64_t id;       /* events: event id; fids: the fid; on-chain: block<<20|log */
    uint64_t fid;
};

struct corpus_list {
    struct corpus_item *items;
    size_t n;
};

struct corpus;

/* Loads every file the manifest in dir lists for the flavour. */
FC_MUST_CHECK
enum fc_err corpus_load(const char *dir, enum sim_flavour flavour, struct corpus **out,
                        struct fc_diag *diag);
void corpus_free(struct corpus *c);

/* A list by name: "castsByFid:F", "reactionsByFid:F", "linksByFid:F",
 * "userDataByFid:F", "verificationsByFid:F", "onChainSignersByFid:F",
 * "onChainEventsByFid:F:EVENT_TYPE_X", "userNameProofsByFid:F",
 * "events:S" (Snapchain shard, Hubble 0), "fids:S" (Snapchain shard, Hubble 0).
 * Returns an empty list when absent. */
struct corpus_list corpus_get(const struct corpus *c, const char *name);

/* The i-th list whose name starts with prefix (NULL past the last). */
const struct corpus_list *corpus_list_at(const struct corpus *c, size_t i, const char *prefix);

/* The recorded body for a request whose path and decoded query pairs equal
 * a manifest entry's, or NULL. canon is built by corpus_canon. */
const char *corpus_exact(const struct corpus *c, const char *canon, size_t *len);

/* Canonical request key: path + "?" + pairs sorted, "k=v" joined by "&". */
void corpus_canon(const char *path, const char *const *keys, const char *const *vals, size_t n,
                  char *out, size_t out_size);

unsigned corpus_shards(const struct corpus *c);
size_t corpus_fid_count(const struct corpus *c);
uint64_t corpus_message_count(const struct corpus *c);

#endif
