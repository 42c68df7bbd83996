/* Export and import of the database as JSON lines, streaming both ways:
 * one line per row, {"table":"NAME","row":{...}} with the row as PostgreSQL's
 * row_to_json writes it (bytea as "\\x..." hex, times in ISO 8601), generated
 * columns left out (they are computed again on import). Secrets, sessions and
 * migration bookkeeping are never exported. */
#ifndef FC_STORE_DUMP_H
#define FC_STORE_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "core/err.h"
#include "store/db.h"

enum fc_dump_part {
    FC_DUMP_TARGETS = 1, /* targets, dropped_targets */
    FC_DUMP_CLIENTS = 2, /* target_clients */
    FC_DUMP_DATA = 4,    /* every indexed row, the stream cursors and dead letters */
};

/* The tables of parts, in import order (NULL-terminated, static). */
const char *const *fc_dump_tables(unsigned parts);

/* Called after each table with its row count (progress). */
typedef void (*fc_dump_progress_fn)(void *ud, const char *table, size_t rows);

/* Writes the rows of parts to out, one table at a time, in primary-key order
 * (one snapshot: a repeatable-read transaction). */
FC_MUST_CHECK
enum fc_err fc_dump_export(struct fc_db *db, unsigned parts, FILE *out, fc_dump_progress_fn fn,
                           void *ud, struct fc_diag *diag);

struct fc_import_stats {
    size_t lines;
    size_t rows[32];   /* per table, in fc_dump_tables(all) order */
    size_t skipped;    /* rows already present (without replace) */
};

/* Reads lines from in and inserts them in one transaction, in batches per
 * table. replace: the tables named in the file are emptied first; else rows
 * whose key exists are skipped. dry_run: everything is checked and inserted,
 * then rolled back. A bad line fails the import naming its line number.
 * Sequences follow the imported ids. */
FC_MUST_CHECK
enum fc_err fc_dump_import(struct fc_db *db, FILE *in, bool replace, bool dry_run,
                           struct fc_import_stats *st, fc_dump_progress_fn fn, void *ud,
                           struct fc_diag *diag);

#endif
