/* `fcindex db report`: table and index sizes, a bloat estimate from dead
 * rows, the slowest statements (pg_stat_statements when installed), unused
 * indexes and advice (VACUUM, ANALYZE, dropping an index). */
#ifndef FC_STORE_DB_REPORT_H
#define FC_STORE_DB_REPORT_H

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

/* {"database_bytes":N,"tables":[...],"indexes":[...],"unused_indexes":[...],
 *  "statements":{"available":B,"reason":S|null,"slowest":[...]},"advice":[S...]}
 * (docs/cli/db-report.schema.json). */
FC_MUST_CHECK
enum fc_err fc_db_report_json(struct fc_db *db, struct fc_buf *out, struct fc_diag *diag);

#endif
