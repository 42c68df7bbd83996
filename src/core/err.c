#include "core/err.h"

#include <stdarg.h>
#include <stdio.h>

const char *fc_err_name(enum fc_err err)
{
    switch (err) {
    case FC_OK: return "ok";
    case FC_ERR_INVALID: return "invalid";
    case FC_ERR_NOMEM: return "nomem";
    case FC_ERR_IO: return "io";
    case FC_ERR_NOT_FOUND: return "not_found";
    case FC_ERR_DB: return "db";
    case FC_ERR_CONFLICT: return "conflict";
    case FC_ERR_UNAVAILABLE: return "unavailable";
    case FC_ERR_TIMEOUT: return "timeout";
    case FC_ERR_LIMIT: return "limit";
    }
    return "unknown";
}

enum fc_err fc_diag_set(struct fc_diag *diag, enum fc_err err, const char *fmt, ...)
{
    if (diag) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(diag->msg, sizeof(diag->msg), fmt, ap);
        va_end(ap);
    }
    return err;
}
