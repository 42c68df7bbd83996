/* fcindex entry point: global options and subcommand dispatch only. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"

extern char **environ;

int main(int argc, char **argv)
{
    struct fc_cmd_ctx ctx = {.envp = environ};
    const char **sets = calloc((size_t)argc + 1, sizeof(char *));
    char **rest = calloc((size_t)argc + 1, sizeof(char *));
    int nrest = 0, rc = FC_EXIT_USAGE;
    if (!sets || !rest) {
        fprintf(stderr, "fcindex: out of memory\n");
        goto out;
    }
    ctx.sets = sets;
    /* Global options may appear anywhere; everything else is the command. */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--config") == 0 || strcmp(a, "--set") == 0) {
            if (i + 1 >= argc) {
                fprintf(stderr, "fcindex: %s needs a value\n", a);
                goto out;
            }
            if (a[2] == 'c')
                ctx.config_file = argv[++i];
            else
                sets[ctx.n_sets++] = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            ctx.config_file = a + 9;
        } else if (strncmp(a, "--set=", 6) == 0) {
            sets[ctx.n_sets++] = a + 6;
        } else if (strcmp(a, "--version") == 0 || strcmp(a, "-V") == 0) {
            rest[nrest++] = "version";
        } else if ((strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) && nrest == 0) {
            rest[nrest++] = "help";
        } else {
            rest[nrest++] = argv[i];
        }
    }
    const char *name = nrest ? rest[0] : "help";
    const struct fc_cmd *cmd = fc_cmd_find(name);
    if (!cmd) {
        fprintf(stderr, "fcindex: unknown command \"%s\"; see `fcindex help`\n", name);
        goto out;
    }
    ctx.argc = nrest ? nrest - 1 : 0;
    ctx.argv = rest + (nrest ? 1 : 0);
    /* `fcindex CMD --help` shows that command's help. */
    for (int i = 0; i < ctx.argc; i++) {
        if (strcmp(ctx.argv[i], "--help") == 0 || strcmp(ctx.argv[i], "-h") == 0) {
            printf("%s", cmd->usage);
            rc = FC_EXIT_OK;
            goto out;
        }
    }
    rc = cmd->run(&ctx);
out:
    free(sets);
    free(rest);
    return rc;
}
