/* Farcaster-specific byte helpers: base58 (Solana addresses), UTF-8
 * validation, and the SignedKeyRequest ABI metadata that names the app
 * behind a signer. */
#ifndef FC_FC_BYTES_H
#define FC_FC_BYTES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Decodes base58 (Bitcoin alphabet). FC_ERR_INVALID on a bad character,
 * FC_ERR_LIMIT when the value needs more than out_cap bytes. */
FC_MUST_CHECK
enum fc_err fc_base58_decode(const char *s, size_t n, uint8_t *out, size_t out_cap,
                             size_t *out_len, struct fc_diag *diag);
void fc_base58_encode(const uint8_t *in, size_t n, char *out, size_t out_size);

/* True when s[0..n) is well-formed UTF-8 (no overlongs, no surrogates). */
bool fc_utf8_valid(const char *s, size_t n);

/* Extracts requestFid from abi.encode(SignedKeyRequestMetadata). Errors:
 * FC_ERR_INVALID with the reason (short, bad offset, fid beyond 64 bits). */
FC_MUST_CHECK
enum fc_err fc_signed_key_request_fid(const uint8_t *md, size_t n, uint64_t *request_fid,
                                      struct fc_diag *diag);

#endif
