/* hour.h - one hour of segments as analyze sees it: the set of segment files
 * under DATA/YYYYMMDDHH/, its digest (what the bookkeeping row remembers),
 * and one time-ordered stream merged from all of them.
 *
 * Ownership: the caller owns struct hour_set and struct hour_merge storage;
 * hour_release() / hour_merge_release() free what scan/open/init took.
 * Records come from read buffers: see hour_seg_block / hour_merge_next. */
#ifndef ADLOG_ANALYZE_HOUR_H
#define ADLOG_ANALYZE_HOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"
#include "table.h"
#include "utchour.h"

#define HOUR_SEG_SUFFIX ".seg"
#define HOUR_NAME_MAX 255
#define HOUR_DIGEST_HEX 32

#define HOUR_UA_CACHE 4096       /* user-agent hashes remembered a segment */

struct hour_ua_slot {
	uint32_t idx;               /* string index + 1; 0 = empty */
	uint64_t hash;
};

struct hour_seg {
	char name[HOUR_NAME_MAX + 1];
	uint64_t size;
	uint64_t checksum;          /* from the segment's end block */
	struct segment_reader r;
	bool open;
	struct hour_ua_slot *ua;    /* HOUR_UA_CACHE slots */
	struct seg_record *buf[2];  /* event blocks read: block b in buf[b & 1] */
	size_t bufb[2];             /* block + 1 in each, 0 = none */
	uint32_t nbuf[2];           /* its records */
	uint32_t reads;             /* blocks read, for hand-backs */
};

struct hour_set {
	uint32_t hour;              /* YYYYMMDDHH */
	char dir[4096];
	struct hour_seg *segs;      /* sorted by name */
	size_t n;
	char digest[HOUR_DIGEST_HEX + 1];  /* "" until hour_scan */
	char context[HOUR_DIGEST_HEX + 1]; /* after hour_context */
	uint64_t events;            /* after hour_open */
	int read_err;               /* errno of the first failed block read */
};

/* ---- hours as numbers ---- */

/* YYYYMMDDHH <-> Unix ms of the hour's start (UTC) are ingest's
 * hour_of_ms() and hour_start_ms() (common/utchour.h).  hour_parse
 * accepts exactly 10 digits of a real hour; returns 0 or -EINVAL. */
int hour_parse(const char *s, size_t len, uint32_t *hour);
/* The hour before / after. */
uint32_t hour_add(uint32_t hour, int delta);
/* "YYYY-MM-DD HH:00:00" for SQL DATETIME, into buf (cap >= 20). */
void hour_sql(uint32_t hour, char *buf, size_t cap);

/* ---- the segment set ---- */

/* List DATA/YYYYMMDDHH/ *.seg, read each one's size and end-block checksum
 * (without mapping the file) and compute the set's digest.  A missing
 * folder is an empty set (returns 0, n = 0).  Returns 0, or -1 with a
 * message in err. */
int hour_scan(struct hour_set *h, const char *data_dir, uint32_t hour,
	      char *err, size_t errlen);

/* h->context: the digest of h's set and of the previous hour's set (the
 * hour its warm-up and most of its look-back read), so a late segment of
 * one hour makes the next one pending too.  Returns 0, or -1 with a
 * message in err. */
int hour_context(struct hour_set *h, const char *data_dir, char *err,
		 size_t errlen);

/* Open and verify every segment of a scanned set; each must belong to the
 * hour and match the checksum hour_scan read.  Verification reads every
 * byte through a buffer (segment_open), so no page stays resident.
 * Returns 0, or -1 with a message naming the file in err. */
int hour_open(struct hour_set *h, char *err, size_t errlen);

/* "name:checksum_hex,..." of the set, for the bookkeeping row; malloc'd,
 * NULL when out of memory. */
char *hour_segment_list(const struct hour_set *h);

void hour_release(struct hour_set *h);

/* segment_string_hash(&s->r, idx) through a small cache: a few hundred
 * user agents make nearly every lookup, and each lookup that reaches the
 * mapping maps a page of strings (and 64 KiB around it) again. */
uint64_t hour_ua_hash(struct hour_seg *s, uint32_t idx);

/* The records of event block b of segment i (*n of them), read with
 * pread into one of the segment's two buffers: a copy costs a fifth of
 * mapping the pages and handing them back (segment_open), and resident
 * memory stays two blocks a segment.  Block b stays valid until another
 * block of the same parity (b + 2, b - 2, ...) of that segment is read.
 * A read error gives *n = 0 and is remembered for hour_read_error(). */
const struct seg_record *hour_seg_block(struct hour_set *h, size_t i,
					size_t b, uint32_t *n);

/* 0, or -1 with a message naming the segment in err when a block read of
 * h failed since hour_open (its passes then saw fewer records). */
int hour_read_error(const struct hour_set *h, char *err, size_t errlen);

/* Hours under DATA that look like YYYYMMDDHH folders, ascending, into a
 * malloc'd array.  Returns the count, or -1 with a message in err. */
long hour_list(const char *data_dir, uint32_t **out, char *err,
	       size_t errlen);

/* ---- the merged stream ---- */

struct hour_merge_head {
	const struct seg_record *rec;
	uint32_t seg;
};

struct hour_merge_cur {
	const struct seg_record *recs;  /* of the block it is in */
	uint32_t n, i;
	size_t block;
};

/* An event id met in the stream's last HOUR_COPY_WINDOW_MS of time (a
 * value of hour_merge.seen, keyed by id and, in its hash, type). */
struct hour_seen {
	uint64_t id;
	int64_t ts;
};

/* A copy of an event (the same type and id again: a spool file shipped
 * twice under two names, a doubled line) has the same ts as the event, so
 * the merge, ordered by (ts, id), brings it right after the event; ids are
 * remembered for this much stream time, which also covers segments a
 * little out of time order (serve's threads).  Memory: the events of the
 * window (24 bytes each, a table at most half full), not of the hour: an
 * exact set of an hour's ids would be 83 M x 16 bytes at the seed's
 * scale.  The table's cap only stops a runaway stream before it takes the
 * machine's memory. */
#define HOUR_COPY_WINDOW_MS 5000
#define HOUR_SEEN_MAX (1u << 28)

struct hour_merge {
	struct hour_set *h;
	struct hour_merge_cur *cur;  /* one per segment */
	struct hour_merge_head *heap;
	size_t nheap;
	uint64_t out_of_order;       /* records older than their predecessor */
	int64_t last_ts, max_ts;
	struct table seen;           /* of struct hour_seen */
	uint64_t copies;             /* records skipped as copies */
	bool nomem;
};

/* Start a merge over an opened set at its first record with ts >= from_ts
 * (INT64_MIN for all).  Returns 0 or -ENOMEM. */
int hour_merge_init(struct hour_merge *m, struct hour_set *h, int64_t from_ts);

/* The next record by (ts, id, segment), or NULL at the end; *seg gets the
 * index of the segment it came from (for its strings).  The record lives
 * in a read buffer until the next call (copy it to keep it).  Each segment
 * must be in time order for the whole stream to be; if one is not, the
 * stream is still deterministic and out_of_order counts the inversions.
 * A record with the type and id of one already returned within
 * HOUR_COPY_WINDOW_MS is a copy: it is skipped and counted in copies (the
 * first in segment-name order is kept).  NULL also when out of memory
 * (m->nomem). */
const struct seg_record *hour_merge_next(struct hour_merge *m, uint32_t *seg);

void hour_merge_release(struct hour_merge *m);

#endif
