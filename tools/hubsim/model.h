/* The synthetic Farcaster network: every account's base history is a pure
 * function of (seed, fid), generated on demand; the live stream's changes
 * live in state.c as an overlay. Nothing here is stored per fid, so the
 * network scales to a million fids in constant memory. Not thread-safe on
 * its own: callers hold the simulator lock. */
#ifndef HUBSIM_MODEL_H
#define HUBSIM_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum sim_flavour { SIM_SNAPCHAIN, SIM_HUBBLE };

#define SIM_MAX_APPS 16
#define SIM_MAX_COUNT 30000        /* messages of one kind for one fid */
#define SIM_T0 142000000u          /* FC time where history ends and the stream starts */
#define SIM_HISTORY_SPAN 15552000u /* 180 days of history before SIM_T0 */
#define SIM_H0 7000000ull          /* Snapchain block height of tick 0 */

struct sim_params {
    uint64_t seed;
    uint64_t n_fids;
    uint64_t apps[SIM_MAX_APPS];
    size_t n_apps;
    unsigned shards; /* Snapchain data shards (1..N) */
    enum sim_flavour flavour;
};

/* Message types (protobuf values). */
enum {
    MT_CAST_ADD = 1, MT_CAST_REMOVE = 2, MT_REACTION_ADD = 3, MT_REACTION_REMOVE = 4,
    MT_LINK_ADD = 5, MT_LINK_REMOVE = 6, MT_VERIF_ADD = 7, MT_VERIF_REMOVE = 8,
    MT_USER_DATA_ADD = 11,
};

/* Kinds key the hash space and the per-fid lists. */
enum sim_kind {
    K_CAST, K_REACTION, K_LINK, K_VERIF, K_USERDATA, K_NKINDS,
    K_CAST_REMOVE = 16, K_REACTION_REMOVE, K_LINK_REMOVE, K_VERIF_REMOVE, K_SIGNER, K_CUSTODY,
    K_TEXT, K_PARENT, K_MENTION, K_EMBED, K_COUNT, K_PICK, K_TIME, K_FLAG,
};

/* A message, small enough to keep many; its JSON is rendered on demand. */
struct sim_msg {
    uint64_t fid;
    uint64_t target_fid; /* reaction/link target fid; 0 when the target is a URL */
    uint32_t ts;         /* FC time */
    uint32_t idx;        /* index in the fid's sequence of that kind: the content key */
    uint32_t target_idx; /* reaction target cast index; cast remove: the removed cast */
    uint32_t target_ts;  /* cast remove: timestamp of the removed cast */
    uint8_t type;        /* MT_* */
    uint8_t sub;         /* reaction type, user data type, verification protocol, url index */
    uint8_t hash[20];
};

/* One fid's base history as the hub returns it per endpoint, in order. */
struct sim_fid_data {
    uint64_t fid;
    struct sim_msg *list[K_NKINDS];
    size_t n[K_NKINDS];
};

/* Home data shard of a fid: (u32_be(SHA256(u32_be(fid))[0..4]) % shards) + 1. */
unsigned sim_shard_of(uint64_t fid, unsigned shards);

/* Counts of base messages of a kind (before removes), heavy-tailed. */
uint32_t sim_count(const struct sim_params *p, uint64_t fid, enum sim_kind kind);

/* True when fid exists in the network (1..n_fids or an app fid). */
bool sim_fid_exists(const struct sim_params *p, uint64_t fid);

/* A fid drawn from the power-law popularity ranking by key h. */
uint64_t sim_popular_fid(const struct sim_params *p, uint64_t h);

/* Whether base cast idx of fid was removed by its author (CastRemove). */
bool sim_cast_removed(const struct sim_params *p, uint64_t fid, uint32_t idx);

/* Generates fid's base history. Caller frees with sim_fid_data_free. */
struct sim_fid_data *sim_fid_generate(const struct sim_params *p, uint64_t fid);
void sim_fid_data_free(struct sim_fid_data *d);

/* Timestamp of base message idx of a kind (strictly increasing in idx). */
uint32_t sim_base_ts(const struct sim_params *p, uint64_t fid, unsigned kind, uint32_t idx,
                     uint32_t count);

/* On-chain facts of a fid. */
struct sim_signer {
    uint8_t key[32];       /* ed25519 public key (sign.h derives the pair) */
    uint64_t app_fid;      /* request fid in the metadata */
    uint64_t block_number; /* add */
    uint32_t log_index;
    bool removed;
    uint64_t remove_block;
};
#define SIM_MAX_SIGNERS 3
size_t sim_signers(const struct sim_params *p, uint64_t fid, struct sim_signer out[SIM_MAX_SIGNERS]);
/* Custody and recovery addresses now. A third of the fids moved their fid to
 * this custody (REGISTER to a first address, then TRANSFER), a quarter
 * changed their recovery address (CHANGE_RECOVERY); the id-register history
 * renders those events with the empty byte fields the hubs write. */
void sim_custody(const struct sim_params *p, uint64_t fid, uint8_t out[20]);
void sim_recovery(const struct sim_params *p, uint64_t fid, uint8_t out[20]);
bool sim_custody_transferred(const struct sim_params *p, uint64_t fid);
bool sim_recovery_changed(const struct sim_params *p, uint64_t fid);
void sim_first_custody(const struct sim_params *p, uint64_t fid, uint8_t out[20]);
void sim_first_recovery(const struct sim_params *p, uint64_t fid, uint8_t out[20]);
uint64_t sim_register_block(const struct sim_params *p, uint64_t fid);

/* Username (fname) of a fid; writes a NUL-terminated name into out[32]. */
void sim_username(const struct sim_params *p, uint64_t fid, char out[32]);

/* Channel URL number i (parent URLs and URL reaction targets). */
const char *sim_channel_url(unsigned i);
#define SIM_N_CHANNELS 8

#endif
