#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"

int fc_cmd_config(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc < 1)
        return fc_cmd_usage("usage: fcindex config check [FILE] | show | docs\n");
    const char *sub = ctx->argv[0];
    if (strcmp(sub, "docs") == 0 && ctx->argc == 1) {
        struct fc_buf out = FC_BUF_INIT;
        fc_config_docs(&out);
        fwrite(out.data, 1, out.len, stdout);
        fc_buf_cleanup(&out);
        return FC_EXIT_OK;
    }
    if (strcmp(sub, "check") == 0 && ctx->argc <= 2) {
        if (ctx->argc == 2)
            ctx->config_file = ctx->argv[1];
        struct fc_config cfg;
        int rc = fc_cmd_load_config(ctx, &cfg);
        if (rc == FC_EXIT_OK)
            printf("configuration OK%s%s (profile %s, %zu hub%s)\n",
                   ctx->config_file ? ": " : "", ctx->config_file ? ctx->config_file : "",
                   fc_profile_name(cfg.profile), cfg.n_hubs, cfg.n_hubs == 1 ? "" : "s");
        fc_config_cleanup(&cfg);
        return rc;
    }
    if (strcmp(sub, "show") == 0 && ctx->argc == 1) {
        struct fc_config cfg;
        int rc = fc_cmd_load_config(ctx, &cfg);
        if (rc == FC_EXIT_OK) {
            struct fc_buf out = FC_BUF_INIT;
            fc_config_show(&cfg, &out);
            fwrite(out.data, 1, out.len, stdout);
            fc_buf_cleanup(&out);
        }
        fc_config_cleanup(&cfg);
        return rc;
    }
    return fc_cmd_usage("usage: fcindex config check [FILE] | show | docs\n");
}
