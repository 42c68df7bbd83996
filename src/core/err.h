/* Error codes and diagnostics shared by every module.
 *
 * Fallible functions return enum fc_err (FC_OK == 0). When they can say more
 * than the code, they take a struct fc_diag and write one human sentence into
 * it at the place the failure was detected; callers above add no detail and
 * log it once. Thread-safety: none needed; each diag belongs to one caller. */
#ifndef FC_CORE_ERR_H
#define FC_CORE_ERR_H

#include <stddef.h>

enum fc_err {
    FC_OK = 0,
    FC_ERR_INVALID,    /* bad input: config, argument, JSON, request */
    FC_ERR_NOMEM,
    FC_ERR_IO,         /* file or socket I/O */
    FC_ERR_NOT_FOUND,
    FC_ERR_DB,         /* PostgreSQL refused or failed */
    FC_ERR_CONFLICT,   /* state forbids it: e.g. schema newer than binary */
    FC_ERR_UNAVAILABLE,/* a service could not be reached */
    FC_ERR_TIMEOUT,
    FC_ERR_LIMIT,      /* an input exceeded a documented cap */
};

/* On a function returning enum fc_err: a caller that drops the result is a
 * compile error (-Werror). A failure that truly does not matter is passed to
 * fc_err_ignore with a comment saying why. */
#define FC_MUST_CHECK __attribute__((warn_unused_result))

#define FC_DIAG_MAX 512

struct fc_diag {
    char msg[FC_DIAG_MAX];
};

/* Returns a short stable name for err ("invalid", "db", ...). */
const char *fc_err_name(enum fc_err err);

/* Writes a printf-style message into diag (NULL diag is allowed and ignored)
 * and returns err, so failures read `return fc_diag_set(d, FC_ERR_X, ...)`. */
enum fc_err fc_diag_set(struct fc_diag *diag, enum fc_err err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Drops err on purpose: the caller's comment says why it cannot matter. */
static inline void fc_err_ignore(enum fc_err err)
{
    (void)err;
}

#endif
