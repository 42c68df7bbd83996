#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cmd.h"
#include "fc/decode.h"
#include "fc/emit.h"

struct out_ctx {
    struct fc_buf line;
};

static void print_item(void *ud, const struct fc_item *it)
{
    struct out_ctx *o = ud;
    fc_buf_reset(&o->line);
    fc_emit_item(it, &o->line);
    fc_buf_putc(&o->line, '\n');
    fwrite(o->line.data, 1, o->line.len, stdout);
}

int fc_cmd_decode(struct fc_cmd_ctx *ctx)
{
    const char *path = NULL;
    enum fc_page_kind kind = FC_PAGE_AUTO;
    static const char *const kinds[] = {"auto", "messages", "events", "onchain", "proofs", "fids"};
    for (int i = 0; i < ctx->argc; i++) {
        const char *a = ctx->argv[i];
        if ((strcmp(a, "--flavour") == 0 || strcmp(a, "--flavor") == 0) && i + 1 < ctx->argc) {
            const char *v = ctx->argv[++i];
            /* Both dialects decode with the same code: fields that differ are
             * told apart by shape. The flag is checked for typos only. */
            if (strcmp(v, "snapchain") != 0 && strcmp(v, "hubble") != 0) {
                fprintf(stderr, "fcindex decode: --flavour must be snapchain or hubble\n");
                return FC_EXIT_USAGE;
            }
        } else if (strcmp(a, "--kind") == 0 && i + 1 < ctx->argc) {
            const char *v = ctx->argv[++i];
            int k = -1;
            for (int j = 0; j < 6; j++)
                if (strcmp(v, kinds[j]) == 0)
                    k = j;
            if (k < 0) {
                fprintf(stderr, "fcindex decode: --kind must be one of auto, messages, events, "
                                "onchain, proofs, fids\n");
                return FC_EXIT_USAGE;
            }
            kind = (enum fc_page_kind)k;
        } else if (!path && (a[0] != '-' || strcmp(a, "-") == 0)) {
            path = a;
        } else {
            fprintf(stderr, "usage: fcindex decode [FILE|-] [--flavour snapchain|hubble] "
                            "[--kind auto|messages|events|onchain|proofs|fids]\n");
            return FC_EXIT_USAGE;
        }
    }
    FILE *f = !path || strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    if (!f) {
        fprintf(stderr, "fcindex decode: %s: %s\n", path, strerror(errno));
        return FC_EXIT_FAIL;
    }
    struct out_ctx o = {FC_BUF_INIT};
    struct fc_decoder *d = fc_decoder_new(kind, print_item, &o);
    struct fc_diag diag = {{0}};
    struct fc_page_info info;
    char buf[65536];
    size_t n;
    enum fc_err err = FC_OK;
    while (!err && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        err = fc_decoder_feed(d, buf, n, &diag);
    if (!err)
        err = fc_decoder_finish(d, &info, &diag);
    if (f != stdin)
        fclose(f);
    int rc = FC_EXIT_OK;
    if (err) {
        fprintf(stderr, "fcindex decode: %s: %s\n", path ? path : "stdin", diag.msg);
        rc = FC_EXIT_FAIL;
    } else {
        fprintf(stderr, "decoded %zu items, %zu errors, %zu unknown fields, %zu unknown enum "
                        "values, %zu unknown types skipped%s%s\n",
                info.n_items, info.n_errors, info.unknown_fields, info.unknown_enums,
                info.unknown_types, info.has_next_token ? "; nextPageToken " : "",
                info.has_next_token ? info.next_token : "");
        if (info.n_errors)
            rc = FC_EXIT_FAIL;
    }
    fc_decoder_free(d);
    fc_buf_cleanup(&o.line);
    return rc;
}
