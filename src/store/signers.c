#include "store/signers.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <string.h>

#include "core/buf.h"

enum fc_err fc_signers_keys(struct fc_db *db, const uint64_t *fids, size_t n, fc_signer_key_fn fn,
                            void *ud, struct fc_diag *diag)
{
    struct fc_buf arr = FC_BUF_INIT;
    fc_db_u64_array(&arr, fids, n);
    const char *p[] = {arr.data};
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db,
                                "SELECT fid, key FROM signers WHERE fid = ANY($1::bigint[]) "
                                "AND octet_length(key) = 32",
                                1, p, true, &r, diag);
    fc_buf_cleanup(&arr);
    if (err)
        return err;
    for (int i = 0; i < PQntuples(r); i++) {
        if (PQgetlength(r, i, 0) != 8 || PQgetlength(r, i, 1) != 32)
            continue;
        const uint8_t *f = (const uint8_t *)PQgetvalue(r, i, 0);
        uint64_t fid = 0;
        for (int k = 0; k < 8; k++)
            fid = fid << 8 | f[k];
        fn(ud, fid, (const uint8_t *)PQgetvalue(r, i, 1));
    }
    PQclear(r);
    return FC_OK;
}
