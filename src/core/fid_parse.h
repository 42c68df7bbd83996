/* Fids as people write them: on the command line, in the configuration, in
 * API paths and queries, in the simulator's options. */
#ifndef FC_CORE_FID_PARSE_H
#define FC_CORE_FID_PARSE_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Most fids one list may hold. */
#define FC_MAX_CONFIG_FIDS 100000

/* Parses a decimal unsigned fid (1 .. 2^63-1), rejecting signs, spaces and junk. */
FC_MUST_CHECK
enum fc_err fc_parse_fid(const char *s, uint64_t *out, struct fc_diag *diag);

/* Parses a comma-separated list of fids ("1, 2,3"); empty gives 0 items.
 * Caller frees *out. FC_ERR_INVALID with a message naming the bad item;
 * FC_ERR_LIMIT beyond FC_MAX_CONFIG_FIDS. */
FC_MUST_CHECK
enum fc_err fc_parse_fid_list(const char *s, uint64_t **out, size_t *n, struct fc_diag *diag);

#endif
