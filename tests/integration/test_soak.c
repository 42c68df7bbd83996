/* Soak: `fcindex serve` on a live network for a while, in the state it lives
 * in. The simulator's stream runs at 250 events/s; more than 2,000 targets
 * backfill while the follower runs; targets are added, removed, promoted and
 * demoted through the admin API and the CLI; the hub answers with errors,
 * 429s, resets, truncated bodies, hangs and bad items; serve is killed with
 * SIGKILL at random moments (at least 20) and restarted; PostgreSQL and
 * Redis are each restarted twice. Then, after `sync --until-head`:
 *   - the database equals `hubsim truth --until-event` for the last event read;
 *   - PostgreSQL's log holds no "deadlock detected" from the run;
 *   - no backfill job failed for good;
 *   - serve's RSS stayed under a bound;
 *   - every bad item is in dead_letters with the exact bytes the simulator
 *     serves (the whole stream's, and every page of a sample of targets).
 * The live phase lasts FCT_SOAK_DURATION (e.g. 90s, 5m, 30m; default 70 s:
 * the `make test` variant); `make soak DURATION=30m` runs it longer. The
 * figures (kills, each restart's cost in seconds of lag, RSS, events/s) are
 * printed at the end. */
#define _GNU_SOURCE /* memmem */
#include "support/hubsim_ctl.h"
#include "support/indexrun.h"
#include "support/truth.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fc/decode.h"

#define H0 7000000LL /* Snapchain block height of the simulator's tick 0 */
#define HISTORY 40
#define EPS "250"
/* Accounts in the network: over a long run sign-ups and their follows make
 * nearly every one of 4,000 a target, leaving none to add from outside */
static unsigned long n_fids = 4000;
static char n_fids_arg[24] = "4000";
#define NET "--seed", "7", "--fids", n_fids_arg, "--events-per-sec", EPS, "--tick-ms", "1000"
#define PASSWORD "soak admin password 1"
#define MAX_RESTARTS 512
/* page faults everywhere; bad items of every kind in backfill pages, and in
 * the stream invalid UTF-8 (a text, value or name: a later backfill of the
 * fid restores what it broke, which a lost remove or prune would not be) */
#define PAGE_FAULTS                                                                            \
    "\"error_rate\":0.01,\"rate_limit_rate\":0.01,\"retry_after_s\":0,\"reset_rate\":0.005,"  \
    "\"truncate_rate\":0.005,\"hang_rate\":0.0005,\"hang_ms\":4000"
#define ITEMS_BACKFILL "\"bad_item_rate\":0.0005"
#define ITEMS_STREAM "\"bad_item_rate\":0.004,\"bad_item_ways\":[\"utf8\"]"

struct soak {
    int live_s, min_kills;
    long rss_limit_kb;
    int sim, port;
    char hubs[64], db[512];
    char e_db[600], e_hubs[100], e_redis[300], e_prefix[120];
    const char *vars[24];
    /* serve */
    int pid, fd;
    unsigned api_port;
    struct fc_buf out;
    char cookie[1200], csrf[80];
    long long started_ms;
    /* figures */
    int kills;
    long rss_min_kb, rss_max_kb;
    double cost_s[MAX_RESTARTS];
    char cost_what[MAX_RESTARTS][24];
    int n_costs;
    int pending_cost; /* index of the restart whose lag is being timed, or -1 */
    long long pending_since;
    int ops_api[4], ops_cli[4]; /* add, remove, promote, demote */
    unsigned long long cursor_max[8];
};

/* The next needle in [p, end): memmem, as strstr on a long body measures
 * the whole rest of it each time under strict string checks. */
static const char *next_of(const char *p, const char *end, const char *needle)
{
    return p < end ? memmem(p, (size_t)(end - p), needle, strlen(needle)) : NULL;
}


static int parse_duration(const char *s, int def)
{
    if (!s || !*s)
        return def;
    char *end;
    long v = strtol(s, &end, 10);
    int mult = *end == 'h' ? 3600 : *end == 'm' ? 60 : 1;
    if (v <= 0 || (*end && strcmp(end, "s") && strcmp(end, "m") && strcmp(end, "h")))
        fail_msg("FCT_SOAK_DURATION: \"%s\" is not a duration like 90s, 5m or 1h", s);
    return (int)(v * mult);
}

static void sim_get(struct soak *s, const char *path, struct fct_http *h)
{
    char url[2048];
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", s->port, path);
    fct_http_do(url, NULL, 60000, h);
    if (h->status != 200)
        fail_msg("GET %s: %ld %.300s", path, h->status, h->body.data ? h->body.data : "");
}

/* A shard's stream read page by page from an event id to its end (the
 * first page holding no later id, itself given too):
 *     struct stream_pages r = {.s = s, .shard = shard, .from = from};
 *     while (stream_next(&r)) ... r.page ... */
struct stream_pages {
    struct soak *s;
    unsigned shard;
    unsigned long long from;
    size_t events; /* in the pages given so far */
    struct fct_http page;
    bool started, done;
};

static bool stream_next(struct stream_pages *r)
{
    if (r->started)
        fct_http_cleanup(&r->page);
    if (r->done)
        return false;
    r->started = true;
    char path[160];
    snprintf(path, sizeof(path), "/v1/events?shard_index=%u&from_event_id=%llu&page_size=20000",
             r->shard, r->from);
    sim_get(r->s, path, &r->page);
    unsigned long long last = 0;
    const char *end = r->page.body.data + r->page.body.len;
    for (const char *p = next_of(r->page.body.data, end, "\"id\":"); p;
         p = next_of(p + 1, end, "\"id\":")) {
        r->events++;
        if (strtoull(p + 5, NULL, 10) > last)
            last = strtoull(p + 5, NULL, 10);
    }
    if (last < r->from)
        r->done = true;
    else
        r->from = last + 1;
    return true;
}

