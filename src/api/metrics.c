#include "api/metrics.h"
#include "core/buf.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

static const int statuses[] = {200, 201, 204, 400, 401, 403, 404, 405, 409,
                               413, 414, 415, 429, 500, 503, 0 /* other */};
#define N_STATUS (sizeof(statuses) / sizeof(statuses[0]))
static const double bounds[] = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                0.05,   0.1,   0.25,   0.5,   1.0,  2.5};
#define N_BOUNDS (sizeof(bounds) / sizeof(bounds[0]))
static const char *const classes[] = {"public", "search", "admin", "login", "ops"};
#define N_CLASSES (sizeof(classes) / sizeof(classes[0]))

struct route_series {
    atomic_ullong count[N_STATUS];
    atomic_ullong bucket[N_BOUNDS + 1]; /* last: +Inf */
    atomic_ullong sum_us;
};

struct fc_metrics {
    const char *const *labels;
    size_t n;
    struct route_series *r; /* n + 1 */
    atomic_ullong limited[N_CLASSES];
};

struct fc_metrics *fc_metrics_new(const char *const *route_labels, size_t n_routes)
{
    /* checked allocations: the process stops with a message instead of
     * writing through NULL */
    struct fc_metrics *m = fc_xcalloc(1, sizeof(*m));
    m->labels = route_labels;
    m->n = n_routes;
    m->r = fc_xcalloc(n_routes + 1, sizeof(*m->r));
    return m;
}

void fc_metrics_free(struct fc_metrics *m)
{
    if (!m)
        return;
    free(m->r);
    free(m);
}

void fc_metrics_request(struct fc_metrics *m, size_t route, int status, double seconds)
{
    struct route_series *s = &m->r[route <= m->n ? route : m->n];
    size_t i = 0;
    while (statuses[i] && statuses[i] != status)
        i++;
    atomic_fetch_add_explicit(&s->count[i], 1, memory_order_relaxed);
    size_t b = 0;
    while (b < N_BOUNDS && seconds > bounds[b])
        b++;
    atomic_fetch_add_explicit(&s->bucket[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->sum_us, (unsigned long long)(seconds * 1e6),
                              memory_order_relaxed);
}

void fc_metrics_rate_limited(struct fc_metrics *m, const char *cls)
{
    for (size_t i = 0; i < N_CLASSES; i++)
        if (strcmp(classes[i], cls) == 0)
            atomic_fetch_add_explicit(&m->limited[i], 1, memory_order_relaxed);
}

void fc_metrics_render(struct fc_metrics *m, struct fc_buf *out)
{
    fc_buf_puts(out, "# HELP fcindex_http_requests_total HTTP requests by route and status.\n"
                     "# TYPE fcindex_http_requests_total counter\n");
    for (size_t r = 0; r <= m->n; r++) {
        const char *label = r < m->n ? m->labels[r] : "method=\"\",route=\"unmatched\"";
        for (size_t i = 0; i < N_STATUS; i++) {
            unsigned long long v = atomic_load_explicit(&m->r[r].count[i], memory_order_relaxed);
            if (!v)
                continue;
            if (statuses[i])
                fc_buf_printf(out, "fcindex_http_requests_total{%s,status=\"%d\"} %llu\n",
                              label, statuses[i], v);
            else
                fc_buf_printf(out, "fcindex_http_requests_total{%s,status=\"other\"} %llu\n",
                              label, v);
        }
    }
    fc_buf_puts(out, "# HELP fcindex_http_request_duration_seconds Request latency by route.\n"
                     "# TYPE fcindex_http_request_duration_seconds histogram\n");
    for (size_t r = 0; r <= m->n; r++) {
        const char *label = r < m->n ? m->labels[r] : "method=\"\",route=\"unmatched\"";
        unsigned long long cum = 0;
        for (size_t b = 0; b <= N_BOUNDS; b++)
            cum += atomic_load_explicit(&m->r[r].bucket[b], memory_order_relaxed);
        if (!cum)
            continue;
        cum = 0;
        for (size_t b = 0; b <= N_BOUNDS; b++) {
            cum += atomic_load_explicit(&m->r[r].bucket[b], memory_order_relaxed);
            if (b < N_BOUNDS)
                fc_buf_printf(out,
                              "fcindex_http_request_duration_seconds_bucket{%s,le=\"%g\"} %llu\n",
                              label, bounds[b], cum);
            else
                fc_buf_printf(out,
                              "fcindex_http_request_duration_seconds_bucket{%s,le=\"+Inf\"} %llu\n",
                              label, cum);
        }
        fc_buf_printf(out, "fcindex_http_request_duration_seconds_sum{%s} %.6f\n", label,
                      (double)atomic_load_explicit(&m->r[r].sum_us, memory_order_relaxed) / 1e6);
        fc_buf_printf(out, "fcindex_http_request_duration_seconds_count{%s} %llu\n", label,
                      cum);
    }
    fc_buf_puts(out, "# HELP fcindex_http_rate_limited_total Requests refused by the rate limiter.\n"
                     "# TYPE fcindex_http_rate_limited_total counter\n");
    for (size_t i = 0; i < N_CLASSES; i++)
        fc_buf_printf(out, "fcindex_http_rate_limited_total{class=\"%s\"} %llu\n", classes[i],
                      atomic_load_explicit(&m->limited[i], memory_order_relaxed));
}
