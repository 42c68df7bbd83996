/* fcindex db report: what the database's size is made of and what to do
 * about it (store/db_report.h). */
#include <stdio.h>
#include <string.h>
#include <yajl/yajl_tree.h>

#include "cmd/cmd.h"
#include "cmd/with_db.h"
#include "store/db.h"
#include "store/db_report.h"

static yajl_val get(yajl_val v, const char *k)
{
    const char *p[] = {k, NULL};
    return v ? yajl_tree_get(v, p, yajl_t_any) : NULL;
}

static double mib(yajl_val v)
{
    return v && YAJL_IS_NUMBER(v) ? YAJL_GET_DOUBLE(v) / 1048576.0 : 0;
}

static void print_text(yajl_val doc)
{
    printf("database %.1f MiB\n\n%-24s %10s %10s %10s %12s %8s\n", mib(get(doc, "database_bytes")),
           "table", "total MiB", "heap MiB", "index MiB", "live rows", "dead %");
    yajl_val t = get(doc, "tables");
    for (size_t i = 0; t && YAJL_IS_ARRAY(t) && i < t->u.array.len; i++) {
        yajl_val e = t->u.array.values[i];
        printf("%-24s %10.1f %10.1f %10.1f %12lld %8.1f\n", YAJL_GET_STRING(get(e, "table")),
               mib(get(e, "total_bytes")), mib(get(e, "table_bytes")), mib(get(e, "index_bytes")),
               YAJL_GET_INTEGER(get(e, "live_rows")), 100.0 * YAJL_GET_DOUBLE(get(e, "dead_ratio")));
    }
    yajl_val st = get(doc, "statements");
    printf("\nslowest statements: ");
    if (!YAJL_IS_TRUE(get(st, "available"))) {
        printf("unavailable (%s)\n", YAJL_GET_STRING(get(st, "reason")));
    } else {
        yajl_val s = get(st, "slowest");
        printf("%zu\n", s->u.array.len);
        for (size_t i = 0; i < s->u.array.len; i++) {
            yajl_val e = s->u.array.values[i];
            printf("  %10.3f ms x %lld  %.120s\n", YAJL_GET_DOUBLE(get(e, "mean_ms")),
                   YAJL_GET_INTEGER(get(e, "calls")), YAJL_GET_STRING(get(e, "query")));
        }
    }
    yajl_val u = get(doc, "unused_indexes");
    printf("\nunused indexes: %zu\n", u->u.array.len);
    for (size_t i = 0; i < u->u.array.len; i++)
        printf("  %s\n", YAJL_GET_STRING(u->u.array.values[i]));
    yajl_val a = get(doc, "advice");
    printf("\nadvice:%s\n", a->u.array.len ? "" : " nothing to do");
    for (size_t i = 0; i < a->u.array.len; i++)
        printf("  - %s\n", YAJL_GET_STRING(a->u.array.values[i]));
}

static int report(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    (void)cfg;
    bool json = *(bool *)arg;
    int rc = 0;
    struct fc_buf b = FC_BUF_INIT;
    struct fc_diag d;
    if (fc_db_report_json(db, &b, &d)) {
        rc = fc_cmd_fail("db report", &d);
    } else if (json) {
        printf("%s\n", b.data);
    } else {
        yajl_val doc = yajl_tree_parse(b.data, NULL, 0);
        print_text(doc);
        yajl_tree_free(doc);
    }
    fc_buf_cleanup(&b);
    return rc;
}

int fc_cmd_db(struct fc_cmd_ctx *ctx)
{
    bool json = fc_cmd_flag(ctx, "--json");
    if (ctx->argc != 1 || strcmp(ctx->argv[0], "report") != 0)
        return fc_cmd_usage("usage: fcindex db report [--json]\n");
    return fc_cmd_with_db(ctx, report, &json);
}
