#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/fid_parse.h"
#include "core/log.h"
#include "store/db.h"
#include "store/migrate.h"

const struct fc_cmd *fc_cmd_find(const char *name)
{
    for (const struct fc_cmd *c = fc_commands; c->name; c++)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

int fc_cmd_load_config(struct fc_cmd_ctx *ctx, struct fc_config *cfg)
{
    struct fc_buf errors = FC_BUF_INIT;
    struct fc_config_sources src = {
        .file = ctx->config_file,
        .envp = ctx->envp,
        .sets = ctx->sets,
        .n_sets = ctx->n_sets,
    };
    enum fc_err err = fc_config_load(cfg, &src, &errors);
    if (err) {
        fprintf(stderr, "fcindex: configuration is invalid:\n%s", errors.data ? errors.data : "");
        fc_buf_cleanup(&errors);
        return FC_EXIT_FAIL;
    }
    fc_buf_cleanup(&errors);
    enum fc_log_level level = FC_LOG_INFO;
    enum fc_log_format format = FC_LOG_TEXT;
    fc_log_level_parse(cfg->log_level, &level);
    fc_log_format_parse(cfg->log_format, &format);
    fc_log_setup(level, format, 2);
    return FC_EXIT_OK;
}

int fc_cmd_open_db(const struct fc_config *cfg, struct fc_db **db)
{
    struct fc_diag diag = {{0}};
    struct fc_db_options o = fc_db_options_from(cfg);
    if (fc_db_open(&o, db, &diag)) {
        fprintf(stderr, "fcindex: cannot connect to the database: %s\n", diag.msg);
        return FC_EXIT_FAIL;
    }
    int version = 0;
    if (fc_migrate_current_version(*db, &version, &diag) || version < fc_migrate_latest_version()) {
        fprintf(stderr, "fcindex: the database schema is not current; run `fcindex migrate`\n");
        fc_db_close(*db);
        *db = NULL;
        return FC_EXIT_FAIL;
    }
    return FC_EXIT_OK;
}

int fc_cmd_connect(struct fc_cmd_ctx *ctx, struct fc_config *cfg, struct fc_db **db)
{
    int rc = fc_cmd_load_config(ctx, cfg);
    return rc ? rc : fc_cmd_open_db(cfg, db);
}

void fc_cmd_disconnect(struct fc_config *cfg, struct fc_db *db)
{
    fc_db_close(db);
    fc_config_cleanup(cfg);
}

int fc_cmd_usage(const char *text)
{
    fputs(text, stderr);
    return FC_EXIT_USAGE;
}

int fc_cmd_fail(const char *name, const struct fc_diag *diag)
{
    fprintf(stderr, "fcindex %s: %s\n", name, diag->msg);
    return FC_EXIT_FAIL;
}

bool fc_cmd_parse_fid(const char *s, uint64_t *fid)
{
    struct fc_diag d;
    if (fc_parse_fid(s, fid, &d)) {
        fprintf(stderr, "fcindex: %s\n", d.msg);
        return false;
    }
    return true;
}

bool fc_cmd_flag(struct fc_cmd_ctx *ctx, const char *name)
{
    for (int i = 0; i < ctx->argc; i++) {
        if (strcmp(ctx->argv[i], name) == 0) {
            for (int j = i; j + 1 < ctx->argc; j++)
                ctx->argv[j] = ctx->argv[j + 1];
            ctx->argc--;
            return true;
        }
    }
    return false;
}

const char *fc_cmd_option(struct fc_cmd_ctx *ctx, const char *name, bool *missing_value)
{
    size_t n = strlen(name);
    *missing_value = false;
    for (int i = 0; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        int take = 0;
        const char *v = NULL;
        if (strcmp(a, name) == 0) {
            if (i + 1 >= ctx->argc) {
                *missing_value = true;
                return NULL;
            }
            v = ctx->argv[i + 1];
            take = 2;
        } else if (strncmp(a, name, n) == 0 && a[n] == '=') {
            v = a + n + 1;
            take = 1;
        }
        if (take) {
            for (int j = i; j + take < ctx->argc; j++)
                ctx->argv[j] = ctx->argv[j + take];
            ctx->argc -= take;
            return v;
        }
    }
    return NULL;
}
