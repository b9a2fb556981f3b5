/* verify.h - `adlog-gen --verify`: read spool files (plain or gzip) and
 * parse every line with event_parse(), counting lines by reject reason, so
 * an operator or a test can tell at once whether a file is clean v1.
 *
 * Ownership: the caller owns struct verify_counts; nothing is kept. */
#ifndef ADLOG_GEN_VERIFY_H
#define ADLOG_GEN_VERIFY_H

#include <stdint.h>

#include "event.h"

struct verify_counts {
	uint64_t lines, impressions, clicks;
	uint64_t rejects;
	uint64_t by_reason[EVENT_E__COUNT];
	/* facts, not rejects: for files named adlog.YYYYMMDDHH.*, lines whose
	 * ts is outside that hour; lines older than the line before them */
	uint64_t out_of_hour, out_of_order;
};

/* Add the lines of the file at path to c.  Returns 0, or a negative errno
 * when the file cannot be read (message in err). */
int verify_file(const char *path, struct verify_counts *c, char *err,
		size_t errlen);

#endif
