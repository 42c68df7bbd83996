/* A command's work on the configured database: the connection made and
 * closed around it, so each command keeps only its own steps. */
#ifndef FC_CMD_WITH_DB_H
#define FC_CMD_WITH_DB_H

#include "cmd/cmd.h"

struct fc_db;

/* The work of a command once connected (cfg and db are fc_cmd_connect's,
 * released after it returns); returns the exit status. */
typedef int fc_cmd_db_work(struct fc_config *cfg, struct fc_db *db, void *arg);

/* fc_cmd_connect, work (only when that succeeded), fc_cmd_disconnect:
 * work's exit status, or the failed connection's. */
int fc_cmd_with_db(struct fc_cmd_ctx *ctx, fc_cmd_db_work *work, void *arg);

#endif
