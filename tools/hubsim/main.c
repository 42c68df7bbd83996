/* hubsim: a seeded Farcaster hub simulator (Snapchain or Hubble HTTP API).
 *   hubsim [serve options]        serve a synthetic network or a corpus
 *   hubsim truth [options]        print the state an indexer must reach */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "server.h"
#include "truth.h"

static volatile sig_atomic_t stop_requested;

static void on_signal(int sig)
{
    (void)sig;
    stop_requested = 1;
}

static void usage(FILE *f)
{
    fprintf(f,
        "usage: hubsim [options]          serve the hub HTTP API\n"
        "       hubsim truth [options]    print the expected indexer state as JSON\n"
        "       hubsim busiest --count N [--fids F] [--seed S]   the N busiest accounts\n\n"
        "  --flavour snapchain|hubble   API dialect (default snapchain)\n"
        "  --port P                     listen port (default 3381 / 2281; 0 = any free port)\n"
        "  --bind ADDR                  listen address (default 127.0.0.1)\n"
        "  --seed S                     network seed (default 1)\n"
        "  --fids N                     accounts 1..N (default 1000, at most 1000000)\n"
        "  --apps F,F                   app fids named by signer metadata (default 9152,309857,22640)\n"
        "  --shards N                   Snapchain data shards (default 2)\n"
        "  --history-ticks N            blocks of stream generated at start (default 0)\n"
        "  --events-per-sec R           live events per second of stream (default 0 = static;\n"
        "                               history ticks use R, or 20 when R is 0)\n"
        "  --tick-ms MS                 wall milliseconds per block in live mode (default 1000)\n"
        "  --live-ticks N               live mode stops after N blocks, then serves a static\n"
        "                               network (truth --history-ticks history+N)\n"
        "  --retention DUR              events kept, e.g. 3d, 12h, 600 (seconds; default 3d)\n"
        "  --corpus DIR                 serve a recorded corpus (manifest.json) instead\n"
        "  --faults JSON                initial fault rule (as POST /_sim/faults)\n"
        "  --fault-seed S               fault RNG seed (default: the network seed)\n"
        "truth only:\n"
        "  --roots F,F  --clients F,F  --depth N (default 1)  --until-event ID\n");
}

static bool parse_num(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    if (*end || v < lo || v > hi)
        return false;
    *out = v;
    return true;
}

static bool parse_duration(const char *s, uint64_t *out)
{
    char *end;
    if (!s || !*s || *s == '-')
        return false;
    unsigned long long v = strtoull(s, &end, 10);
    unsigned long long mult = 1;
    if (*end == 'd')
        mult = 86400;
    else if (*end == 'h')
        mult = 3600;
    else if (*end == 'm')
        mult = 60;
    else if (*end == 's' || *end == '\0')
        mult = 1;
    else
        return false;
    if (*end && end[1])
        return false;
    *out = v * mult;
    return *out <= 365ull * 86400;
}

struct fid_size {
    uint64_t fid, messages;
};

static int by_size_desc(const void *a, const void *b)
{
    const struct fid_size *x = a, *y = b;
    if (x->messages != y->messages)
        return x->messages < y->messages ? 1 : -1;
    return (x->fid > y->fid) - (x->fid < y->fid);
}

/* `hubsim busiest`: the n accounts with the most messages, comma-separated
 * (benchmarks pick realistic heavy accounts with it). */
static void print_busiest(const struct sim_params *p, uint64_t n)
{
    struct fid_size *all = fc_xcalloc(p->n_fids, sizeof(*all));
    for (uint64_t f = 1; f <= p->n_fids; f++) {
        all[f - 1].fid = f;
        for (unsigned k = K_CAST; k <= K_VERIF; k++)
            all[f - 1].messages += sim_count(p, f, (enum sim_kind)k);
    }
    qsort(all, p->n_fids, sizeof(*all), by_size_desc);
    uint64_t total = 0;
    for (uint64_t i = 0; i < n && i < p->n_fids; i++) {
        printf("%s%llu", i ? "," : "", (unsigned long long)all[i].fid);
        total += all[i].messages;
    }
    printf("\n");
    fprintf(stderr, "hubsim: the %llu busiest of %llu accounts hold about %llu messages\n",
            (unsigned long long)(n < p->n_fids ? n : p->n_fids), (unsigned long long)p->n_fids,
            (unsigned long long)total);
    free(all);
}

