/* migrate.h - apply schema/NNNN_name.sql migrations in version order and
 * record each in the table schema_migrations (schema/README.md). */
#ifndef ADLOG_MIGRATE_H
#define ADLOG_MIGRATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "db.h"

/* The schema folder: opt if given, else $ADLOG_SCHEMA_DIR, else the first
 * that exists of BINDIR/../share/adlog/schema, BINDIR/../schema and
 * ./schema (BINDIR: the folder of the running program).  Returns 0 with the
 * path in out, or -ENOENT with the places tried in err. */
int migrate_schema_dir(const char *opt, char *out, size_t outlen, char *err,
		       size_t errlen);

/* Apply every migration of dir not yet recorded, in order, one line per
 * file on out.  Each file runs inside a transaction together with the
 * insert of its version (DDL commits implicitly, so a file that fails
 * part-way is run again from its start next time; see schema/README.md).
 * Runs hold the named lock adlog.migrate.  Returns 0 or DB_ERR with a
 * message naming file:line in err. */
int migrate_apply(struct db *db, const char *dir, FILE *out, char *err,
		  size_t errlen);

/* Print one line per migration: version, name, applied (with time),
 * pending, changed (file differs from what was applied) or missing (applied
 * but no file).  *pending counts files not yet applied. */
int migrate_status(struct db *db, const char *dir, FILE *out,
		   unsigned int *pending, char *err, size_t errlen);

/* Run one SQL file (same splitting rule) in one transaction, retried on
 * deadlock; for sample data.  *count = statements run. */
int migrate_run_file(struct db *db, const char *path, unsigned int *count,
		     char *err, size_t errlen);

#endif