static long long head_tick(struct soak *s)
{
    return (long long)fct_hubsim_head_tick(s->port);
}

/* The block the follower is in (the slowest shard's), -1 before it read any. */
static long long cursor_tick(struct soak *s)
{
    return fct_sql_ll(s->db,
                      "SELECT coalesce(min((event_id >> 14) - 7000000), -1) FROM hub_cursors");
}

static long rss_kb(int pid)
{
    char path[64], line[256];
    snprintf(path, sizeof(path), "/proc/%d/status", pid);
    FILE *f = fopen(path, "r");
    long kb = -1;
    while (f && fgets(line, sizeof(line), f))
        if (strncmp(line, "VmRSS:", 6) == 0)
            kb = atol(line + 6);
    if (f)
        fclose(f);
    return kb;
}


/* Reads serve's output, samples its RSS and notes its API port; fails when
 * it ended by itself. */
static void serve_poll(struct soak *s)
{
    fct_read_until(s->fd, &s->out, s->out.len, "\n\n\n", 5);
    int status;
    if (waitpid(s->pid, &status, WNOHANG) == s->pid)
        fail_msg("serve ended by itself (%s %d):\n%s", WIFEXITED(status) ? "status" : "signal",
                 WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status), s->out.data);
    long kb = s->api_port ? rss_kb(s->pid) : 0; /* once it has started */
    if (kb > 0) {
        if (s->rss_min_kb < 0 || kb < s->rss_min_kb)
            s->rss_min_kb = kb;
        if (kb > s->rss_max_kb)
            s->rss_max_kb = kb;
        if (kb > s->rss_limit_kb)
            fail_msg("serve's RSS reached %ld MB, over the %ld MB bound", kb / 1024,
                     s->rss_limit_kb / 1024);
    }
    const char *l = s->api_port ? NULL : strstr(s->out.data ? s->out.data : "",
                                                 "api: listening on port ");
    if (l && strchr(l, '\n'))
        s->api_port = (unsigned)atoi(l + strlen("api: listening on port "));
    if (s->out.len > (1u << 20)) { /* a long run's log: checked, then dropped */
        fct_assert_no_sanitizer_report("serve", s->out.data);
        fc_buf_reset(&s->out);
    }
}

static void serve_start(struct soak *s)
{
    const char *argv[] = {fct_fcindex_bin(), "serve", NULL};
    s->pid = fct_spawn(argv, s->vars, &s->fd);
    assert_true(s->pid > 0);
    s->api_port = 0;
    s->started_ms = fct_now_ms();
    fc_buf_reset(&s->out);
}

/* Starts timing how long the follower takes to be within 2 s of the head. */
static void time_lag(struct soak *s, const char *what)
{
    if (s->n_costs >= MAX_RESTARTS)
        return;
    s->pending_cost = s->n_costs++;
    s->cost_s[s->pending_cost] = -1;
    snprintf(s->cost_what[s->pending_cost], sizeof(s->cost_what[0]), "%s", what);
    s->pending_since = fct_now_ms();
}

/* Each shard's cursor only moves forward, whatever was killed or restarted. */
static void check_cursors(struct soak *s)
{
    char *v = fct_sql_value(s->db, "SELECT coalesce(string_agg(shard || ':' || event_id, ',' "
                                   "ORDER BY shard), '') FROM hub_cursors");
    char *save = NULL;
    for (char *c = strtok_r(v, ",", &save); c; c = strtok_r(NULL, ",", &save)) {
        unsigned shard = (unsigned)atoi(c);
        unsigned long long id = strtoull(strchr(c, ':') + 1, NULL, 10);
        if (shard >= 8)
            continue;
        if (id < s->cursor_max[shard])
            fail_msg("shard %u's cursor moved back from %llu to %llu", shard,
                     s->cursor_max[shard], id);
        s->cursor_max[shard] = id;
    }
    free(v);
}

static void check_lag(struct soak *s)
{
    check_cursors(s);
    if (s->pending_cost < 0)
        return;
    long long cur = cursor_tick(s);
    if (cur >= 0 && head_tick(s) - cur <= 2) {
        s->cost_s[s->pending_cost] = (double)(fct_now_ms() - s->pending_since) / 1000.0;
        s->pending_cost = -1;
    }
}

static void serve_kill(struct soak *s)
{
    fct_signal(s->pid, SIGKILL);
    int status;
    fct_read_until(s->fd, &s->out, s->out.len, "\n\n\n", 100);
    if (waitpid(s->pid, &status, 0) != s->pid)
        fail_msg("lost serve");
    close(s->fd);
    fct_assert_no_sanitizer_report("serve (killed)", s->out.data);
    if (!(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL))
        fail_msg("serve ended before the kill:\n%s", s->out.data);
    s->kills++;
    s->pending_cost = -1; /* killed before it caught up: no figure */
}

/* scripts/services WHAT. A start is tried for up to 2 minutes: on a shared
 * machine another program's client may hold the port as its own local port
 * (TIME_WAIT) for a minute. */
static void service(const char *what)
{
    char script[1024];
    snprintf(script, sizeof(script), "%s/scripts/services", fct_require_env("FCINDEX_SOURCE_DIR"));
    struct fc_buf out = FC_BUF_INIT;
    int rc;
    long long until = fct_now_ms() + (strstr(what, "start") ? 120000 : 0);
    do {
        fc_buf_reset(&out);
        rc = fct_run((const char *[]){script, what, NULL}, NULL, &out);
    } while (rc != 0 && fct_now_ms() < until);
    if (rc != 0)
        fail_msg("scripts/services %s: rc %d: %s", what, rc, out.data);
    fc_buf_cleanup(&out);
}

