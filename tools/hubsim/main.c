/* hubsim: a seeded Farcaster hub simulator (Snapchain or Hubble HTTP API).
 *   hubsim [serve options]        serve a synthetic network or a corpus
 *   hubsim truth [options]        print the state an indexer must reach */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/config.h"
#include "core/fctime.h"
#include "core/fid_parse.h"
#include "fc/types.h"
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

enum hubsim_mode { MODE_SERVE, MODE_TRUTH, MODE_BUSIEST };

/* Everything the command line sets. roots and clients are owned (freed by
 * args_cleanup). */
struct hubsim_args {
    enum hubsim_mode mode;
    struct sim_params p;
    uint64_t port, history, eps, tick_ms, retention, live_ticks;
    uint64_t fault_seed, depth, until, busiest_n;
    const char *bind, *corpus_dir, *faults_json;
    uint64_t *roots, *clients;
    size_t n_roots, n_clients;
};

static void args_init(struct hubsim_args *a)
{
    static const uint64_t apps_default[] = {9152, 309857, 22640};
    *a = (struct hubsim_args){
        .p = {.seed = 1, .n_fids = 1000, .shards = 2, .flavour = SIM_SNAPCHAIN, .n_apps = 3},
        .port = UINT64_MAX, .tick_ms = 1000, .retention = 3 * 86400,
        .fault_seed = UINT64_MAX, .depth = 1, .busiest_n = 1000,
        .bind = "127.0.0.1",
    };
    memcpy(a->p.apps, apps_default, sizeof(apps_default));
}

static void args_cleanup(struct hubsim_args *a)
{
    free(a->roots);
    free(a->clients);
}

/* One option and its value; false when the value is bad. *known is false
 * for an option this mode does not take. */
static bool parse_option(struct hubsim_args *x, const char *a, const char *v, bool *known)
{
    struct fc_diag diag;
    bool truth = x->mode == MODE_TRUTH;
    *known = true;
    if (strcmp(a, "--flavour") == 0 || strcmp(a, "--flavor") == 0) {
        if (strcmp(v, "snapchain") == 0)
            x->p.flavour = SIM_SNAPCHAIN;
        else if (strcmp(v, "hubble") == 0)
            x->p.flavour = SIM_HUBBLE;
        else
            return false;
        return true;
    }
    if (strcmp(a, "--port") == 0)
        return parse_num(v, 0, 65535, &x->port);
    if (strcmp(a, "--bind") == 0) {
        x->bind = v;
        return true;
    }
    if (strcmp(a, "--seed") == 0)
        return parse_num(v, 0, UINT64_MAX - 1, &x->p.seed);
    if (strcmp(a, "--fids") == 0)
        return parse_num(v, 2, 1000000, &x->p.n_fids);
    if (strcmp(a, "--apps") == 0) {
        uint64_t *list;
        size_t n;
        bool ok = fc_parse_fid_list(v, &list, &n, &diag) == FC_OK && n <= SIM_MAX_APPS;
        if (ok) {
            memcpy(x->p.apps, list, n * sizeof(*list));
            x->p.n_apps = n;
            free(list);
        }
        return ok;
    }
    if (strcmp(a, "--shards") == 0) {
        uint64_t s = 0;
        if (!parse_num(v, 1, 63, &s))
            return false;
        x->p.shards = (unsigned)s;
        return true;
    }
    if (strcmp(a, "--history-ticks") == 0)
        return parse_num(v, 0, 10000000, &x->history);
    if (strcmp(a, "--events-per-sec") == 0)
        return parse_num(v, 0, 1000000, &x->eps);
    if (strcmp(a, "--tick-ms") == 0)
        return parse_num(v, 1, 3600000, &x->tick_ms);
    if (!truth && strcmp(a, "--live-ticks") == 0)
        return parse_num(v, 1, 10000000, &x->live_ticks);
    if (strcmp(a, "--retention") == 0)
        return parse_duration(v, &x->retention);
    if (strcmp(a, "--corpus") == 0) {
        x->corpus_dir = v;
        return true;
    }
    if (strcmp(a, "--faults") == 0) {
        x->faults_json = v;
        return true;
    }
    if (strcmp(a, "--fault-seed") == 0)
        return parse_num(v, 0, UINT64_MAX - 1, &x->fault_seed);
    if (truth && strcmp(a, "--roots") == 0) {
        free(x->roots);
        return fc_parse_fid_list(v, &x->roots, &x->n_roots, &diag) == FC_OK;
    }
    if (truth && strcmp(a, "--clients") == 0) {
        free(x->clients);
        return fc_parse_fid_list(v, &x->clients, &x->n_clients, &diag) == FC_OK;
    }
    if (truth && strcmp(a, "--depth") == 0)
        return parse_num(v, 0, 3, &x->depth);
    if (truth && strcmp(a, "--until-event") == 0)
        return parse_num(v, 0, UINT64_MAX - 1, &x->until);
    if (x->mode == MODE_BUSIEST && strcmp(a, "--count") == 0)
        return parse_num(v, 1, 1000000, &x->busiest_n);
    *known = false;
    return false;
}

/* Reads the command line. Returns -1 to go on, or the exit code (0 after
 * --help, 2 on a bad option). */
