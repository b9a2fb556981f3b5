/* spool.h - the spool file name: what serve, adlog-gen and adlog-redteam
 * write and ingest, adlog-admin status and adlog-gen --verify read
 * (docs/serve.md, "Spool files"):
 *
 *     adlog.YYYYMMDDHH.HOST.NODE.START.open     being written
 *     adlog.YYYYMMDDHH.HOST.NODE.START.log      closed, for ingest
 *     adlog.YYYYMMDDHH.HOST.NODE.START.log.gz   closed and compressed
 *
 * HOUR is the UTC hour of the events, HOST the writer's host name, NODE
 * at least four decimal digits, START decimal Unix ms.  A source's stem is
 * its base name without ".log" / ".log.gz" / ".gz"; ingest names segments
 * and manifest lines by it.
 *
 * Ownership: nothing here allocates. */
#ifndef ADLOG_SPOOL_H
#define ADLOG_SPOOL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SPOOL_PREFIX "adlog."
#define SPOOL_OPEN ".open"
#define SPOOL_LOG ".log"

/* A parsed stem; host points into the parsed text. */
struct spool_name {
	uint32_t hour;              /* YYYYMMDDHH */
	const char *host;
	size_t host_len;
	uint32_t node;
	int64_t start_ms;
};

/* DIR/adlog.HOUR.HOST.NODE.START followed by suffix ("" for the stem),
 * NUL-terminated into buf.  Returns the length, or -ENAMETOOLONG when it
 * does not fit. */
int spool_name_format(char *buf, size_t cap, const char *dir, uint32_t hour,
		      const char *host, uint32_t node, int64_t start_ms,
		      const char *suffix);

/* Whether the len bytes of stem are adlog.HOUR.HOST.NODE.START with every
 * field well formed (HOST not empty, no control byte); fills *out. */
bool spool_name_parse(const char *stem, size_t len, struct spool_name *out);

/* The hour of a stem that starts adlog.YYYYMMDDHH. (the rest is not
 * checked: ingest places any such source by its hour); false when it does
 * not. */
bool spool_hour(const char *stem, uint32_t *hour);

/* Whether name holds a control byte (0x00-0x1f, 0x7f): a TAB or newline
 * in a source name would break the manifest's TSV lines. */
bool spool_has_control(const char *name);

/* The stem of a source path: its base name without ".log" / ".log.gz" /
 * ".gz" ("-" gives "stdin").  Returns the length copied into dst (cap >
 * 0), 0 if the name does not fit or is unusable ("", ".", "..",
 * ".hidden", a control byte in it). */
size_t spool_stem(const char *path, char *dst, size_t cap);

/* Whether a spool directory entry is a closed source ingest reads:
 * "*.log" or "*.log.gz", not hidden.  (".open" files are not.) */
bool spool_is_closed(const char *name);

#endif
