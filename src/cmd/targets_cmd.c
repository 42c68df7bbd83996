/* fcindex targets: list (filtered, sorted, paged), stats, add, remove,
 * promote, demote, cleanup. The target set lives in PostgreSQL. */
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cmd/with_db.h"
#include "core/fid_parse.h"
#include "store/db.h"
#include "store/target_list.h"
#include "store/targets.h"

static const char usage[] =
    "usage: fcindex targets list [--root|--non-root] [--state STATE] [--source SOURCE]\n"
    "                            [--added-after T] [--added-before T] [--synced-after T]\n"
    "                            [--synced-before T] [--sort SORT] [--limit N] [--offset N]\n"
    "                            [--json]\n"
    "       fcindex targets stats [--json] | cleanup | add FID [--root|--non-root] |\n"
    "       remove FID | promote FID | demote FID\n";

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static const char *str(yajl_val v)
{
    return v && YAJL_IS_STRING(v) ? v->u.string : "";
}

static bool parse_count(const char *what, const char *s, int max, int *out)
{
    char *end;
    long v = s ? strtol(s, &end, 10) : -1;
    if (!s || !*s || *end || v < 0 || v > max) {
        fprintf(stderr, "fcindex targets: %s: a whole number from 0 to %d\n", what, max);
        return false;
    }
    *out = (int)v;
    return true;
}

/* Pulls the list options out of ctx into f; false after printing why. */
static bool list_options(struct fc_cmd_ctx *ctx, struct fc_target_filter *f)
{
    bool missing = false, m;
    bool root = fc_cmd_flag(ctx, "--root"), non_root = fc_cmd_flag(ctx, "--non-root");
    if (root && non_root) {
        fputs("fcindex targets: --root and --non-root exclude each other\n", stderr);
        return false;
    }
    f->root = root ? "true" : non_root ? "false" : NULL;
    static const struct {
        const char *opt;
        size_t off;
    } opts[] = {
        {"--state", offsetof(struct fc_target_filter, state)},
        {"--source", offsetof(struct fc_target_filter, source)},
        {"--added-after", offsetof(struct fc_target_filter, added_after)},
        {"--added-before", offsetof(struct fc_target_filter, added_before)},
        {"--synced-after", offsetof(struct fc_target_filter, synced_after)},
        {"--synced-before", offsetof(struct fc_target_filter, synced_before)},
        {"--sort", offsetof(struct fc_target_filter, sort)},
    };
    for (size_t i = 0; i < sizeof(opts) / sizeof(opts[0]); i++) {
        *(const char **)((char *)f + opts[i].off) = fc_cmd_option(ctx, opts[i].opt, &m);
        missing |= m;
    }
    const char *limit = fc_cmd_option(ctx, "--limit", &m);
    missing |= m;
    const char *offset = fc_cmd_option(ctx, "--offset", &m);
    missing |= m;
    if (missing) {
        fputs("fcindex targets: an option is missing its value\n", stderr);
        return false;
    }
    f->limit = 1000;
    if ((limit && !parse_count("--limit", limit, 100000, &f->limit)) ||
        (offset && !parse_count("--offset", offset, 100000000, &f->offset)))
        return false;
    if (f->limit == 0) {
        fputs("fcindex targets: --limit: a whole number from 1 to 100000\n", stderr);
        return false;
    }
    const char *problem = fc_target_filter_problem(f);
    if (problem) {
        fprintf(stderr, "fcindex targets: %s\n", problem);
        return false;
    }
    return true;
}

static void print_summary(yajl_val doc)
{
    yajl_val sum = get(doc, "summary"), states = get(sum, "states"), sources = get(sum, "sources");
    printf("%lld targets, %lld roots;", YAJL_GET_INTEGER(get(doc, "total")),
           YAJL_GET_INTEGER(get(sum, "roots")));
    for (size_t i = 0; states && i < YAJL_GET_OBJECT(states)->len; i++)
        printf(" %s %lld", YAJL_GET_OBJECT(states)->keys[i],
               YAJL_GET_INTEGER(YAJL_GET_OBJECT(states)->values[i]));
    printf("; from");
    for (size_t i = 0; sources && i < YAJL_GET_OBJECT(sources)->len; i++)
        printf(" %s %lld", YAJL_GET_OBJECT(sources)->keys[i],
               YAJL_GET_INTEGER(YAJL_GET_OBJECT(sources)->values[i]));
    printf("\n");
}