/* The PostgreSQL log file scripts/services writes. */
static void pg_log_path(char *out, size_t n)
{
    const char *src = fct_require_env("FCINDEX_SOURCE_DIR");
    char loc[1024], base[1024] = "";
    snprintf(loc, sizeof(loc), "%s/.local/pg.location", src);
    FILE *f = fopen(loc, "r");
    if (f && fgets(base, sizeof(base), f))
        base[strcspn(base, "\n")] = '\0';
    if (f)
        fclose(f);
    if (!*base)
        snprintf(base, sizeof(base), "%s/.local/pg", src);
    snprintf(out, n, "%s/postgres.log", base);
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* ---- target changes through the admin API and the CLI ---- */

static long admin(struct soak *s, const char *method, const char *path, const char *body)
{
    char url[256];
    snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", s->api_port, path);
    for (int attempt = 0; attempt < 2; attempt++) {
        if (!*s->cookie || attempt) {
            char lurl[128], lbody[128];
            snprintf(lurl, sizeof(lurl), "http://127.0.0.1:%u/auth/login", s->api_port);
            snprintf(lbody, sizeof(lbody), "{\"password\":\"%s\"}", PASSWORD);
            struct fct_http h;
            fct_http_request("POST", lurl, (const char *[]){"Content-Type: application/json", NULL},
                             lbody, 10000, &h);
            char cookie[1100];
            const char *csrf = h.status == 200 ? strstr(h.body.data, "\"csrf_token\":\"") : NULL;
            if (csrf && fct_http_header_value(&h, "Set-Cookie", cookie, sizeof(cookie))) {
                *strchr(cookie, ';') = '\0';
                snprintf(s->cookie, sizeof(s->cookie), "Cookie: %s", cookie);
                csrf += strlen("\"csrf_token\":\"");
                snprintf(s->csrf, sizeof(s->csrf), "X-CSRF-Token: %.*s",
                         (int)strcspn(csrf, "\""), csrf);
            }
            fct_http_cleanup(&h);
        }
        struct fct_http h;
        fct_http_request(method, url,
                         (const char *[]){"Content-Type: application/json", s->cookie, s->csrf,
                                          NULL},
                         body, 10000, &h);
        long st = h.status;
        fct_http_cleanup(&h);
        if (st != 401 && st != 403)
            return st;
    }
    return 401;
}

static int cli(struct soak *s, const char *a, const char *b, const char *c)
{
    const char *argv[] = {fct_fcindex_bin(), "targets", a, b, c, NULL};
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_run(argv, s->vars, &out);
    fct_assert_no_sanitizer_report("fcindex targets", out.data);
    fc_buf_cleanup(&out);
    return rc;
}

enum op { OP_ADD, OP_REMOVE, OP_PROMOTE, OP_DEMOTE };

/* One change; true when it took effect (a busy or restarting service may
 * refuse it: it is tried again at the next chance). */
static bool change(struct soak *s, enum op op, bool via_api, uint64_t fid)
{
    char f[24], path[64];
    snprintf(f, sizeof(f), "%llu", (unsigned long long)fid);
    snprintf(path, sizeof(path), "/admin/targets/%s", f);
    bool ok;
    if (via_api) {
        char body[64];
        long st;
        switch (op) {
        case OP_ADD:
            snprintf(body, sizeof(body), "{\"fid\":%s,\"root\":false}", f);
            st = admin(s, "POST", "/admin/targets", body);
            ok = st == 201;
            break;
        case OP_REMOVE:
            ok = admin(s, "DELETE", path, NULL) == 200;
            break;
        default:
            ok = admin(s, "PUT", path, op == OP_PROMOTE ? "{\"root\":true}" : "{\"root\":false}") ==
                 200;
        }
    } else {
        static const char *const sub[] = {"add", "remove", "promote", "demote"};
        ok = cli(s, sub[op], f, op == OP_ADD ? "--non-root" : NULL) == 0;
    }
    if (ok)
        (via_api ? s->ops_api : s->ops_cli)[op]++;
    return ok;
}

/* Candidates whose changes are undone before the end, so the end state is
 * the truth's: added accounts the truth never makes targets, promoted ones
 * follow targets at the end that never sign up through a client. */
struct plan {
    uint64_t *outside, *follows;
    size_t n_outside, n_follows, next_outside, next_follow;
    uint64_t added, promoted; /* waiting to be undone (0: none) */
    int step;
};

/* What the truth makes of each fid (1..n_fids): 0 not a target, 'f' a follow
 * target that is no root, 'o' another kind of target; one pass over it. */
static void truth_kinds(const char *truth, char *kind)
{
    const char *end = truth + strlen(truth);
    for (const char *p = next_of(truth, end, "{\"fid\":"); p; p = next_of(p + 1, end, "{\"fid\":")) {
        char *after;
        unsigned long fid = strtoul(p + 7, &after, 10);
        if (fid > n_fids)
            continue;
        kind[fid] = end - after > 34 && memcmp(after, ",\"is_root\":false,\"source\":\"follow\"", 34) == 0
                        ? 'f' : 'o';
    }
}

static char *run_truth(struct soak *s, const char *until)
{
    char until_arg[32];
    snprintf(until_arg, sizeof(until_arg), "%s", until);
    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET, "--roots", "2,3",
                          "--clients", "9152", "--depth", "1", "--until-event", until_arg, NULL};
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run(argv, NULL, &out) != 0)
        fail_msg("hubsim truth: %s", out.data);
    (void)s;
    return fc_buf_take(&out);
}

