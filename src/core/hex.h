/* Hex encoding of byte strings as Farcaster hubs render them ("0x" + lowercase). */
#ifndef FC_CORE_HEX_H
#define FC_CORE_HEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Decodes hex text s[0..len) into out (capacity out_cap). A "0x"/"0X" prefix
 * is accepted when allow_prefix, required when require_prefix. Upper and
 * lower case digits are accepted. On success writes *out_len. Errors:
 * FC_ERR_INVALID (odd length, bad digit, missing prefix), FC_ERR_LIMIT
 * (more bytes than out_cap), each with a message in diag. */
FC_MUST_CHECK
enum fc_err fc_hex_decode(const char *s, size_t len, bool require_prefix,
                          uint8_t *out, size_t out_cap, size_t *out_len,
                          struct fc_diag *diag);

/* Writes "0x" + 2*n lowercase digits + NUL into out (needs 2*n + 3 bytes). */
void fc_hex_encode(const uint8_t *in, size_t n, char *out);

/* Same without the prefix (needs 2*n + 1 bytes). */
void fc_hex_encode_bare(const uint8_t *in, size_t n, char *out);

#endif
