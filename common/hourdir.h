/* hourdir.h - DATA/YYYYMMDDHH/, the hour folder every batch stage and
 * adlog-admin status read: its name (the hour as a number), the list of
 * hours under DATA, the set of segment files in one hour and the digest
 * that names the set (what analyze's bookkeeping row remembers), and the
 * blocks of an opened set.  The folder's manifest.tsv is manifest.h's.
 *
 * Ownership: the caller owns struct hour_set storage; hour_release() frees
 * what hour_scan/hour_open took.  Records come from read buffers: see
 * hour_seg_block. */
#ifndef ADLOG_HOURDIR_H
#define ADLOG_HOURDIR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "segment.h"
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

#endif
