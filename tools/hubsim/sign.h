/* Real message hashes and signatures for the simulated network, made the way
 * a Farcaster client makes them: the MessageData protobuf (written here from
 * the message schema), its BLAKE3 hash cut to 20 bytes, and an ed25519
 * signature of that hash by the account's first on-chain signer key.
 *
 * Keys are derived from (seed, fid, signer number), so the same seed gives the
 * same keys; the public keys are what the on-chain signer events carry.
 * Clients differ in how they encode empty repeated fields (see
 * src/fc/msgdata.h): accounts whose fid is a multiple of 4 use the prost style
 * (a Rust client), the rest the ts-proto style of the JavaScript library.
 *
 * A cast's hash covers its parent's and embedded cast's hashes, so those are
 * computed first; a cast only refers to earlier casts (sim_cast_parent), which
 * keeps the recursion finite. Recent results are memoised per thread.
 * Thread-safe. */
#ifndef HUBSIM_SIGN_H
#define HUBSIM_SIGN_H

#include <stdbool.h>
#include <stdint.h>

#include "core/buf.h"
#include "model.h"

/* Appends m's MessageData bytes as its author's client encoded them. */
void sim_msg_data(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *out);

/* Sets m->hash from m's content (every other field of m must be set). */
void sim_msg_seal(const struct sim_params *p, struct sim_msg *m);

/* Hash of cast idx of fid, a base cast (idx below its count). */
void sim_cast_hash(const struct sim_params *p, uint64_t fid, uint32_t idx, uint8_t out[20]);

/* Hash of the cast a CAST_REMOVE takes back (its target_idx, target_ts). */
void sim_remove_target_hash(const struct sim_params *p, const struct sim_msg *m, uint8_t out[20]);

/* ed25519 key pair of signer number k of fid (k < SIM_MAX_SIGNERS: the
 * base signers; larger k: keys added in the live stream). */
void sim_signer_keypair(const struct sim_params *p, uint64_t fid, uint64_t k, uint8_t pk[32],
                        uint8_t sk[64]);

/* Signature of m->hash by fid's first signer, and that signer's key. */
void sim_msg_sign(const struct sim_params *p, const struct sim_msg *m, uint8_t sig[64],
                  uint8_t signer[32]);

/* The same hash signed by a key fid never added on-chain (for forged messages). */
void sim_msg_sign_unregistered(const struct sim_params *p, const struct sim_msg *m,
                               uint8_t sig[64], uint8_t signer[32]);

#endif
