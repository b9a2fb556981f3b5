/* sqlfile.h - read a .sql file of schema/ as a list of statements, by the
 * rule of schema/README.md: "--" comment lines are dropped and a statement
 * ends at a line whose last non-blank character is ';'.  No SQL parsing. */
#ifndef ADLOG_SQLFILE_H
#define ADLOG_SQLFILE_H

#include <stddef.h>

/* Called once per statement: stmt is NUL-terminated, without the final
 * ';', and line is the 1-based line it starts on.  A non-zero return stops
 * the split and is returned by sqlfile_split. */
typedef int (*sqlfile_fn)(void *arg, const char *stmt, unsigned int line);

/* Split text (len bytes, need not be NUL-terminated).  Returns 0, the
 * callback's non-zero value, -ENOMEM, or -EINVAL when the text ends inside
 * a statement (*bad_line = the line it started on). */
int sqlfile_split(const char *text, size_t len, sqlfile_fn fn, void *arg,
		  unsigned int *bad_line);

/* Read a whole file into a malloc'd NUL-terminated buffer.  Returns 0 or
 * a negative errno; the caller frees *text. */
int sqlfile_read(const char *path, char **text, size_t *len);

#endif
