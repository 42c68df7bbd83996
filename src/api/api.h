/* The HTTP API server (public, admin, auth and operations routes) on
 * libmicrohttpd. It knows the indexer only through shared state (target
 * sets, job queue, process registry: src/state/) and the database, so it
 * says the same whether it runs in the indexer's process (`serve
 * --role=all`, sharing that process's state objects and seeing its commits
 * directly) or beside it (`--role=api`, opening its own state and learning
 * of commits through Redis). Routes and responses: docs/api/openapi.yaml. */
#ifndef FC_API_API_H
#define FC_API_API_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"
#include "core/err.h"

struct fc_api;
struct fc_fidset;
struct fc_jobq;
struct fc_procs;
struct fc_rates;

/* State objects the process already has (an indexer's, in `serve
 * --role=all`), borrowed for the server's life. Any NULL member is opened
 * by the API itself from cfg (Redis when configured, else embedded). */
struct fc_api_shared {
    struct fc_fidset *targets, *roots, *clients;
    struct fc_jobq *jobq;
    struct fc_procs *procs;
    struct fc_rates *rates;
};

/* Starts serving on cfg->api_listen ("host:0" picks a free port). shared
 * may be NULL. cfg is borrowed for the server's life. */
FC_MUST_CHECK
enum fc_err fc_api_start(const struct fc_config *cfg, const struct fc_api_shared *shared,
                         struct fc_api **out, struct fc_diag *diag);
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