static void plan_init(struct soak *s, struct plan *p)
{
    memset(p, 0, sizeof(*p));
    char start[32], end[32];
    snprintf(start, sizeof(start), "%lld", (H0 + HISTORY) << 14);
    snprintf(end, sizeof(end), "%lld", (H0 + HISTORY + s->live_s) << 14);
    char *t0 = run_truth(s, start), *t1 = run_truth(s, end);
    char *k0 = fc_xcalloc(n_fids + 1, 1), *k1 = fc_xcalloc(n_fids + 1, 1);
    truth_kinds(t0, k0);
    truth_kinds(t1, k1);
    free(t0);
    free(t1);
    p->outside = fc_xcalloc(n_fids + 1, sizeof(uint64_t));
    p->follows = fc_xcalloc(n_fids + 1, sizeof(uint64_t));
    for (uint64_t fid = n_fids; fid >= 4; fid--) {
        if (!k0[fid] && !k1[fid])
            p->outside[p->n_outside++] = fid;
        else if (k0[fid] == 'f' && k1[fid] == 'f')
            p->follows[p->n_follows++] = fid;
    }
    free(k0);
    free(k1);
    if (p->n_outside < 3 || p->n_follows < 10)
        fail_msg("too few candidates: %zu outside the truth, %zu follow targets", p->n_outside,
                 p->n_follows);
}

/* The next change of the plan; each kind goes through the API and the CLI in
 * turn: API add, API promote, CLI remove, CLI demote, CLI add, CLI promote,
 * API remove, API demote, ... */
static void plan_step(struct soak *s, struct plan *p)
{
    int k = p->step % 8;
    bool api = k < 2 || k >= 6;
    bool done;
    if (k == 0 || k == 4) {
        uint64_t fid = p->outside[p->next_outside % p->n_outside];
        done = change(s, OP_ADD, api, fid);
        if (done) {
            p->added = fid;
            p->next_outside++;
        }
    } else if (k == 1 || k == 5) {
        /* a follow target now, not yet synced ones skipped (kept simple) */
        uint64_t fid = 0;
        for (size_t tries = 0; tries < p->n_follows && !fid; tries++) {
            uint64_t c = p->follows[p->next_follow++ % p->n_follows];
            char sql[128];
            snprintf(sql, sizeof(sql), "SELECT count(*) FROM targets WHERE fid = %llu AND NOT "
                     "is_root AND source = 'follow'", (unsigned long long)c);
            if (fct_sql_ll(s->db, sql) == 1)
                fid = c;
        }
        if (!fid)
            return;
        done = change(s, OP_PROMOTE, api, fid);
        if (done)
            p->promoted = fid;
    } else if (k == 2 || k == 6) {
        done = !p->added || change(s, OP_REMOVE, api, p->added);
        if (done)
            p->added = 0;
    } else {
        done = !p->promoted || change(s, OP_DEMOTE, api, p->promoted);
        if (done)
            p->promoted = 0;
    }
    if (done)
        p->step++;
}

/* ---- dead letters against what the simulator serves ---- */

struct letters {
    char **hex; /* "source\x1fpayload-hex", sorted */
    size_t n;
};

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void letters_load(struct soak *s, struct letters *l)
{
    l->n = (size_t)fct_sql_ll(s->db, "SELECT count(*) FROM dead_letters");
    l->hex = fc_xcalloc(l->n + 1, sizeof(char *));
    char *all = fct_sql_value(s->db, "SELECT string_agg(source || chr(31) || encode(payload, "
                                     "'hex'), chr(30)) FROM dead_letters");
    size_t i = 0;
    char *save = NULL;
    for (char *row = strtok_r(all, "\x1e", &save); row && i < l->n;
         row = strtok_r(NULL, "\x1e", &save))
        l->hex[i++] = fc_xstrdup(row);
    l->n = i;
    free(all);
    qsort(l->hex, l->n, sizeof(char *), cmp_str);
}

static void letters_free(struct letters *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->hex[i]);
    free(l->hex);
}

static bool letters_has(const struct letters *l, const char *source, const char *raw, size_t n)
{
    size_t sl = strlen(source);
    char *key = fc_xmalloc(sl + 1 + 2 * n + 1);
    memcpy(key, source, sl);
    key[sl] = '\x1f';
    for (size_t i = 0; i < n; i++)
        snprintf(key + sl + 1 + 2 * i, 3, "%02x", (unsigned char)raw[i]);
    key[sl + 1 + 2 * n] = '\0';
    bool found = bsearch(&key, l->hex, l->n, sizeof(char *), cmp_str) != NULL;
    free(key);
    return found;
}

struct bad_scan {
    const struct letters *l;
    const char *source;
    size_t bad, missing;
    char first_missing[200];
};

static void scan_item(void *ud, const struct fc_item *it)
{
    struct bad_scan *b = ud;
    if (it->kind != FC_ITEM_ERROR)
        return;
    b->bad++;
    if (!letters_has(b->l, b->source, it->raw, it->raw_len) && b->missing++ == 0)
        snprintf(b->first_missing, sizeof(b->first_missing), "%.*s",
                 (int)(it->raw_len < 190 ? it->raw_len : 190), it->raw);
}

static void count_bad(void *ud, const struct fc_item *it)
{
    ((struct bad_scan *)ud)->bad += it->kind == FC_ITEM_ERROR;
}

