/* manifest_entry.h - ingest's line of DATA/YYYYMMDDHH/manifest.tsv
 * (manifest.h): one source's counts in the hour and its segment.
 *
 * Ownership: the caller owns struct manifest_entry and its strings. */
#ifndef ADLOG_MANIFEST_ENTRY_H
#define ADLOG_MANIFEST_ENTRY_H

#include <stddef.h>
#include <stdint.h>

#include "manifest.h"
#include "stats.h"

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

#endif