static void print_list(yajl_val doc, const struct fc_target_filter *f)
{
    yajl_val list = get(doc, "targets");
    printf("%-10s %-5s %-7s %-8s %-20s %-20s %s\n", "fid", "root", "source", "state", "added",
           "synced", "last error");
    size_t n = list && YAJL_IS_ARRAY(list) ? list->u.array.len : 0;
    for (size_t i = 0; i < n; i++) {
        yajl_val t = list->u.array.values[i];
        printf("%-10lld %-5s %-7s %-8s %-20s %-20s %s\n", YAJL_GET_INTEGER(get(t, "fid")),
               YAJL_IS_TRUE(get(t, "root")) ? "yes" : "no", str(get(t, "source")),
               str(get(t, "state")), str(get(t, "added_at")),
               *str(get(t, "last_synced_at")) ? str(get(t, "last_synced_at")) : "-",
               str(get(t, "last_error")));
    }
    long long total = YAJL_GET_INTEGER(get(doc, "total"));
    if ((long long)n < total)
        printf("rows %d to %zu of %lld (--limit, --offset for more)\n", n ? f->offset + 1 : 0,
               (size_t)f->offset + n, total);
    print_summary(doc);
}

static int list_or_stats(struct fc_db *db, struct fc_target_filter *f, bool stats, bool json)
{
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag d;
    if (fc_target_list_json(db, f, &b, &d)) {
        fprintf(stderr, "fcindex targets: %s\n", d.msg);
        fc_buf_cleanup(&b);
        return FC_EXIT_FAIL;
    }
    yajl_val doc = yajl_tree_parse(b.data, NULL, 0);
    if (json && !stats) {
        printf("%s\n", b.data);
    } else if (json) {
        /* the summary of the whole set, with its total */
        yajl_val sum = get(doc, "summary");
        struct fc_buf o = FC_BUF_INIT;
        fc_buf_printf(&o, "{\"total\":%lld,\"roots\":%lld,\"states\":{",
                      YAJL_GET_INTEGER(get(doc, "total")), YAJL_GET_INTEGER(get(sum, "roots")));
        const char *const groups[] = {"states", "sources"};
        for (int g = 0; g < 2; g++) {
            yajl_val obj = get(sum, groups[g]);
            if (g)
                fc_buf_puts(&o, "},\"sources\":{");
            for (size_t i = 0; obj && i < YAJL_GET_OBJECT(obj)->len; i++)
                fc_buf_printf(&o, "%s\"%s\":%lld", i ? "," : "", YAJL_GET_OBJECT(obj)->keys[i],
                              YAJL_GET_INTEGER(YAJL_GET_OBJECT(obj)->values[i]));
        }
        fc_buf_puts(&o, "}}");
        printf("%s\n", o.data);
        fc_buf_cleanup(&o);
    } else if (stats) {
        print_summary(doc);
    } else {
        print_list(doc, f);
    }
    yajl_tree_free(doc);
    fc_buf_cleanup(&b);
    return FC_EXIT_OK;
}

struct targets_args {
    const char *sub;
    bool list, stats, json;
    struct fc_target_filter f; /* list, stats */
    uint64_t fid;              /* add, remove, promote, demote */
    bool root;                 /* add: a root unless --non-root, as POST /admin/targets */
};

/* An explicit operator request: runs whatever strategy.dropped_rows says. */
FC_MUST_CHECK
static enum fc_err cleanup(struct fc_db *db, struct fc_diag *diag)
{
    size_t accounts = 0, rows = 0;
    enum fc_err err = fc_targets_cleanup(db, &accounts, &rows, diag);
    if (!err)
        printf("deleted %zu rows of %zu dropped accounts\n", rows, accounts);
    return err;
}

FC_MUST_CHECK
static enum fc_err add(struct fc_db *db, uint64_t fid, bool root, struct fc_diag *diag)
{
    bool added = false;
    enum fc_err err = fc_targets_add(db, fid, root, "admin", &added, diag);
    if (!err)
        printf("%s %llu%s; its backfill is pending\n", added ? "added" : "updated",
               (unsigned long long)fid, root ? " as a root" : "");
    return err;
}

