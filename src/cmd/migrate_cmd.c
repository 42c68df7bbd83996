#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/log.h"
#include "store/db.h"
#include "store/migrate.h"

static int open_db(const struct fc_config *cfg, struct fc_db **db)
{
    struct fc_diag diag = {{0}};
    struct fc_db_options opts = fc_db_options_from(cfg);
    opts.statement_timeout_ms = 0; /* migrations may legitimately take long */
    if (fc_db_open(&opts, db, &diag)) {
        fprintf(stderr, "fcindex: cannot connect to the database: %s\n", diag.msg);
        return FC_EXIT_FAIL;
    }
    return FC_EXIT_OK;
}

int fc_cmd_migrate(struct fc_cmd_ctx *ctx)
{
    bool yes = fc_cmd_flag(ctx, "--yes");
    bool status = ctx->argc == 1 && strcmp(ctx->argv[0], "status") == 0;
    bool reset = ctx->argc == 1 && strcmp(ctx->argv[0], "reset") == 0;
    if (ctx->argc > 1 || (ctx->argc == 1 && !status && !reset) || (yes && !reset)) {
        fprintf(stderr, "usage: fcindex migrate [status | reset --yes]\n");
        return FC_EXIT_USAGE;
    }
    if (reset && !yes) {
        fprintf(stderr, "fcindex migrate reset: this drops every table and row of the database "
                        "and builds the schema again; add --yes to confirm\n");
        return FC_EXIT_USAGE;
    }
    struct fc_config cfg;
    struct fc_db *db = NULL;
    struct fc_diag diag = {{0}};
    int rc = fc_cmd_load_config(ctx, &cfg);
    if (rc || (rc = open_db(&cfg, &db)))
        goto out;
    if (status) {
        struct fc_buf text = FC_BUF_INIT;
        int pending = 0;
        if (fc_migrate_status(db, &text, &pending, &diag)) {
            fprintf(stderr, "fcindex: migrate status: %s\n", diag.msg);
            rc = FC_EXIT_FAIL;
        } else {
            fwrite(text.data, 1, text.len, stdout);
            printf("%d pending\n", pending);
        }
        fc_buf_cleanup(&text);
        goto out;
    }
    if (reset) {
        if (fc_migrate_reset(db, &diag)) {
            fprintf(stderr, "fcindex: migrate reset: %s\n", diag.msg);
            rc = FC_EXIT_FAIL;
            goto out;
        }
        printf("dropped the schema and everything in it\n");
    }
    int applied = 0;
    if (fc_migrate_up(db, &applied, &diag)) {
        fprintf(stderr, "fcindex: migrate: %s\n", diag.msg);
        rc = FC_EXIT_FAIL;
        goto out;
    }
    if (applied)
        printf("applied %d migration%s; schema at version %d\n", applied, applied == 1 ? "" : "s",
               fc_migrate_latest_version());
    else
        printf("schema up to date at version %d\n", fc_migrate_latest_version());
out:
    fc_db_close(db);
    fc_config_cleanup(&cfg);
    return rc;
}
