/* The HTTP API server (public, admin, auth and operations routes) on
 * libmicrohttpd. Served next to the indexer (`serve --role=all`), sharing
 * its target sets and job queue and seeing its commits directly, or alone
 * (`--role=api`), opening its own state and learning of commits through
 * Redis. Routes and responses: docs/api/openapi.yaml. */
#ifndef FC_API_API_H
#define FC_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct fc_api;
struct fc_indexer;

/* Starts serving on cfg->api_listen ("host:0" picks a free port). ix may be
 * NULL (API alone). cfg and ix are borrowed for the server's life. */
enum fc_err fc_api_start(const struct fc_config *cfg, struct fc_indexer *ix, struct fc_api **out,
                         struct fc_diag *diag);
/* Stops accepting, finishes in-flight requests, frees everything. */
void fc_api_stop(struct fc_api *api);

unsigned fc_api_port(const struct fc_api *api);

/* The admin password generated at this start (none was configured or
 * stored), copied into out once and then forgotten; false when there is
 * none. */
bool fc_api_take_one_time_password(struct fc_api *api, char *out, size_t out_size);

/* Rows of these fids changed: cached responses depending on them go stale. */
void fc_api_invalidate(struct fc_api *api, const uint64_t *fids, size_t n);

#endif
