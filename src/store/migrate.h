/* Schema migrations: versioned SQL embedded in the binary, each applied in
 * its own transaction and recorded in schema_migrations, all under a
 * PostgreSQL advisory lock so concurrent migrators serialise safely (the
 * second finds nothing left to do). A database whose schema is newer than
 * this binary knows is refused. */
#ifndef FC_STORE_MIGRATE_H
#define FC_STORE_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "store/db.h"

/* Highest version embedded in this binary. */
int fc_migrate_latest_version(void);

/* Applies every pending migration. *applied receives how many ran (0 when
 * the schema was current). Errors: FC_ERR_CONFLICT for a newer schema,
 * FC_ERR_DB when a migration fails (that migration is rolled back). */
FC_MUST_CHECK
enum fc_err fc_migrate_up(struct fc_db *db, int *applied, struct fc_diag *diag);

/* One migration: embedded in this binary (known), recorded in the database
 * (applied), or both. */
struct fc_migrate_entry {
    int version;
    char name[128];
    bool known;          /* false: applied by a newer fcindex */
    bool applied;
    char applied_at[32]; /* UTC, "YYYY-MM-DDTHH:MM:SSZ"; empty while pending */
};

/* Every known migration in version order, then versions the database
 * records that this binary does not know. Free *out with free(). */
FC_MUST_CHECK
enum fc_err fc_migrate_list(struct fc_db *db, struct fc_migrate_entry **out, size_t *n_out,
                            struct fc_diag *diag);

/* Current schema version in the database (0 when never migrated). */
FC_MUST_CHECK
enum fc_err fc_migrate_current_version(struct fc_db *db, int *version, struct fc_diag *diag);

/* Drops the current schema with everything in it (every table and row) and
 * creates it empty; fc_migrate_up then builds it again. */
FC_MUST_CHECK
enum fc_err fc_migrate_reset(struct fc_db *db, struct fc_diag *diag);

#endif