int main(int argc, char **argv)
{
    struct sim_params p = {.seed = 1, .n_fids = 1000, .shards = 2, .flavour = SIM_SNAPCHAIN};
    uint64_t apps_default[] = {9152, 309857, 22640};
    memcpy(p.apps, apps_default, sizeof(apps_default));
    p.n_apps = 3;
    uint64_t port = UINT64_MAX, history = 0, eps = 0, tick_ms = 1000, retention = 3 * 86400;
    uint64_t live_ticks = 0;
    uint64_t fault_seed = UINT64_MAX, depth = 1, until = 0;
    const char *bind = "127.0.0.1", *corpus_dir = NULL, *faults_json = NULL;
    uint64_t *roots = NULL, *clients = NULL;
    size_t n_roots = 0, n_clients = 0;
    bool truth = false, busiest = false;
    uint64_t busiest_n = 1000;
    int rc = 2, i = 1;
    struct fc_diag diag;
    if (argc > 1 && strcmp(argv[1], "truth") == 0) {
        truth = true;
        i = 2;
    } else if (argc > 1 && strcmp(argv[1], "busiest") == 0) {
        busiest = true;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        bool ok = true;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            rc = 0;
            goto out;
        }
        if (!v) {
            fprintf(stderr, "hubsim: %s needs a value (or is unknown); see --help\n", a);
            goto out;
        }
        i++;
        if (strcmp(a, "--flavour") == 0 || strcmp(a, "--flavor") == 0) {
            if (strcmp(v, "snapchain") == 0)
                p.flavour = SIM_SNAPCHAIN;
            else if (strcmp(v, "hubble") == 0)
                p.flavour = SIM_HUBBLE;
            else
                ok = false;
        } else if (strcmp(a, "--port") == 0) {
            ok = parse_num(v, 0, 65535, &port);
        } else if (strcmp(a, "--bind") == 0) {
            bind = v;
        } else if (strcmp(a, "--seed") == 0) {
            ok = parse_num(v, 0, UINT64_MAX - 1, &p.seed);
        } else if (strcmp(a, "--fids") == 0) {
            ok = parse_num(v, 2, 1000000, &p.n_fids);
        } else if (strcmp(a, "--apps") == 0) {
            uint64_t *list;
            size_t n;
            ok = fc_parse_fid_list(v, &list, &n, &diag) == FC_OK && n <= SIM_MAX_APPS;
            if (ok) {
                memcpy(p.apps, list, n * sizeof(*list));
                p.n_apps = n;
                free(list);
            }
        } else if (strcmp(a, "--shards") == 0) {
            uint64_t s;
            ok = parse_num(v, 1, 63, &s);
            p.shards = (unsigned)s;
        } else if (strcmp(a, "--history-ticks") == 0) {
            ok = parse_num(v, 0, 10000000, &history);
        } else if (strcmp(a, "--events-per-sec") == 0) {
            ok = parse_num(v, 0, 1000000, &eps);
        } else if (strcmp(a, "--tick-ms") == 0) {
            ok = parse_num(v, 1, 3600000, &tick_ms);
        } else if (!truth && strcmp(a, "--live-ticks") == 0) {
            ok = parse_num(v, 1, 10000000, &live_ticks);
        } else if (strcmp(a, "--retention") == 0) {
            ok = parse_duration(v, &retention);
        } else if (strcmp(a, "--corpus") == 0) {
            corpus_dir = v;
        } else if (strcmp(a, "--faults") == 0) {
            faults_json = v;
        } else if (strcmp(a, "--fault-seed") == 0) {
            ok = parse_num(v, 0, UINT64_MAX - 1, &fault_seed);
        } else if (truth && strcmp(a, "--roots") == 0) {
            free(roots);
            ok = fc_parse_fid_list(v, &roots, &n_roots, &diag) == FC_OK;
        } else if (truth && strcmp(a, "--clients") == 0) {
            free(clients);
            ok = fc_parse_fid_list(v, &clients, &n_clients, &diag) == FC_OK;
        } else if (truth && strcmp(a, "--depth") == 0) {
            ok = parse_num(v, 0, 3, &depth);
        } else if (truth && strcmp(a, "--until-event") == 0) {
            ok = parse_num(v, 0, UINT64_MAX - 1, &until);
        } else if (busiest && strcmp(a, "--count") == 0) {
            ok = parse_num(v, 1, 1000000, &busiest_n);
        } else {
            fprintf(stderr, "hubsim: unknown option %s; see --help\n", a);
            goto out;
        }
        if (!ok) {
            fprintf(stderr, "hubsim: bad value for %s: \"%s\"\n", a, v);
            goto out;
        }
    }
    if (busiest) {
        print_busiest(&p, busiest_n);
        rc = 0;
        goto out;
    }
    /* Events per block: the live rate, or a fixed mix for pre-generated history. */
    uint32_t per_tick = eps ? (uint32_t)((eps * tick_ms + 999) / 1000) : 20;
    if (per_tick > 16000)
        per_tick = 16000;

    struct sim_state *state = NULL;
    struct corpus *corpus = NULL;
    if (corpus_dir) {
        if (corpus_load(corpus_dir, p.flavour, &corpus, &diag)) {
            fprintf(stderr, "hubsim: corpus: %s\n", diag.msg);
            rc = 1;
            goto out;
        }
    } else {
        state = fc_xmalloc(sizeof(*state));
        sim_state_init(state, &p, (uint32_t)retention, per_tick);
        uint64_t ticks = history;
        if (truth && until) {
            /* An event id names the block (Snapchain) or millisecond (Hubble) it is in. */
            uint64_t t = p.flavour == SIM_SNAPCHAIN ? (until >> 14) - SIM_H0
                                                    : (until >> 12) / 1000 - SIM_T0;
            if ((p.flavour == SIM_SNAPCHAIN && (until >> 14) < SIM_H0) || t > 10000000) {
                fprintf(stderr, "hubsim: --until-event %llu is outside the stream\n",
                        (unsigned long long)until);
                rc = 2;
                sim_state_cleanup(state);
                free(state);
                goto out;
            }
            ticks = t;
        }
        sim_state_advance(state, (uint32_t)ticks);
    }
    if (truth) {
        if (!state) {
            fprintf(stderr, "hubsim: truth works on the synthetic network (not --corpus); the "
                            "corpus's own ground truth is its expected.json\n");
            rc = 2;
            corpus_free(corpus);
            goto out;
        }
        struct truth_options to = {roots, n_roots, clients, n_clients, (unsigned)depth};
        struct fc_buf b = FC_BUF_INIT;
        truth_write(state, &to, &b);
        fwrite(b.data, 1, b.len, stdout);
        fc_buf_cleanup(&b);
        sim_state_cleanup(state);
        free(state);
        rc = 0;
        goto out;
    }
    struct hubsim_options ho = {
        .bind = bind,
        .port = (uint16_t)(port != UINT64_MAX ? port : (p.flavour == SIM_SNAPCHAIN ? 3381 : 2281)),
        .flavour = p.flavour,
        .state = state,
        .corpus = corpus,
        .fault_seed = fault_seed != UINT64_MAX ? fault_seed : p.seed,
        .tick_ms = eps ? (unsigned)tick_ms : 0,
        .live_ticks = (uint32_t)live_ticks,
    };
    struct hubsim *hs = NULL;
    if (hubsim_start(&ho, &hs, &diag)) {
        fprintf(stderr, "hubsim: %s\n", diag.msg);
        rc = 1;
    } else {
        if (faults_json) {
            int down;
            if (faults_apply_json(hubsim_faults(hs), faults_json, strlen(faults_json), &down,
                                  &diag)) {
                fprintf(stderr, "hubsim: --faults: %s\n", diag.msg);
                hubsim_stop(hs);
                rc = 2;
                goto cleanup;
            }
        }
        signal(SIGINT, on_signal);
        signal(SIGTERM, on_signal);
        signal(SIGPIPE, SIG_IGN);
        printf("hubsim listening on http://%s:%u (%s, %s)\n", bind, hubsim_port(hs),
               p.flavour == SIM_SNAPCHAIN ? "snapchain" : "hubble",
               corpus ? "corpus" : "synthetic");
        fflush(stdout);
        while (!stop_requested)
            pause();
        hubsim_stop(hs);
        rc = 0;
    }
cleanup:
    if (state) {
        sim_state_cleanup(state);
        free(state);
    }
    corpus_free(corpus);
out:
    free(roots);
    free(clients);
    return rc;
}