static int parse_args(int argc, char **argv, struct hubsim_args *x)
{
    int i = 1;
    if (argc > 1 && strcmp(argv[1], "truth") == 0) {
        x->mode = MODE_TRUTH;
        i = 2;
    } else if (argc > 1 && strcmp(argv[1], "busiest") == 0) {
        x->mode = MODE_BUSIEST;
        i = 2;
    }
    for (; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(stdout);
            return 0;
        }
        if (!v) {
            fprintf(stderr, "hubsim: %s needs a value (or is unknown); see --help\n", a);
            return 2;
        }
        i++;
        bool known;
        bool ok = parse_option(x, a, v, &known);
        if (!known) {
            fprintf(stderr, "hubsim: unknown option %s; see --help\n", a);
            return 2;
        }
        if (!ok) {
            fprintf(stderr, "hubsim: bad value for %s: \"%s\"\n", a, v);
            return 2;
        }
    }
    return -1;
}

/* The synthetic network, advanced through its history (or, for truth
 * --until-event, up to that event's block). Returns -1 and sets *state, or
 * the exit code. */
static int build_network(const struct hubsim_args *x, struct sim_state **state)
{
    /* Events per block: the live rate, or a fixed mix for pre-generated history. */
    uint32_t per_tick = x->eps ? (uint32_t)((x->eps * x->tick_ms + 999) / 1000) : 20;
    if (per_tick > 16000)
        per_tick = 16000;
    uint64_t ticks = x->history;
    if (x->mode == MODE_TRUTH && x->until) {
        /* An event id names the block (Snapchain) or millisecond (Hubble) it is in. */
        uint64_t until = x->until;
        bool snap = x->p.flavour == SIM_SNAPCHAIN;
        uint64_t t = snap ? fc_snapchain_event_block(until) - SIM_H0
                        : (fc_hubble_event_unix_ms(until) - FC_EPOCH_UNIX_MS) / 1000 - SIM_T0;
        if ((snap && fc_snapchain_event_block(until) < SIM_H0) || t > 10000000) {
            fprintf(stderr, "hubsim: --until-event %llu is outside the stream\n",
                    (unsigned long long)until);
            return 2;
        }
        ticks = t;
    }
    struct sim_state *s = fc_xmalloc(sizeof(*s));
    sim_state_init(s, &x->p, (uint32_t)x->retention, per_tick);
    sim_state_advance(s, (uint32_t)ticks);
    *state = s;
    return -1;
}

static void free_network(struct sim_state *state)
{
    if (state) {
        sim_state_cleanup(state);
        free(state);
    }
}

/* `hubsim truth`: the state an indexer must reach, as JSON on stdout. */
static int print_truth(const struct hubsim_args *x, struct sim_state *state)
{
    if (!state) {
        fprintf(stderr, "hubsim: truth works on the synthetic network (not --corpus); the "
                        "corpus's own ground truth is its expected.json\n");
        return 2;
    }
    struct truth_options to = {x->roots, x->n_roots, x->clients, x->n_clients,
                               (unsigned)x->depth};
    struct fc_buf b = FC_BUF_INIT;
    truth_write(state, &to, &b);
    fwrite(b.data, 1, b.len, stdout);
    fc_buf_cleanup(&b);
    return 0;
}

/* Serves state or corpus until SIGINT or SIGTERM. */
static int serve(const struct hubsim_args *x, struct sim_state *state, struct corpus *corpus)
{
    struct fc_diag diag;
    bool snap = x->p.flavour == SIM_SNAPCHAIN;
    struct hubsim_options ho = {
        .bind = x->bind,
        .port = (uint16_t)(x->port != UINT64_MAX ? x->port : (snap ? 3381 : 2281)),
        .flavour = x->p.flavour,
        .state = state,
        .corpus = corpus,
        .fault_seed = x->fault_seed != UINT64_MAX ? x->fault_seed : x->p.seed,
        .tick_ms = x->eps ? (unsigned)x->tick_ms : 0,
        .live_ticks = (uint32_t)x->live_ticks,
    };
    struct hubsim *hs = NULL;
    if (hubsim_start(&ho, &hs, &diag)) {
        fprintf(stderr, "hubsim: %s\n", diag.msg);
        return 1;
    }
    int down;
    if (x->faults_json && faults_apply_json(hubsim_faults(hs), x->faults_json,
                                            strlen(x->faults_json), &down, &diag)) {
        fprintf(stderr, "hubsim: --faults: %s\n", diag.msg);
        hubsim_stop(hs);
        return 2;
    }
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    signal(SIGPIPE, SIG_IGN);
    printf("hubsim listening on http://%s:%u (%s, %s)\n", x->bind, hubsim_port(hs),
           snap ? "snapchain" : "hubble", corpus ? "corpus" : "synthetic");
    fflush(stdout);
    while (!stop_requested)
        pause();
    hubsim_stop(hs);
    return 0;
}

int main(int argc, char **argv)
{
    struct hubsim_args args;
    struct sim_state *state = NULL;
    struct corpus *corpus = NULL;
    struct fc_diag diag;
    args_init(&args);
    int rc = parse_args(argc, argv, &args);
    if (rc >= 0)
        goto out;
    if (args.mode == MODE_BUSIEST) {
        print_busiest(&args.p, args.busiest_n);
        rc = 0;
        goto out;
    }
    if (args.corpus_dir) {
        if (corpus_load(args.corpus_dir, args.p.flavour, &corpus, &diag)) {
            fprintf(stderr, "hubsim: corpus: %s\n", diag.msg);
            rc = 1;
            goto out;
        }
    } else if ((rc = build_network(&args, &state)) >= 0) {
        goto out;
    }
    if (args.mode == MODE_TRUTH)
        rc = print_truth(&args, state);
    else
        rc = serve(&args, state, corpus);
out:
    free_network(state);
    corpus_free(corpus);
    args_cleanup(&args);
    return rc;
}
