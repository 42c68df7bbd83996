/* Subcommands of the fcindex binary. Each takes the arguments after its own
 * name plus the global options, and returns the process exit status
 * (0 success, 1 failure, 2 usage error). */
#ifndef FC_CMD_CMD_H
#define FC_CMD_CMD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/config.h"

#define FC_EXIT_OK 0
#define FC_EXIT_FAIL 1
#define FC_EXIT_USAGE 2

struct fc_cmd_ctx {
    int argc;          /* arguments after the subcommand name */
    char **argv;
    const char *config_file;   /* --config, or NULL */
    const char **sets;         /* --set values */
    size_t n_sets;
    char **envp;
};

struct fc_cmd {
    const char *name;
    int (*run)(struct fc_cmd_ctx *ctx);
    const char *summary;
    const char *usage; /* full help text shown by `fcindex help NAME` */
};

/* The command table (NULL-terminated), defined in main.c's companion. */
extern const struct fc_cmd fc_commands[];

const struct fc_cmd *fc_cmd_find(const char *name);

/* Loads the configuration for a command and sets up logging from it. On
 * failure prints every problem to stderr and returns non-zero; the config
 * must still be released with fc_config_cleanup. */
int fc_cmd_load_config(struct fc_cmd_ctx *ctx, struct fc_config *cfg);

struct fc_db;
/* Connects to database.url and checks the schema is current; prints why
 * not and returns FC_EXIT_FAIL otherwise. *db (NULL on failure) is the
 * caller's, closed with fc_db_close. */
int fc_cmd_open_db(const struct fc_config *cfg, struct fc_db **db);
/* fc_cmd_load_config then fc_cmd_open_db: 0, or the exit status. cfg is
 * released with fc_config_cleanup either way; *db (NULL on failure) with
 * fc_db_close. */
int fc_cmd_connect(struct fc_cmd_ctx *ctx, struct fc_config *cfg, struct fc_db **db);
/* Closes db (may be NULL) and releases cfg: the end of fc_cmd_connect. */
void fc_cmd_disconnect(struct fc_config *cfg, struct fc_db *db);
/* Prints text (a usage line, or why the arguments cannot work) to stderr;
 * returns FC_EXIT_USAGE. */
int fc_cmd_usage(const char *text);
/* Prints "fcindex NAME: reason" to stderr; returns FC_EXIT_FAIL. */
int fc_cmd_fail(const char *name, const struct fc_diag *diag);
/* A fid argument; prints why not to stderr and returns false when bad. */
bool fc_cmd_parse_fid(const char *s, uint64_t *fid);
/* Removes the flag name from ctx's arguments; true when it was there. */
bool fc_cmd_flag(struct fc_cmd_ctx *ctx, const char *name);
/* Removes "name VALUE" or "name=VALUE" from ctx's arguments and returns
 * VALUE (NULL when absent; *missing_value when name ends the arguments). */
const char *fc_cmd_option(struct fc_cmd_ctx *ctx, const char *name, bool *missing_value);

int fc_cmd_help(struct fc_cmd_ctx *ctx);
int fc_cmd_version(struct fc_cmd_ctx *ctx);
int fc_cmd_config(struct fc_cmd_ctx *ctx);
int fc_cmd_migrate(struct fc_cmd_ctx *ctx);
int fc_cmd_decode(struct fc_cmd_ctx *ctx);
int fc_cmd_targets(struct fc_cmd_ctx *ctx);
int fc_cmd_clients(struct fc_cmd_ctx *ctx);
int fc_cmd_backfill(struct fc_cmd_ctx *ctx);
int fc_cmd_sync(struct fc_cmd_ctx *ctx);
int fc_cmd_serve(struct fc_cmd_ctx *ctx);
int fc_cmd_health(struct fc_cmd_ctx *ctx);
int fc_cmd_jobs(struct fc_cmd_ctx *ctx);
int fc_cmd_hash_password(struct fc_cmd_ctx *ctx);
int fc_cmd_export(struct fc_cmd_ctx *ctx);
int fc_cmd_import(struct fc_cmd_ctx *ctx);
int fc_cmd_debug(struct fc_cmd_ctx *ctx);
int fc_cmd_db(struct fc_cmd_ctx *ctx);

#endif
