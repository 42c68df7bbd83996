/* fcindex hash-password: an argon2id hash of the password on standard
 * input, for auth.admin_password_hash. */
#include <stdio.h>
#include <string.h>

#include "api/auth.h"
#include "cmd/cmd.h"
#include "core/password.h"

int fc_cmd_hash_password(struct fc_cmd_ctx *ctx)
{
    if (ctx->argc)
        return fc_cmd_usage("usage: fcindex hash-password < password-file\n");
    char line[1100];
    if (!fgets(line, sizeof(line), stdin)) {
        fputs("fcindex hash-password: no password on standard input\n", stderr);
        return FC_EXIT_FAIL;
    }
    line[strcspn(line, "\r\n")] = '\0';
    const char *weak = fc_password_problem(line, false);
    if (weak) {
        fprintf(stderr, "fcindex hash-password: the password is %s (production also needs 16+ "
                        "characters, 8+ different ones)\n", weak);
        return FC_EXIT_FAIL;
    }
    char hash[256];
    struct fc_diag diag;
    if (fc_auth_hash_password(line, hash, sizeof(hash), &diag))
        return fc_cmd_fail("hash-password", &diag);
    printf("%s\n", hash);
    return FC_EXIT_OK;
}
