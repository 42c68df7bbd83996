/* Fuzz target: the simulator's request handling (path, query parameters,
 * page tokens) on a small synthetic network and on the recorded corpus.
 * Input: "PATH\nQUERY" with QUERY as in a URL (percent-encoded, & separated). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "server.h"
#include "state.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct sim_state sim_snap, sim_hub;
static struct hubsim *hs_snap, *hs_hub;

static void setup(void)
{
    struct sim_params p = {.seed = 1, .n_fids = 50, .shards = 2, .flavour = SIM_SNAPCHAIN,
                           .apps = {9152}, .n_apps = 1};
    sim_state_init(&sim_snap, &p, 86400, 10);
    sim_state_advance(&sim_snap, 3);
    p.flavour = SIM_HUBBLE;
    sim_state_init(&sim_hub, &p, 86400, 10);
    sim_state_advance(&sim_hub, 3);
    struct hubsim_options o = {.flavour = SIM_SNAPCHAIN, .state = &sim_snap};
    hs_snap = hubsim_new_offline(&o);
    o.flavour = SIM_HUBBLE;
    o.state = &sim_hub;
    hs_hub = hubsim_new_offline(&o);
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static void url_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%' && hexval(r[1]) >= 0 && hexval(r[2]) >= 0) {
            *w++ = (char)(hexval(r[1]) << 4 | hexval(r[2]));
            r += 2;
        } else if (*r == '+') {
            *w++ = ' ';
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!hs_snap)
        setup();
    if (size > 4096)
        return 0;
    char *text = fc_xstrndup((const char *)data, size);
    char *nl = strchr(text, '\n');
    char *query = nl ? (*nl = '\0', nl + 1) : (char *)"";
    const char *keys[32], *vals[32];
    size_t n = 0;
    char *save = NULL;
    for (char *tok = strtok_r(query, "&", &save); tok && n < 32; tok = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(tok, '=');
        if (eq)
            *eq = '\0';
        url_decode(tok);
        keys[n] = tok;
        if (eq) {
            url_decode(eq + 1);
            vals[n] = eq + 1;
        } else {
            vals[n] = "";
        }
        n++;
    }
    for (int i = 0; i < 2; i++) {
        struct sim_response resp = {0};
        hubsim_handle(i ? hs_hub : hs_snap, "GET", text, keys, vals, n, NULL, 0, &resp);
        fc_buf_cleanup(&resp.body);
    }
    free(text);
    return 0;
}