/* Every bad item of a page the simulator serves now is a dead letter of
 * source with its exact bytes; returns how many bad items the page held. */
static size_t page_bad_items_are_letters(const struct letters *l, const char *source,
                                         const struct fct_http *h)
{
    struct bad_scan b = {l, source, 0, 0, ""};
    struct fc_diag d;
    if (fc_decode_buffer(FC_PAGE_AUTO, h->body.data, h->body.len, scan_item, &b, NULL, &d, NULL))
        fail_msg("%s: the simulator's page does not decode: %s", source, d.msg);
    if (b.missing)
        fail_msg("%s: %zu of %zu bad items are not in dead_letters, e.g. %s", source, b.missing,
                 b.bad, b.first_missing);
    return b.bad;
}

/* The stream: every bad event of each shard is a dead letter (events read
 * again after a kill are not counted twice), and every stream dead letter
 * is one of those. Returns the number of bad events. */
static size_t stream_letters_exact(struct soak *s, const struct letters *l)
{
    size_t bad = 0;
    for (unsigned shard = 1; shard <= 2; shard++) {
        char source[96];
        snprintf(source, sizeof(source), "events:snapchain:%u", shard); /* ids are global */
        struct stream_pages r = {.s = s, .shard = shard, .from = 0};
        while (stream_next(&r))
            bad += page_bad_items_are_letters(l, source, &r.page);
    }
    /* and no stream dead letter fails to decode unless the stream held it
     * so (others are messages that decode but fail verification) */
    size_t undecodable = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (strncmp(l->hex[i], "events:", 7) != 0)
            continue;
        const char *hex = strchr(l->hex[i], '\x1f') + 1;
        size_t n;
        char *raw = fct_unhex(hex, &n);
        struct bad_scan b = {NULL, "", 0, 0, ""};
        struct fc_diag d;
        if (fc_decode_buffer(FC_PAGE_AUTO, raw, n, count_bad, &b, NULL, &d, NULL) || b.bad)
            undecodable++;
        free(raw);
    }
    if (undecodable != bad)
        fail_msg("%zu stream dead letters fail to decode, the stream holds %zu bad events",
                 undecodable, bad);
    return bad;
}

/* The backfill's paths of a fid: endpoint, the fid, then any extra. */
static const char *const endpoints[][2] = {
    {"userDataByFid", ""}, {"castsByFid", ""}, {"reactionsByFid", "&reaction_type=None"},
    {"linksByFid", ""}, {"verificationsByFid", ""}, {"userNameProofsByFid", ""},
    {"onChainEventsByFid", "&event_type=EVENT_TYPE_ID_REGISTER"},
    {"onChainEventsByFid", "&event_type=EVENT_TYPE_SIGNER"}};

/* Backfill: a sample of targets backfilled again now (faults still on), so
 * each page the indexer read is the page served now; each bad item of every
 * such page is a dead letter of its path. Every backfill dead letter is
 * served by its path. Returns the bad items seen in the sample. */
static size_t backfill_letters_exact(struct soak *s, struct letters *l)
{
    /* 20 targets with backfill dead letters, 20 others */
    char *sample = fct_sql_value(s->db,
        "SELECT string_agg(fid::text, ',') FROM ((SELECT fid FROM (SELECT DISTINCT t.fid FROM "
        "targets t JOIN dead_letters d ON d.source LIKE '/v1/%fid=' || t.fid || '&%' OR "
        "d.source LIKE '/v1/%fid=' || t.fid) a ORDER BY md5(fid::text) LIMIT 20) UNION "
        "(SELECT fid FROM targets ORDER BY md5(fid::text) LIMIT 20)) x");
    char sql[1024];
    snprintf(sql, sizeof(sql), "UPDATE targets SET last_synced_at = NULL WHERE fid IN (%s)",
             sample);
    free(fct_sql_value(s->db, sql));
    char *since = fct_sql_value(s->db, "SELECT clock_timestamp()::text");
    struct fc_buf out = FC_BUF_INIT;
    if (fct_run((const char *[]){fct_fcindex_bin(), "backfill", "--all-unsynced", "--wait", NULL},
                s->vars, &out) != 0)
        fail_msg("backfill: %s", out.data);
    fc_buf_cleanup(&out);
    letters_free(l);
    letters_load(s, l);
    size_t bad = 0;
    char *save = NULL;
    for (char *f = strtok_r(sample, ",", &save); f; f = strtok_r(NULL, ",", &save))
        for (size_t e = 0; e < sizeof(endpoints) / sizeof(endpoints[0]); e++) {
            char source[200], path[240];
            snprintf(source, sizeof(source), "/v1/%s?fid=%llu%s", endpoints[e][0],
                     strtoull(f, NULL, 10), endpoints[e][1]);
            snprintf(path, sizeof(path), "%s&pageSize=100000", source);
            struct fct_http h;
            sim_get(s, path, &h);
            bad += page_bad_items_are_letters(l, source, &h);
            fct_http_cleanup(&h);
        }
    free(sample);
    /* and each backfill dead letter the backfill just met again is an item
     * its path serves, byte for byte (an older one may name an item the
     * network has since removed) */
    snprintf(sql, sizeof(sql), "SELECT coalesce(string_agg(source || chr(31) || "
             "encode(payload, 'hex'), chr(30)), '') FROM dead_letters WHERE "
             "source LIKE '/v1/%%' AND last_seen >= '%s'", since);
    free(since);
    char *recent = fct_sql_value(s->db, sql);
    char *rsave = NULL;
    for (char *row = strtok_r(recent, "\x1e", &rsave); row; row = strtok_r(NULL, "\x1e", &rsave)) {
        char *sep = strchr(row, '\x1f');
        if (!sep)
            continue;
        char path[400];
        snprintf(path, sizeof(path), "%.*s&pageSize=100000", (int)(sep - row), row);
        size_t n;
        char *raw = fct_unhex(sep + 1, &n);
        /* a message that decodes but failed verification is kept in its
         * decoded form: only the items that failed decoding are raw bytes */
        struct bad_scan b = {NULL, "", 0, 0, ""};
        struct fc_diag d;
        if (!fc_decode_buffer(FC_PAGE_AUTO, raw, n, count_bad, &b, NULL, &d, NULL) && !b.bad) {
            free(raw);
            continue;
        }
        struct fct_http h;
        sim_get(s, path, &h);
        if (!memmem(h.body.data, h.body.len, raw, n))
            fail_msg("dead letter of %s: not what the simulator serves: %.200s", path, raw);
        fct_http_cleanup(&h);
        free(raw);
    }
    free(recent);
    return bad;
}

