/* fcindex import FILE: loads an export (store/dump.h) in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/progress.h"
#include "cmd/ingest_search.h"
#include "cmd/with_db.h"
#include "store/db.h"
#include "store/dump.h"

struct import_args {
    FILE *in;
    bool dry_run, replace, json;
};

static void on_batch(void *ud, const char *table, size_t rows)
{
    fc_progress_update(ud, table, rows, 0);
}

static void print_stats(const struct fc_import_stats *st, bool dry_run, bool json)
{
    const char *const *tables = fc_dump_tables(FC_DUMP_TARGETS | FC_DUMP_CLIENTS | FC_DUMP_DATA);
    if (json) {
        printf("{\"dry_run\":%s,\"lines\":%zu,\"skipped\":%zu,\"rows\":{", dry_run ? "true" : "false",
               st->lines, st->skipped);
        for (size_t i = 0; tables[i]; i++)
            printf("%s\"%s\":%zu", i ? "," : "", tables[i], st->rows[i]);
        printf("}}\n");
    } else {
        for (size_t i = 0; tables[i]; i++)
            if (st->rows[i])
                printf("%-20s %zu rows\n", tables[i], st->rows[i]);
        printf("%s%zu lines, %zu rows already present were skipped\n",
               dry_run ? "dry run (rolled back): " : "", st->lines, st->skipped);
    }
}

static int import(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    (void)cfg;
    const struct import_args *a = arg;
    struct fc_progress p;
    fc_progress_start(&p, "import");
    struct fc_import_stats st;
    struct fc_diag diag = {{0}};
    if (fc_dump_import(db, a->in, a->replace, a->dry_run, &st, on_batch, &p, &diag)) {
        fc_progress_end(&p, "failed; nothing was imported");
        fprintf(stderr, "fcindex import: %s; nothing was imported\n", diag.msg);
        return FC_EXIT_FAIL;
    }
    fc_progress_end(&p, "done");
    print_stats(&st, a->dry_run, a->json);
    return fc_cmd_index_search("import", db);
}

int fc_cmd_import(struct fc_cmd_ctx *ctx)
{
    struct import_args a = {0};
    a.dry_run = fc_cmd_flag(ctx, "--dry-run"), a.replace = fc_cmd_flag(ctx, "--replace");
    a.json = fc_cmd_flag(ctx, "--json");
    if (ctx->argc != 1)
        return fc_cmd_usage("usage: fcindex import FILE|- [--dry-run] [--replace] [--json]\n");
    const char *path = ctx->argv[0];
    a.in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!a.in) {
        fprintf(stderr, "fcindex import: cannot open %s: %s\n", path, strerror(errno));
        return FC_EXIT_FAIL;
    }
    int rc = fc_cmd_with_db(ctx, import, &a);
    if (a.in != stdin)
        fclose(a.in);
    return rc;
}
