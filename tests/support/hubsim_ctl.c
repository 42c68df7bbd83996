#include "support/hubsim_ctl.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yajl/yajl_tree.h>

#define HEAD_TICK "\"head_tick\":"

void fct_hubsim_faults(int port, const char *json)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_sim/faults", port);
    struct fct_http h;
    fct_http_do(url, json, 5000, &h);
    if (h.status != 200)
        fail_msg("POST /_sim/faults %s: %ld %s", json, h.status, h.body.data);
    fct_http_cleanup(&h);
}

/* head_tick from /_sim/stats into *tick; false when there is no answer saying it. */
static bool read_head_tick(int port, long timeout_ms, unsigned long long *tick, struct fct_http *h)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/_sim/stats", port);
    fct_http_do(url, NULL, timeout_ms, h);
    const char *p = h->status == 200 && h->body.data ? strstr(h->body.data, HEAD_TICK) : NULL;
    if (p)
        *tick = strtoull(p + strlen(HEAD_TICK), NULL, 10);
    return p != NULL;
}

unsigned long long fct_hubsim_head_tick(int port)
{
    struct fct_http h;
    unsigned long long tick = 0;
    if (!read_head_tick(port, 60000, &tick, &h))
        fail_msg("GET /_sim/stats: %ld %.300s", h.status, h.body.data ? h.body.data : "");
    fct_http_cleanup(&h);
    return tick;
}

void fct_hubsim_wait_tick(int port, unsigned long long tick, int timeout_ms)
{
    for (long long end = fct_now_ms() + timeout_ms;; usleep(100000)) {
        struct fct_http h;
        unsigned long long now = 0;
        bool there = read_head_tick(port, 5000, &now, &h) && now >= tick;
        fct_http_cleanup(&h);
        if (there)
            return;
        if (fct_now_ms() > end)
            fail_msg("the simulator did not reach block %llu within %d ms", tick, timeout_ms);
    }
}

long long fct_hubsim_number(int port, const char *sim_path, const char *const *path)
{
    char url[128];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", port, sim_path);
    struct fct_http h;
    fct_http_do(url, NULL, 5000, &h);
    if (h.status != 200)
        fail_msg("GET %s: %ld", sim_path, h.status);
    yajl_val root = yajl_tree_parse(h.body.data, NULL, 0);
    yajl_val v = root ? yajl_tree_get(root, (const char **)path, yajl_t_number) : NULL;
    if (!v)
        fail_msg("GET %s: no number at %s in %.300s", sim_path, path[0], h.body.data);
    long long n = YAJL_GET_INTEGER(v);
    yajl_tree_free(root);
    fct_http_cleanup(&h);
    return n;
}

long long fct_hubsim_requests(int port, const char *endpoint)
{
    return fct_hubsim_number(port, "/_sim/stats", (const char *const[]){"requests", endpoint, NULL});
}
