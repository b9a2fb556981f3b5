/* manifest.h - DATA/YYYYMMDDHH/manifest.tsv: one line per source that has
 * events (or its home) in the hour, with its counts and segment checksum
 * (docs/segment-format.md).  A line is "source=STEM" and TAB-separated
 * key=value fields (ingest renders them: manifest_entry.h); the file is
 * the header line and the lines sorted, rewritten whole and atomically
 * per update.
 *
 * Ownership: nothing here keeps what it is given. */
#ifndef ADLOG_MANIFEST_H
#define ADLOG_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>

#define MANIFEST_NAME "manifest.tsv"
#define MANIFEST_HEADER "# adlog-manifest 1\n"

/* Replace source's line in DIR/manifest.tsv with line (ending in LF),
 * keeping the others, sorted.  Durable when it returns 0; else -errno. */
int manifest_update(const char *dir, const char *source, const char *line,
		    size_t len);

/* Whether text, the bytes of a manifest.tsv, has a line for source (read
 * only; adlog-admin status uses it to tell ingested spool files from
 * waiting ones). */
bool manifest_lists(const char *text, size_t len, const char *source);

#endif
