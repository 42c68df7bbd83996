/* "By target" reads that fan out over every account: followers of a fid
 * (linksByTargetFid), reactions to a cast (reactionsByCast) and replies to a
 * cast (castsByParent). Synthetic mode scans every fid's history once into
 * reverse indexes (so it needs a network of at most SIM_FANOUT_MAX_FIDS)
 * and adds the live stream's changes at query time. Call with the state
 * lock held. */
#ifndef HUBSIM_FANOUT_H
#define HUBSIM_FANOUT_H

#include "state.h"

#define SIM_FANOUT_MAX_FIDS 20000

/* FAN_CHANNEL: casts whose parentUrl is channel number target_fid. */
enum fanout_kind { FAN_FOLLOWERS, FAN_REACTIONS, FAN_REPLIES, FAN_CHANNEL };

struct fanout;

/* Candidates for a target: fid for FAN_FOLLOWERS, cast hash (20 bytes) for
 * the others. *out is a new array of live messages the caller frees. */
size_t fanout_query(struct sim_state *s, struct fanout **index, enum fanout_kind kind,
                    uint64_t target_fid, const uint8_t target_hash[20], struct sim_msg **out);
void fanout_free(struct fanout *f);

#endif
