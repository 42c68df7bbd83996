/* Request counters and latency histograms per route and status, kept with
 * relaxed atomics (no lock on the request path), rendered as Prometheus
 * text together with the cache, limiter, pool and indexer figures. */
#ifndef FC_API_METRICS_H
#define FC_API_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

struct fc_metrics;

/* n_routes routes, each label a rendered label set such as
 * `method="GET",route="/v1/feed/:fid"` (borrowed); index n_routes counts unmatched requests. */
struct fc_metrics *fc_metrics_new(const char *const *route_labels, size_t n_routes);
void fc_metrics_free(struct fc_metrics *m);

void fc_metrics_request(struct fc_metrics *m, size_t route, int status, double seconds);
void fc_metrics_rate_limited(struct fc_metrics *m, const char *cls);

/* Appends the request series in Prometheus text format. */
void fc_metrics_render(struct fc_metrics *m, struct fc_buf *out);

#endif
