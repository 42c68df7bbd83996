#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
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

/* One line per migration and the pending count, or the same as JSON
 * (docs/cli/migrate-status.schema.json). */
static int print_status(struct fc_db *db, bool json)
{
    struct fc_migrate_entry *list = NULL;
    size_t n = 0;
    struct fc_diag diag = {{0}};
    if (fc_migrate_list(db, &list, &n, &diag)) {
        fprintf(stderr, "fcindex: migrate status: %s\n", diag.msg);
        return FC_EXIT_FAIL;
    }
    int pending = 0, current = 0;
    for (size_t i = 0; i < n; i++) {
        pending += !list[i].applied;
        if (list[i].applied && list[i].version > current)
            current = list[i].version;
    }
    struct fc_buf b = FC_BUF_INIT;
    if (json) {
        fc_buf_printf(&b, "{\"current_version\":%d,\"latest_known_version\":%d,"
                          "\"pending\":%d,\"migrations\":[", current,
                      fc_migrate_latest_version(), pending);
        for (size_t i = 0; i < n; i++) {
            fc_buf_printf(&b, "%s{\"version\":%d,\"name\":", i ? "," : "", list[i].version);
            fc_buf_json_str(&b, list[i].name, strlen(list[i].name));
            fc_buf_printf(&b, ",\"state\":\"%s\",\"applied_at\":",
                          list[i].applied ? "applied" : "pending");
            if (list[i].applied)
                fc_buf_json_str(&b, list[i].applied_at, strlen(list[i].applied_at));
            else
                fc_buf_puts(&b, "null");
            fc_buf_printf(&b, ",\"known\":%s}", list[i].known ? "true" : "false");
        }
        fc_buf_puts(&b, "]}\n");
    } else {
        for (size_t i = 0; i < n; i++) {
            const struct fc_migrate_entry *e = &list[i];
            if (!e->applied)
                fc_buf_printf(&b, "%04d %-40s pending\n", e->version, e->name);
            else
                fc_buf_printf(&b, "%04d %-40s applied %s%s\n", e->version, e->name,
                              e->applied_at,
                              e->known ? "" : " (unknown to this binary: newer fcindex)");
        }
        fc_buf_printf(&b, "%d pending\n", pending);
    }
    fwrite(b.data, 1, b.len, stdout);
    fc_buf_cleanup(&b);
    free(list);
    return FC_EXIT_OK;
}

int fc_cmd_migrate(struct fc_cmd_ctx *ctx)
{
    bool yes = fc_cmd_flag(ctx, "--yes"), json = fc_cmd_flag(ctx, "--json");
    bool status = ctx->argc == 1 && strcmp(ctx->argv[0], "status") == 0;
    bool reset = ctx->argc == 1 && strcmp(ctx->argv[0], "reset") == 0;
    if (ctx->argc > 1 || (ctx->argc == 1 && !status && !reset) || (yes && !reset) ||
        (json && !status)) {
        return fc_cmd_usage("usage: fcindex migrate [status [--json] | reset --yes]\n");
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
        rc = print_status(db, json);
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
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
