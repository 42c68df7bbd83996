/* fcindex clients: the client apps whose sign-ups are monitored (list, add,
 * remove). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/cmd.h"
#include "store/db.h"
#include "store/targets.h"

int fc_cmd_clients(struct fc_cmd_ctx *ctx)
{
    static const char usage[] = "usage: fcindex clients list [--json] | add FID | remove FID\n";
    uint64_t fid = 0;
    bool json = ctx->argc >= 1 && strcmp(ctx->argv[0], "list") == 0 && fc_cmd_flag(ctx, "--json");
    bool list = ctx->argc == 1 && strcmp(ctx->argv[0], "list") == 0;
    bool add = ctx->argc == 2 && strcmp(ctx->argv[0], "add") == 0;
    bool remove = ctx->argc == 2 && strcmp(ctx->argv[0], "remove") == 0;
    if (!list && !add && !remove)
        return fc_cmd_usage(usage);
    if (!list && !fc_cmd_parse_fid(ctx->argv[1], &fid))
        return FC_EXIT_USAGE;
    struct fc_config cfg;
    struct fc_db *db = NULL;
    int rc = fc_cmd_connect(ctx, &cfg, &db);
    if (rc)
        goto out;
    struct fc_diag diag = {{0}};
    enum fc_err err;
    if (list) {
        uint64_t *fids;
        size_t n;
        err = fc_clients_all(db, &fids, &n, &diag);
        if (!err && json)
            printf("{\"clients\":[");
        for (size_t i = 0; !err && i < n; i++)
            printf(json ? "%s%llu" : "%s%llu\n", json && i ? "," : "",
                   (unsigned long long)fids[i]);
        if (!err) {
            if (json)
                printf("]}\n");
            else
                printf("%zu clients\n", n);
            free(fids);
        }
    } else if (add) {
        err = fc_clients_add(db, fid, "admin", &diag);
        if (!err)
            printf("monitoring sign-ups through app %llu\n", (unsigned long long)fid);
    } else {
        bool removed;
        err = fc_clients_remove(db, fid, &removed, &diag);
        if (!err && !removed) {
            fprintf(stderr, "fcindex: %llu is not a client\n", (unsigned long long)fid);
            rc = FC_EXIT_FAIL;
        }
    }
    if (err)
        rc = fc_cmd_fail("clients", &diag);
out:
    fc_cmd_disconnect(&cfg, db);
    return rc;
}