/* Accounts whose rows a dead letter may lack: the fid of each backfill path,
 * the "fid" of each bad stream event (invalid UTF-8 leaves it readable). */
static char *fids_of_letters(struct soak *s)
{
    return fct_sql_value(s->db,
        "SELECT coalesce(string_agg(DISTINCT f, ','), '') FROM (SELECT substring(source FROM "
        "'fid=([0-9]+)') f FROM dead_letters WHERE source LIKE '/v1/%' UNION SELECT substring("
        "encode(payload, 'escape') FROM '\"fid\": *([0-9]+)') FROM dead_letters WHERE "
        "source LIKE 'events:%') x WHERE f IS NOT NULL");
}

static int fcindex(struct soak *s, const char *a, const char *b, const char *c)
{
    struct fc_buf out = FC_BUF_INIT;
    int rc = fct_index_cmd(s->vars, a, b, c, NULL, &out);
    fct_assert_no_sanitizer_report(a, out.data);
    fc_buf_cleanup(&out);
    return rc;
}

static void env_init(struct soak *s, const char *redis)
{
    snprintf(s->e_db, sizeof(s->e_db), "DATABASE_URL=%s", s->db);
    snprintf(s->e_hubs, sizeof(s->e_hubs), "FCINDEX_HUBS_URLS=%s", s->hubs);
    snprintf(s->e_redis, sizeof(s->e_redis), "REDIS_URL=%s", redis);
    snprintf(s->e_prefix, sizeof(s->e_prefix), "FCINDEX_REDIS_PREFIX=fctest:soak:%d:",
             (int)getpid());
    const char *v[] = {s->e_db, s->e_hubs, s->e_redis, s->e_prefix,
                       "FCINDEX_STRATEGY_ROOT_TARGETS=2,3",
                       "FCINDEX_STRATEGY_TARGET_CLIENTS=9152",
                       "FCINDEX_STRATEGY_EXPANSION_DEPTH=1",
                       "FCINDEX_LOG_LEVEL=error",
                       "FCINDEX_HUBS_RETRIES=30",
                       "FCINDEX_HUBS_TIMEOUT_MS=2000",
                       /* a killed worker's job is taken again soon */
                       "FCINDEX_CONCURRENCY_JOB_LEASE_S=2",
                       "FCINDEX_API_LISTEN=127.0.0.1:0",
                       "FCINDEX_AUTH_ADMIN_PASSWORD=" PASSWORD,
                       "FCINDEX_API_RATE_ADMIN_PER_MIN=100000",
                       "FCINDEX_API_RATE_LOGIN_PER_MIN=1000",
                       "FCINDEX_API_RATE_LOGIN_GLOBAL_PER_MIN=1000",
                       NULL};
    memcpy(s->vars, v, sizeof(v));
}

static void print_figures(struct soak *s, double live_s, size_t events, size_t stream_bad,
                          size_t backfill_bad, long long letters, long long targets)
{
    fprintf(stderr, "soak: %d s live, %zu stream events in it: %.0f events/s\n", s->live_s,
            events, live_s > 0 ? (double)events / live_s : 0);
    fprintf(stderr, "soak: %d SIGKILLs of serve; PostgreSQL and Redis restarted twice each\n",
            s->kills);
    fprintf(stderr, "soak: changes: API add %d remove %d promote %d demote %d; CLI add %d "
            "remove %d promote %d demote %d\n", s->ops_api[0], s->ops_api[1], s->ops_api[2],
            s->ops_api[3], s->ops_cli[0], s->ops_cli[1], s->ops_cli[2], s->ops_cli[3]);
    fprintf(stderr, "soak: serve RSS %ld..%ld MB (bound %ld MB)\n", s->rss_min_kb / 1024,
            s->rss_max_kb / 1024, s->rss_limit_kb / 1024);
    fprintf(stderr, "soak: %lld targets; %lld dead letters; %zu bad events in the stream, %zu "
            "bad items in the sample's backfill pages\n", targets, letters, stream_bad,
            backfill_bad);
    double sum = 0, max = 0;
    int n = 0, lost = 0;
    fprintf(stderr, "soak: lag cost of each restart (s until within 2 s of the head; - = killed "
            "again before):");
    for (int i = 0; i < s->n_costs; i++) {
        if (s->cost_s[i] < 0) {
            lost++;
            fprintf(stderr, " %s:-", s->cost_what[i]);
            continue;
        }
        fprintf(stderr, " %s:%.1f", s->cost_what[i], s->cost_s[i]);
        sum += s->cost_s[i];
        max = s->cost_s[i] > max ? s->cost_s[i] : max;
        n++;
    }
    fprintf(stderr, "\nsoak: lag cost: %d timed, mean %.1f s, max %.1f s; %d killed before "
            "catching up\n", n, n ? sum / n : 0, max, lost);
}

