#include "store/jobreq.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/vec.h"

static const char *const action_names[] = {"retry", "clear_pending", "clear_failed"};

enum fc_err fc_jobreq_record(struct fc_db *db, enum fc_jobreq_action action,
                             const uint64_t *fids, size_t n_fids, const char *by,
                             struct fc_diag *diag)
{
    struct fc_buf arr = FC_BUF_INIT;
    fc_db_u64_array(&arr, fids, n_fids);
    const char *p[] = {action_names[action], arr.data, by};
    /* ids in commit order: a reader that applied id N never misses a smaller
     * id committed later */
    enum fc_err err = fc_db_exec(db, "LOCK TABLE job_queue_requests IN EXCLUSIVE MODE", diag);
    if (!err)
        err = fc_db_run(db,
                        "WITH old AS (DELETE FROM job_queue_requests WHERE requested_at < "
                        "now() - interval '1 day') INSERT INTO job_queue_requests "
                        "(action, fids, requested_by) VALUES ($1, $2::bigint[], $3)",
                        3, p, false, NULL, diag);
    fc_buf_cleanup(&arr);
    return err;
}

enum fc_err fc_jobreq_poll(struct fc_db *db, bool *paused, int64_t *latest, struct fc_diag *diag)
{
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db,
                                "SELECT c.paused, (SELECT coalesce(max(id), 0) FROM "
                                "job_queue_requests) FROM job_queue_control c",
                                0, NULL, false, &r, diag);
    if (err)
        return err;
    *paused = PQntuples(r) == 1 && PQgetvalue(r, 0, 0)[0] == 't';
    *latest = PQntuples(r) == 1 ? strtoll(PQgetvalue(r, 0, 1), NULL, 10) : 0;
    PQclear(r);
    return FC_OK;
}

/* "{1,2,3}" into a new array. */
static uint64_t *parse_array(const char *s, size_t *n)
{
    FC_VEC(uint64_t) out = {0};
    for (const char *p = s; *p;) {
        if (*p < '0' || *p > '9') {
            p++;
            continue;
        }
        char *end;
        *fc_vec_push(&out) = strtoull(p, &end, 10);
        p = end;
    }
    *n = out.n;
    return out.p;
}

enum fc_err fc_jobreq_since(struct fc_db *db, int64_t after, struct fc_jobreq **out, size_t *n,
                            struct fc_diag *diag)
{
    *out = NULL;
    *n = 0;
    char a[24];
    snprintf(a, sizeof(a), "%lld", (long long)after);
    const char *p[] = {a};
    PGresult *r = NULL;
    enum fc_err err = fc_db_run(db,
                                "SELECT id, action, fids::text FROM job_queue_requests WHERE id > "
                                "$1::bigint ORDER BY id",
                                1, p, false, &r, diag);
    if (err)
        return err;
    size_t rows = (size_t)PQntuples(r);
    struct fc_jobreq *list = fc_xcalloc(rows + 1, sizeof(*list));
    for (size_t i = 0; i < rows; i++) {
        list[i].id = strtoll(PQgetvalue(r, (int)i, 0), NULL, 10);
        const char *action = PQgetvalue(r, (int)i, 1);
        for (size_t k = 0; k < sizeof(action_names) / sizeof(action_names[0]); k++)
            if (strcmp(action, action_names[k]) == 0)
                list[i].action = (enum fc_jobreq_action)k;
        list[i].fids = parse_array(PQgetvalue(r, (int)i, 2), &list[i].n_fids);
    }
    PQclear(r);
    *out = list;
    *n = rows;
    return FC_OK;
}

void fc_jobreq_free(struct fc_jobreq *list, size_t n)
{
    for (size_t i = 0; list && i < n; i++)
        free(list[i].fids);
    free(list);
}
