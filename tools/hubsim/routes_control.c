/* The simulator's own control endpoints: /_sim/faults and /_sim/stats. */
#include "internal.h"

#include <string.h>

void h_sim_faults(struct req *r, const char *method, const char *upload, size_t len)
{
    struct hubsim *hs = r->hs;
    if (strcmp(method, "POST") == 0) {
        struct fc_diag diag;
        int down_ms = 0;
        if (faults_apply_json(&hs->faults, upload ? upload : "", len, &down_ms, &diag)) {
            struct fc_buf b = FC_BUF_INIT;
            fc_buf_puts(&b, "{\"error\":");
            fc_buf_json_str(&b, diag.msg, strlen(diag.msg));
            fc_buf_putc(&b, '}');
            req_reply(r, 400, "application/json", b.data);
            fc_buf_cleanup(&b);
            return;
        }
        if (down_ms > 0)
            r->resp->retry_after_s = -down_ms; /* the server goes down after replying */
    }
    fc_buf_reset(&r->resp->body);
    faults_describe(&hs->faults, &r->resp->body);
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

void h_sim_stats(struct req *r)
{
    struct hubsim *hs = r->hs;
    struct fc_buf *out = &r->resp->body;
    fc_buf_reset(out);
    fc_buf_puts(out, "{\"requests\":{");
    pthread_mutex_lock(&hs->stats_lock);
    for (size_t i = 0; i < HUBSIM_N_ENDPOINTS; i++)
        fc_buf_printf(out, "%s\"%s\":%llu", i ? "," : "", hubsim_endpoints[i],
                      (unsigned long long)hs->requests[i]);
    pthread_mutex_unlock(&hs->stats_lock);
    fc_buf_puts(out, "},\"faults\":");
    faults_describe(&hs->faults, out);
    if (hs->o.state) {
        pthread_mutex_lock(&hs->o.state->lock);
        fc_buf_printf(out, ",\"head_tick\":%u", hs->o.state->head_tick);
        pthread_mutex_unlock(&hs->o.state->lock);
    }
    fc_buf_putc(out, '}');
    r->resp->status = 200;
    r->resp->content_type = "application/json";
}

