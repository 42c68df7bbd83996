/* Standard base64 (RFC 4648 alphabet "+/" with "=" padding), the encoding
 * hubs use for signatures, castRemoveBody.targetHash, signer metadata and
 * page tokens. */
#ifndef FC_CORE_BASE64_H
#define FC_CORE_BASE64_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Bytes needed to encode n bytes, including the terminating NUL. */
size_t fc_base64_encoded_size(size_t n);

/* Encodes in[0..n) into out (fc_base64_encoded_size(n) bytes), NUL-terminated. */
void fc_base64_encode(const uint8_t *in, size_t n, char *out);

/* Decodes s[0..len) strictly: length a multiple of 4, padding only at the
 * end, no whitespace, zero unused bits. Errors: FC_ERR_INVALID, FC_ERR_LIMIT
 * (decoded size above out_cap). */
FC_MUST_CHECK
enum fc_err fc_base64_decode(const char *s, size_t len, uint8_t *out, size_t out_cap,
                             size_t *out_len, struct fc_diag *diag);

#endif
