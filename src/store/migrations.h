/* The SQL migrations embedded in the binary (generated from sql/migrations). */
#ifndef FC_STORE_MIGRATIONS_H
#define FC_STORE_MIGRATIONS_H

struct fc_migration {
    int version;       /* NNNN from the file name */
    const char *name;  /* file name without .sql */
    const char *sql;
};

/* Sorted by version, terminated by an entry with sql == NULL. */
extern const struct fc_migration fc_migrations[];

#endif
