#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "core/log.h"

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
