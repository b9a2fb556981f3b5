/* manifest.h - DATA/YYYYMMDDHH/manifest.tsv: one line per source that has
 * events (or its home) in the hour, with its counts and segment checksum
 * (docs/segment-format.md).  Rewritten whole and atomically per update.
 *
 * Ownership: the caller owns struct manifest_entry and its strings. */
#ifndef ADLOG_MANIFEST_H
#define ADLOG_MANIFEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stats.h"

#define MANIFEST_NAME "manifest.tsv"
#define MANIFEST_HEADER "# adlog-manifest 1\n"

struct manifest_entry {
	const char *source;        /* stem */
	const char *segment;       /* file name in the hour dir, or NULL */
	uint64_t events, flagged;  /* in this hour's segment */
	uint64_t flag[SEG_R__COUNT];
	uint64_t checksum;
	const struct ingest_stats *src;  /* whole source: lines, rejects... */
	const char *damage;        /* lr_damage_name() */
};

/* Render e as one line with LF into buf.  Returns the length, 0 if cap is
 * too small. */
size_t manifest_format(const struct manifest_entry *e, char *buf, size_t cap);

/* Replace source's line in DIR/manifest.tsv with line (ending in LF),
 * keeping the others, sorted.  Durable when it returns 0; else -errno. */
int manifest_update(const char *dir, const char *source, const char *line,
		    size_t len);

/* Whether text, the bytes of a manifest.tsv, has a line for source (read
 * only; adlog-admin status uses it to tell ingested spool files from
 * waiting ones). */
bool manifest_lists(const char *text, size_t len, const char *source);

#endif
