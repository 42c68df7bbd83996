#include <stdio.h>

#include "cmd/cmd.h"

int fc_cmd_version(struct fc_cmd_ctx *ctx)
{
    (void)ctx;
    printf("fcindex %s\n", FC_VERSION);
    return FC_EXIT_OK;
}

int fc_cmd_help(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc > 0) {
        const struct fc_cmd *c = fc_cmd_find(ctx->argv[0]);
        if (!c) {
            fprintf(stderr, "fcindex: unknown command \"%s\"; see `fcindex help`\n",
                    ctx->argv[0]);
            return FC_EXIT_USAGE;
        }
        printf("%s", c->usage);
        return FC_EXIT_OK;
    }
    printf("fcindex %s - a lazy Farcaster indexer into PostgreSQL\n\n"
           "usage: fcindex [--config FILE] [--set section.key=value]... COMMAND [ARGS]\n\n"
           "commands:\n", FC_VERSION);
    for (const struct fc_cmd *c = fc_commands; c->name; c++)
        printf("  %-10s %s\n", c->name, c->summary);
    printf("\nglobal options:\n"
           "  --config FILE           INI configuration file (see docs/config.md)\n"
           "  --set section.key=val   override one option (repeatable; wins over env and file)\n"
           "  --version               print the version\n\n"
           "`fcindex help COMMAND` describes one command.\n");
    return FC_EXIT_OK;
}
