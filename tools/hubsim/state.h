/* The simulator's mutable state: a cache of generated fids, the overlay of
 * changes made by the live stream, and the retained event log. Every
 * function here must be called with the state's lock held (sim_lock). */
#ifndef HUBSIM_STATE_H
#define HUBSIM_STATE_H

#include <pthread.h>

#include "model.h"

enum {
    EV_MERGE_MESSAGE = 1, EV_PRUNE_MESSAGE = 2, EV_REVOKE_MESSAGE = 3,
    EV_MERGE_USERNAME_PROOF = 6, EV_MERGE_ON_CHAIN_EVENT = 9, EV_BLOCK_CONFIRMED = 11,
};

struct sim_event {
    uint64_t id;
    uint32_t tick;
    uint16_t shard;
    uint8_t type;
    uint8_t has_deleted;
    uint32_t total_events; /* BLOCK_CONFIRMED */
    struct sim_msg msg;
    struct sim_msg deleted;
    struct sim_signer signer; /* MERGE_ON_CHAIN_EVENT (signer add) */
};

struct sim_event_log {
    struct sim_event *ev;
    size_t start, len, cap; /* retained events are ev[start..len) */
};

struct sim_overlay;

struct sim_state {
    struct sim_params p;
    pthread_mutex_t lock;
    uint32_t head_tick;        /* ticks generated so far */
    uint32_t retention_ticks;  /* simulated seconds of events kept */
    uint32_t events_per_tick;
    struct sim_event_log logs[64]; /* per shard (Snapchain 1..N at [s-1]) or [0] (Hubble) */
    size_t n_logs;
    struct {
        uint64_t fid;
        struct sim_fid_data *data;
        uint64_t used;
    } cache[256];
    uint64_t clock;
    struct sim_overlay **overlays; /* open addressing by fid */
    size_t overlay_cap, n_overlays;
};

void sim_state_init(struct sim_state *s, const struct sim_params *p, uint32_t retention_ticks,
                    uint32_t events_per_tick);
void sim_state_cleanup(struct sim_state *s);

/* Generates the next n ticks of the live stream and applies them. */
void sim_state_advance(struct sim_state *s, uint32_t n);

/* The messages the hub returns for (fid, kind) now, in (timestamp, hash)
 * order. *out is a new array the caller frees. */
size_t sim_state_list(struct sim_state *s, uint64_t fid, enum sim_kind kind, struct sim_msg **out);

/* When fid has no live changes, points *out at its cached base list (valid
 * while the lock is held) and returns true; the caller must not free it. */
bool sim_state_base_view(struct sim_state *s, uint64_t fid, enum sim_kind kind,
                         const struct sim_msg **out, size_t *n);

/* Whether the live stream changed fid (else its base history stands), and
 * whether it deleted fid's message with this hash. Neither generates fid. */
bool sim_state_touched(struct sim_state *s, uint64_t fid);
bool sim_state_deleted(struct sim_state *s, uint64_t fid, const uint8_t hash[20]);

/* Signer keys of a fid now: base keys and live adds (each with removed flag). */
size_t sim_state_signers(struct sim_state *s, uint64_t fid, struct sim_signer **out);

/* The event log of a Snapchain shard (1..N) or the Hubble stream (0). */
struct sim_event_log *sim_state_log(struct sim_state *s, unsigned shard);

/* Height of the latest block (Snapchain) for /v1/info. */
uint64_t sim_state_height(const struct sim_state *s);

#endif
