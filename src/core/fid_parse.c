/* Fid parsing shared by the configuration, the commands, the API and the
 * simulator: one decimal fid, or a comma-separated list. */
#include "core/fid_parse.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/comma_list.h"
#include "core/vec.h"

enum fc_err fc_parse_fid(const char *s, uint64_t *out, struct fc_diag *diag)
{
    if (!*s)
        return fc_diag_set(diag, FC_ERR_INVALID, "empty fid");
    uint64_t v = 0;
    for (const char *p = s; *p; p++) {
        if (*p < '0' || *p > '9')
            return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is not a positive integer", s);
        if (v > (UINT64_MAX >> 1) / 10)
            return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is too large", s);
        v = v * 10 + (uint64_t)(*p - '0');
    }
    if (v == 0 || v > (UINT64_MAX >> 1))
        return fc_diag_set(diag, FC_ERR_INVALID, "fid \"%s\" is out of range", s);
    *out = v;
    return FC_OK;
}

enum fc_err fc_parse_fid_list(const char *s, uint64_t **out, size_t *n, struct fc_diag *diag)
{
    FC_VEC(uint64_t) fids = {0};
    const char *rest = s, *p;
    size_t len;
    bool last;
    while (fc_comma_list_next(&rest, &p, &len, &last)) {
        if (len == 0 && last && fids.n == 0)
            break; /* whitespace only */
        char item[32];
        if (len == 0 || len >= sizeof(item)) {
            fc_vec_free(&fids);
            return fc_diag_set(diag, FC_ERR_INVALID, "bad fid list item at \"%.20s\"", p);
        }
        memcpy(item, p, len);
        item[len] = '\0';
        uint64_t fid;
        enum fc_err err = fc_parse_fid(item, &fid, diag);
        if (err) {
            fc_vec_free(&fids);
            return err;
        }
        if (fids.n == FC_MAX_CONFIG_FIDS) {
            fc_vec_free(&fids);
            return fc_diag_set(diag, FC_ERR_LIMIT, "more than %d fids", FC_MAX_CONFIG_FIDS);
        }
        *fc_vec_push(&fids) = fid;
    }
    *out = fids.p;
    *n = fids.n;
    return FC_OK;
}

