/* fcindex export: the targets, clients and (optionally) every indexed row as
 * JSON lines on standard output, streaming (store/dump.h). */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cmd/progress.h"
#include "cmd/with_db.h"
#include "store/db.h"
#include "store/dump.h"

static void on_table(void *ud, const char *table, size_t rows)
{
    fc_progress_update(ud, table, rows, 0);
}

static int export(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    (void)cfg;
    const unsigned *parts = arg;
    struct fc_progress p;
    fc_progress_start(&p, "export");
    struct fc_diag diag = {{0}};
    int rc = FC_EXIT_OK;
    if (fc_dump_export(db, *parts, stdout, on_table, &p, &diag))
        rc = fc_cmd_fail("export", &diag);
    fc_progress_end(&p, rc ? "failed" : "done");
    return rc;
}

int fc_cmd_export(struct fc_cmd_ctx *ctx)
{
    unsigned parts = 0;
    parts |= fc_cmd_flag(ctx, "--targets") ? FC_DUMP_TARGETS : 0;
    parts |= fc_cmd_flag(ctx, "--clients") ? FC_DUMP_CLIENTS : 0;
    parts |= fc_cmd_flag(ctx, "--data") ? FC_DUMP_DATA : 0;
    if (ctx->argc)
        return fc_cmd_usage(
            "usage: fcindex export [--targets] [--clients] [--data] > FILE.jsonl\n");
    if (!parts)
        parts = FC_DUMP_TARGETS | FC_DUMP_CLIENTS;
    if (isatty(1))
        return fc_cmd_usage(
            "fcindex export: standard output is a terminal; redirect it to a file\n");
    return fc_cmd_with_db(ctx, export, &parts);
}
