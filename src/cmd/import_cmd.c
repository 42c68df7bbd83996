/* fcindex import FILE: loads an export (store/dump.h) in one transaction. */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "cmd/progress.h"
#include "store/db.h"
#include "store/dump.h"

static void on_batch(void *ud, const char *table, size_t rows)
{
    fc_progress_update(ud, table, rows, 0);
}

int fc_cmd_import(struct fc_cmd_ctx *ctx)
{
    bool dry_run = fc_cmd_flag(ctx, "--dry-run"), replace = fc_cmd_flag(ctx, "--replace");
    bool json = fc_cmd_flag(ctx, "--json");
    if (ctx->argc != 1)
        return fc_cmd_usage("usage: fcindex import FILE|- [--dry-run] [--replace] [--json]\n");
    const char *path = ctx->argv[0];
    FILE *in = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
    if (!in) {
        fprintf(stderr, "fcindex import: cannot open %s: %s\n", path, strerror(errno));
        return FC_EXIT_FAIL;
    }
    struct fc_config cfg;
    struct fc_db *db = NULL;
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (rc)
        goto out;
    struct fc_progress p;
    fc_progress_start(&p, "import");
    struct fc_import_stats st;
    struct fc_diag diag = {{0}};
    if (fc_dump_import(db, in, replace, dry_run, &st, on_batch, &p, &diag)) {
        fc_progress_end(&p, "failed; nothing was imported");
        fprintf(stderr, "fcindex import: %s; nothing was imported\n", diag.msg);
        rc = FC_EXIT_FAIL;
        goto out;
    }
    fc_progress_end(&p, "done");
    const char *const *tables = fc_dump_tables(FC_DUMP_TARGETS | FC_DUMP_CLIENTS | FC_DUMP_DATA);
    if (json) {
        printf("{\"dry_run\":%s,\"lines\":%zu,\"skipped\":%zu,\"rows\":{", dry_run ? "true" : "false",
               st.lines, st.skipped);
        for (size_t i = 0; tables[i]; i++)
            printf("%s\"%s\":%zu", i ? "," : "", tables[i], st.rows[i]);
        printf("}}\n");
    } else {
        for (size_t i = 0; tables[i]; i++)
            if (st.rows[i])
                printf("%-20s %zu rows\n", tables[i], st.rows[i]);
        printf("%s%zu lines, %zu rows already present were skipped\n",
               dry_run ? "dry run (rolled back): " : "", st.lines, st.skipped);
    }
out:
    if (in != stdin)
        fclose(in);
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
