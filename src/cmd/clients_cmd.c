/* fcindex clients: the client apps whose sign-ups are monitored (list, add,
 * remove). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/with_db.h"
#include "store/db.h"
#include "store/targets.h"

struct clients_args {
    bool list, add, json;
    uint64_t fid; /* add or remove */
};

FC_MUST_CHECK
static enum fc_err list(struct fc_db *db, bool json, struct fc_diag *diag)
{
    uint64_t *fids;
    size_t n;
    enum fc_err err = fc_clients_all(db, &fids, &n, diag);
    if (err)
        return err;
    if (json)
        printf("{\"clients\":[");
    for (size_t i = 0; i < n; i++)
        printf(json ? "%s%llu" : "%s%llu\n", json && i ? "," : "", (unsigned long long)fids[i]);
    if (json)
        printf("]}\n");
    else
        printf("%zu clients\n", n);
    free(fids);
    return FC_OK;
}

static int clients(struct fc_config *cfg, struct fc_db *db, void *arg)
{
    (void)cfg;
    const struct clients_args *a = arg;
    struct fc_diag diag = {{0}};
    enum fc_err err;
    int rc = FC_EXIT_OK;
    if (a->list) {
        err = list(db, a->json, &diag);
    } else if (a->add) {
        err = fc_clients_add(db, a->fid, "admin", &diag);
        if (!err)
            printf("monitoring sign-ups through app %llu\n", (unsigned long long)a->fid);
    } else {
        bool removed;
        err = fc_clients_remove(db, a->fid, &removed, &diag);
        if (!err && !removed) {
            fprintf(stderr, "fcindex: %llu is not a client\n", (unsigned long long)a->fid);
            rc = FC_EXIT_FAIL;
        }
    }
    return err ? fc_cmd_fail("clients", &diag) : rc;
}

int fc_cmd_clients(struct fc_cmd_ctx *ctx)
{
    static const char usage[] = "usage: fcindex clients list [--json] | add FID | remove FID\n";
    struct clients_args a = {0};
    a.json = ctx->argc >= 1 && strcmp(ctx->argv[0], "list") == 0 && fc_cmd_flag(ctx, "--json");
    a.list = ctx->argc == 1 && strcmp(ctx->argv[0], "list") == 0;
    a.add = ctx->argc == 2 && strcmp(ctx->argv[0], "add") == 0;
    bool remove = ctx->argc == 2 && strcmp(ctx->argv[0], "remove") == 0;
    if (!a.list && !a.add && !remove)
        return fc_cmd_usage(usage);
    if (!a.list && !fc_cmd_parse_fid(ctx->argv[1], &a.fid))
        return FC_EXIT_USAGE;
    return fc_cmd_with_db(ctx, clients, &a);
}