static void say_not_a_target(uint64_t fid)
{
    fprintf(stderr, "fcindex: %llu is not a target\n", (unsigned long long)fid);
}

/* *found is false, after saying so, when fid is not a target. */
FC_MUST_CHECK
static enum fc_err remove_target(struct fc_db *db, const struct fc_config *cfg, uint64_t fid,
                                 bool *found, struct fc_diag *diag)
{
    enum fc_err err = fc_targets_remove(db, fid, found, diag);
    if (!err && !*found)
        say_not_a_target(fid);
    else if (!err)
        printf("removed %llu (%s)\n", (unsigned long long)fid,
               strcmp(cfg->dropped_rows, "delete") == 0
                   ? "its rows go at the next clean-up"
                   : "its rows are kept; `targets cleanup` deletes them");
    return err;
}

/* promote or demote; *found as for remove_target. */
FC_MUST_CHECK
static enum fc_err set_root(struct fc_db *db, const struct fc_config *cfg, uint64_t fid,
                            bool promote, bool *found, struct fc_diag *diag)
{
    uint64_t *added, *dropped;
    size_t n_added, n_dropped;
    /* the reach changes with the roots: recomputed at once */
    enum fc_err err = fc_targets_set_root_reach(db, fid, promote, cfg->expansion_depth, found,
                                                &added, &n_added, &dropped, &n_dropped, diag);
    if (!err && !*found)
        say_not_a_target(fid);
    else if (!err)
        printf("%llu is %s a root\n", (unsigned long long)fid, promote ? "now" : "no longer");
    if (!err && (n_added || n_dropped))
        printf("within %d follow hops of a root: %zu targets added (their backfill is "
               "pending), %zu dropped\n", cfg->expansion_depth, n_added, n_dropped);
    free(added);
    free(dropped);
    return err;
}

static int targets(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    struct targets_args *a = arg;
    if (a->list || a->stats)
        return list_or_stats(db, &a->f, a->stats, a->json);
    struct fc_diag diag = {{0}};
    enum fc_err err;
    bool found = true;
    if (strcmp(a->sub, "cleanup") == 0)
        err = cleanup(db, &diag);
    else if (strcmp(a->sub, "add") == 0)
        err = add(db, a->fid, a->root, &diag);
    else if (strcmp(a->sub, "remove") == 0)
        err = remove_target(db, cfg, a->fid, &found, &diag);
    else
        err = set_root(db, cfg, a->fid, strcmp(a->sub, "promote") == 0, &found, &diag);
    if (err)
        return fc_cmd_fail("targets", &diag);
    return found ? FC_EXIT_OK : FC_EXIT_FAIL;
}

int fc_cmd_targets(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc < 1)
        return fc_cmd_usage(usage);
    struct targets_args a = {.sub = ctx->argv[0], .f = {.limit = 1}, .root = true};
    const char *sub = a.sub;
    a.list = strcmp(sub, "list") == 0, a.stats = strcmp(sub, "stats") == 0;
    a.json = (a.list || a.stats) && fc_cmd_flag(ctx, "--json");
    if (a.list) {
        if (!list_options(ctx, &a.f) || ctx->argc != 1)
            return fc_cmd_usage(usage);
    } else if (a.stats || strcmp(sub, "cleanup") == 0) {
        if (ctx->argc != 1)
            return fc_cmd_usage(usage);
    } else {
        bool add = strcmp(sub, "add") == 0;
        if (add) {
            bool r = fc_cmd_flag(ctx, "--root"), nr = fc_cmd_flag(ctx, "--non-root");
            if (r && nr)
                return fc_cmd_usage(usage);
            a.root = !nr;
        }
        bool known = add || strcmp(sub, "remove") == 0 || strcmp(sub, "promote") == 0 ||
                     strcmp(sub, "demote") == 0;
        if (!known || ctx->argc != 2)
            return fc_cmd_usage(usage);
        if (!fc_cmd_parse_fid(ctx->argv[1], &a.fid))
            return FC_EXIT_USAGE;
    }
    return fc_cmd_with_db(ctx, targets, &a);
}
