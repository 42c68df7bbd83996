/* Renders simulated messages, on-chain events and username proofs as the
 * hub's JSON, byte-for-byte in the shape of the chosen flavour. */
#ifndef HUBSIM_RENDER_H
#define HUBSIM_RENDER_H

#include "core/buf.h"
#include "model.h"

/* The content of a cast, derived from (seed, fid, idx). */
struct sim_cast {
    uint8_t type;          /* 0 CAST, 1 LONG_CAST */
    uint64_t parent_fid;   /* 0 = no parent cast */
    uint32_t parent_idx;
    int parent_url;        /* -1 = none, else channel index */
    uint64_t mentions[2];
    uint32_t positions[2];
    size_t n_mentions;
    int embed_url;         /* 0/1 */
    uint64_t embed_fid;    /* 0 = no cast embed */
    uint32_t embed_idx;
};

/* The parent of cast idx (a cast, a URL, or none), without the text. */
void sim_cast_parent(const struct sim_params *p, uint64_t fid, uint32_t idx, uint64_t *parent_fid,
                     uint32_t *parent_idx, int *parent_url);

/* Derives the cast content and appends its text to text (no NUL counted). */
void sim_cast_content(const struct sim_params *p, uint64_t fid, uint32_t idx,
                      struct sim_cast *c, struct fc_buf *text);

/* User data value of message m (type m->sub); appends to out. */
void sim_userdata_value(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *out);

void sim_render_message(const struct sim_params *p, const struct sim_msg *m, struct fc_buf *out);

/* On-chain events of a fid, by type number (1 signer, 3 id register, 4 storage rent). */
void sim_render_signer_event(const struct sim_params *p, uint64_t fid,
                             const struct sim_signer *s, bool remove_event, struct fc_buf *out);
/* A fid's id-register history: REGISTER, then TRANSFER and CHANGE_RECOVERY
 * where the model says so (comma-separated events). */
void sim_render_id_register(const struct sim_params *p, uint64_t fid, struct fc_buf *out);
void sim_render_storage_rent(const struct sim_params *p, uint64_t fid, struct fc_buf *out);
void sim_render_username_proof(const struct sim_params *p, uint64_t fid, struct fc_buf *out);

/* The URL embedded in cast idx of fid (when it has one); appends to out. */
void sim_embed_url(uint64_t fid, uint32_t idx, struct fc_buf *out);

/* Block hash and claim signature of verification m; returns the claim's
 * length (65 Ethereum, 64 Solana). */
size_t sim_verif_claim(const struct sim_params *p, const struct sim_msg *m, uint8_t block_hash[32],
                       uint8_t claim[65]);

/* Ethereum or Solana address of verification m (20 or 32 bytes). */
size_t sim_verif_address(const struct sim_params *p, const struct sim_msg *m, uint8_t out[32]);
void sim_base58(const uint8_t *in, size_t n, char *out, size_t out_size);

/* ABI-encoded SignedKeyRequestMetadata naming request_fid (288 bytes). */
void sim_signed_key_request(const struct sim_params *p, uint64_t request_fid, uint64_t salt,
                            uint8_t out[288]);

#endif