/* 0.2 to 1.8 times the mean gap between kills, at random */
static double kill_factor(void)
{
    return 0.2 + 1.6 * (double)(random() % 1000) / 1000.0;
}

static void soak(void **state)
{
    (void)state;
    struct soak *s = fc_xcalloc(1, sizeof(*s));
    s->live_s = parse_duration(getenv("FCT_SOAK_DURATION"), 60);
    if (s->live_s > 600) { /* 12,000 leave 235 outside the truth after 30 minutes */
        n_fids = 12000;
        snprintf(n_fids_arg, sizeof(n_fids_arg), "%lu", n_fids);
    }
    s->min_kills = 20;
    const char *lim = getenv("FCT_SOAK_RSS_MB");
    s->rss_limit_kb = (lim && *lim ? atol(lim) : 900) * 1024;
    s->rss_min_kb = -1;
    s->pending_cost = -1;
    const char *redis = fct_redis_or_skip();
    char pglog[1100];
    pg_log_path(pglog, sizeof(pglog));
    long pglog_from = file_size(pglog);
    if (pglog_from < 0)
        fail_msg("no PostgreSQL log at %s", pglog);

    char live[16], history[16];
    snprintf(live, sizeof(live), "%d", s->live_s);
    snprintf(history, sizeof(history), "%d", HISTORY);
    struct plan plan; /* first: the truth takes a while, the live network would not wait */
    plan_init(s, &plan);
    s->sim = fct_hubsim_start((const char *[]){NET, "--history-ticks", history, "--live-ticks",
                                               live, "--fault-seed", "11", "--faults",
                                               "{\"endpoint\":\"*\"," PAGE_FAULTS "," ITEMS_BACKFILL "}",
                                               NULL}, &s->port);
    fct_hubsim_faults(s->port,
                      "{\"endpoint\":\"/v1/events\"," PAGE_FAULTS "," ITEMS_STREAM "}");
    snprintf(s->hubs, sizeof(s->hubs), "http://127.0.0.1:%d", s->port);
    fct_db_create("soak", s->db, sizeof(s->db));
    env_init(s, redis);
    assert_int_equal(fcindex(s, "migrate", NULL, NULL), 0);

    /* the live phase: kills at random moments, a change after each start,
     * the services restarted at set points */
    srandom((unsigned)getpid());
    long long live_end_tick = HISTORY + s->live_s;
    long long t_live0 = fct_now_ms(), t_live1 = 0;
    long long head0 = head_tick(s);
    /* kills go on after the live phase until there were enough; a serve
     * under the sanitizers needs a few seconds to get anywhere */
    double mean_gap_ms = 1000.0 * s->live_s / (s->min_kills + 3);
    if (mean_gap_ms < 3000)
        mean_gap_ms = 3000;
    static const char *const outages[] = {"pg", "redis", "pg", "redis"};
    int outage = 0;
    serve_start(s);
    time_lag(s, "start");
    long long kill_at = s->started_ms + (long long)(mean_gap_ms * kill_factor());
    bool changed = false;
    while (s->kills < s->min_kills || outage < 4 || !t_live1 || plan.added || plan.promoted) {
        usleep(100000);
        serve_poll(s);
        check_lag(s);
        long long now = fct_now_ms();
        long long head = head_tick(s);
        if (!t_live1 && head >= live_end_tick)
            t_live1 = now;
        /* a change after each start; once the kills are done, until all are undone */
        if (s->api_port && (!changed || (t_live1 && s->kills >= s->min_kills))) {
            plan_step(s, &plan);
            changed = true;
        }
        /* the services, at 20, 40, 60 and 80 % of the live phase */
        /* (not while serve starts: it leaves a database it cannot reach at
         * start to its supervisor, systemd's Restart=on-failure) */
        if (outage < 4 && (now - t_live0) > (outage + 1) * 200LL * s->live_s && s->api_port &&
            now - s->started_ms > 3000) {
            char stop[32], start[32];
            snprintf(stop, sizeof(stop), "%s-stop", outages[outage]);
            snprintf(start, sizeof(start), "%s-start", outages[outage]);
            service(stop);
            for (long long until = fct_now_ms() + 3000; fct_now_ms() < until;) {
                usleep(100000); /* serve lives through it: its log drained, its RSS sampled */
                serve_poll(s);
            }
            service(start);
            time_lag(s, outages[outage]);
            outage++;
            continue;
        }
        if (now >= kill_at && (s->kills < s->min_kills || !t_live1)) {
            serve_kill(s);
            serve_start(s);
            char what[24];
            snprintf(what, sizeof(what), "kill%d", s->kills);
            time_lag(s, what);
            changed = false;
            fprintf(stderr, "soak: %.0f s: kill %d; head %lld, cursor %lld; plan step %d\n",
                    (double)(now - t_live0) / 1000.0, s->kills, head, cursor_tick(s), plan.step);
            kill_at = s->started_ms + (long long)(mean_gap_ms * kill_factor());
        }
        if (now - t_live0 > 1000LL * (s->live_s * 3 + 300))
            fail_msg("the live phase did not end: %d kills, %d outages, head %lld", s->kills,
                     outage, head);
    }
    double live_wall = (double)(t_live1 - t_live0) / 1000.0;
    /* the last serve runs until every target is synced and the stream read */
    long long settle_end = fct_now_ms() + 300000;
    int still = 0;
    while (still < 3) {
        if (fct_now_ms() > settle_end)
            fail_msg("serve did not settle: %lld unsynced, cursor %lld, head %lld",
                     fct_sql_ll(s->db,
                                "SELECT count(*) FROM targets WHERE last_synced_at IS NULL"),
                     cursor_tick(s), head_tick(s));
        usleep(500000);
        serve_poll(s);
        check_lag(s);
        long long pending = fct_sql_ll(s->db, "SELECT count(*) FROM targets WHERE last_synced_at "
                                              "IS NULL OR last_error IS NOT NULL");
        still = pending == 0 && cursor_tick(s) >= head_tick(s) ? still + 1 : 0;
    }
    fct_signal(s->pid, SIGTERM);
    if (fct_wait(s->pid, s->fd, &s->out) != 0)
        fail_msg("serve did not stop cleanly:\n%s", s->out.data);
    fct_assert_no_sanitizer_report("serve", s->out.data);

    /* no deadlock, no job failed for good */
    struct fc_buf logtext = FC_BUF_INIT;
    FILE *f = fopen(pglog, "r");
    assert_non_null(f);
    fseek(f, pglog_from, SEEK_SET);
    char chunk[65536];
    size_t got;
    while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fc_buf_append(&logtext, chunk, got);
    fclose(f);
    if (logtext.data && strstr(logtext.data, "deadlock detected"))
        fail_msg("PostgreSQL's log holds \"deadlock detected\":\n%s",
                 strstr(logtext.data, "deadlock detected"));
    fc_buf_cleanup(&logtext);
    assert_int_equal(fct_sql_ll(s->db, "SELECT count(*) FROM targets WHERE last_error IS NOT NULL "
                                       "OR backfill_held_at IS NOT NULL OR last_synced_at IS NULL"),
                     0);
    long long targets = fct_sql_ll(s->db, "SELECT count(*) FROM targets");
    if (targets < 2000)
        fail_msg("only %lld targets", targets);

    /* dead letters, exact, with only the item faults left on */
    fct_hubsim_faults(s->port, "{\"clear\":true}");
    fct_hubsim_faults(s->port, "{\"endpoint\":\"*\"," ITEMS_BACKFILL "}");
    fct_hubsim_faults(s->port, "{\"endpoint\":\"/v1/events\"," ITEMS_STREAM "}");
    struct letters l;
    letters_load(s, &l);
    size_t stream_bad = stream_letters_exact(s, &l);
    size_t backfill_bad = backfill_letters_exact(s, &l);
    long long n_letters = (long long)l.n;
    letters_free(&l);
    if (stream_bad == 0 || fct_sql_ll(s->db, "SELECT count(*) FROM dead_letters WHERE source LIKE "
                                             "'/v1/%'") == 0)
        fail_msg("the run met no bad item in the stream or in backfill pages");

    /* the hub healed: what the bad items held comes back with a backfill of
     * their accounts (as an operator would), then the stream to its head */
    fct_hubsim_faults(s->port, "{\"clear\":true}");
    char *fids = fids_of_letters(s);
    if (*fids) {
        char *sql = fc_xmalloc(strlen(fids) + 128);
        sprintf(sql, "UPDATE targets SET last_synced_at = NULL WHERE fid IN (%s)", fids);
        free(fct_sql_value(s->db, sql));
        free(sql);
    }
    free(fids);
    assert_int_equal(fcindex(s, "backfill", "--all-unsynced", "--wait"), 0);
    assert_int_equal(fcindex(s, "sync", "--until-head", NULL), 0);

    /* the stream was read to the simulator's last block, on every shard */
    long long head = head_tick(s);
    assert_int_equal(head, live_end_tick);
    char *last = fct_sql_value(s->db, "SELECT min(event_id) - 1 FROM hub_cursors");
    if (((atoll(last) >> 14) - H0) != head)
        fail_msg("the cursor's last event %s is not in the head block %lld", last, head);
    /* events per second: the live blocks' events over the wall time they took */
    size_t events = 0;
    for (unsigned shard = 1; shard <= 2; shard++) {
        struct stream_pages r = {.s = s, .shard = shard,
                                 .from = (unsigned long long)(H0 + head0 + 1) << 14};
        while (stream_next(&r))
            continue; /* counting its events */
        events += r.events;
    }
    print_figures(s, live_wall, events, stream_bad, backfill_bad, n_letters, targets);

    /* the database equals the truth at the last event read */
    char until[32];
    snprintf(until, sizeof(until), "%s", last);
    free(last);
    const char *argv[] = {fct_require_env("HUBSIM_BIN"), "truth", NET, "--roots", "2,3",
                          "--clients", "9152", "--depth", "1", "--until-event", until, NULL};
    size_t clients = 0;
    size_t n_truth = fct_assert_equals_truth(s->db, argv, &clients);
    fprintf(stderr, "soak: equal to the truth: %zu targets, %zu by sign-up\n", n_truth, clients);
    if (s->rss_max_kb <= 0)
        fail_msg("serve's RSS was never sampled");

    free(plan.outside);
    free(plan.follows);
    fc_buf_cleanup(&s->out);
    fct_db_drop(s->db);
    fct_hubsim_stop(s->sim);
    free(s);
}

/* Whatever happened, the shared services are left running for the tests
 * that follow (a failure during an outage would leave one stopped). */
static int services_back(void **state)
{
    (void)state;
    service("pg-start");
    service("redis-start");
    return 0;
}

int main(void)
{
    fct_require_env("DATABASE_URL");
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(soak, services_back),
    };
    return fct_exit_status(cmocka_run_group_tests(tests, NULL, NULL));
}
