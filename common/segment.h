/* segment.h - the hourly binary segment (docs/segment-format.md): ingest
 * writes one per source file and hour, analyze scans them many times.
 *
 * Ownership: the caller owns struct segment_writer / segment_reader storage;
 * _release() frees what _init()/_open() took.  Records and strings returned
 * by the reader point into its mapping and live until segment_close(). */
#ifndef ADLOG_SEGMENT_H
#define ADLOG_SEGMENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"

#define SEG_MAGIC "ADLOGSEG"
#define SEG_VERSION 2        /* written; 1 is still read (no 's' records) */
#define SEG_HEADER_SIZE 64
#define SEG_BLOCK_HEADER_SIZE 32
#define SEG_BLOCK_EVENTS 4096     /* records per event block, at most */
#define SEG_NO_STRING 0xffffffffu  /* ua/ref index of an empty field */

/* Reason bits set by ingest's per-event (GIVT) rules, docs/rules.md.
 * Bits 16..31 are reserved for analyze's own reasons. */
enum seg_reason {
	SEG_R_BOT_UA        = 0x001, /* declared bot or crawler user agent */
	SEG_R_NON_BROWSER   = 0x002, /* empty UA, HTTP library, tool, headless */
	SEG_R_DATACENTER    = 0x004, /* address in a data-centre range */
	SEG_R_PREFETCH      = 0x008, /* HEAD request or prefetch/prerender */
	SEG_R_PREVIEW_UA    = 0x010, /* link-preview agent */
	SEG_R_TOKEN_BAD     = 0x020, /* click token malformed or forged */
	SEG_R_TOKEN_EXPIRED = 0x040, /* click token too old */
	SEG_R_UNSIGNED_DENY = 0x080, /* unsigned click on an ad that needs a token */
	SEG_R_UNKNOWN       = 0x100, /* ad or zone unknown to the inventory */
	SEG_R__COUNT        = 9
};
#define SEG_R_INGEST_MASK 0x1ffu

/* Short stable name of reason bit number i (0..SEG_R__COUNT-1), e.g.
 * "bot_ua"; NULL past the end. */
const char *seg_reason_name(unsigned bit);

/* One event, 96 bytes, little-endian, 8-byte aligned in the file.  IPv4 is
 * stored IPv4-mapped (::ffff:a.b.c.d); ip_family says which it was. */
struct seg_record {
	int64_t ts_ms;
	uint64_t id;
	uint64_t imp;        /* 0 when none */
	uint8_t ip[16];
	uint8_t uid[16];     /* all zero when has_uid is 0 */
	uint16_t flags;      /* enum event_flag, as logged */
	uint8_t type;        /* 'i', 'c', or (version 2) 's' */
	uint8_t ip_family;   /* 4 or 6 */
	uint8_t has_uid;
	uint8_t pad[3];
	uint32_t reasons;    /* enum seg_reason */
	uint32_t ad, zone, pub, camp;
	uint32_t ua;         /* string index, SEG_NO_STRING when empty */
	uint32_t ref;
	uint32_t spare;      /* zero in version 1 */
};

/* ---- writer ---- */

struct seg_dict;

struct segment_writer {
	int fd;
	uint32_t hour;              /* YYYYMMDDHH */
	uint64_t events, strings, blocks;
	uint64_t chain;             /* running checksum over block checksums */
	uint32_t dict_resets;
	struct seg_dict *dict;
	struct seg_record *recs;    /* SEG_BLOCK_EVENTS */
	uint32_t nrecs;
	uint8_t *sbuf;              /* pending string block */
	size_t slen, scap;
	uint32_t s_first, s_count;
	uint32_t *soffs;            /* offsets of pending strings */
	uint64_t *shash;            /* their XXH3-64 */
	uint32_t soff_cap;
	int err;                    /* first write error, sticky */
};

/* Start a segment of hour YYYYMMDDHH on fd (opened for writing, empty).
 * Returns 0 or -ENOMEM / -errno.  The writer does not close fd. */
int segment_writer_init(struct segment_writer *w, int fd, uint32_t hour);

/* The index of string s (escaped text as in the v1 line), adding it to the
 * segment once; SEG_NO_STRING for len 0.  h128 may be NULL, or the
 * XXH3_128bits of s when the caller has it already.  Returns SEG_NO_STRING
 * also when out of memory (w->err is set). */
uint32_t segment_string(struct segment_writer *w, const char *s, size_t len,
			const void *h128);

/* Append one record (ua/ref already from segment_string).  Returns 0 or a
 * negative errno (sticky: later calls fail too). */
int segment_append(struct segment_writer *w, const struct seg_record *r);

/* Fill r from a parsed event; ua/ref indexes are added with
 * segment_string (ua_h128/ref_h128 as its h128, each may be NULL). */
void segment_record_from_event(struct segment_writer *w,
			       const struct event *ev, uint32_t reasons,
			       const void *ua_h128, const void *ref_h128,
			       struct seg_record *r);

/* Hint that the string with this XXH3_128bits will be looked up soon. */
void segment_string_prefetch(const struct segment_writer *w, const void *h128);

/* Write the pending blocks and the end block.  *checksum gets the
 * segment's checksum (also stored in its end block).  The caller fsyncs
 * and closes fd.  Returns 0 or a negative errno. */
int segment_finish(struct segment_writer *w, uint64_t *checksum);

void segment_writer_release(struct segment_writer *w);

/* ---- reader ---- */

struct seg_strblock {
	uint32_t first, count;
	const uint32_t *offs;       /* count + 1 offsets into data */
	const uint64_t *hash;       /* count XXH3-64 of each string */
	const char *data;
};

struct seg_evblock {
	const struct seg_record *recs;  /* in the mapping */
	uint32_t count;
	int64_t last_ts;            /* ts_ms of its last record */
};

struct segment_reader {
	const uint8_t *map;
	size_t size;
	bool mapped;                /* map came from mmap, not the caller */
	int fd;                     /* the file (segment_open), else -1 */
	uint32_t hour;
	uint32_t version;           /* of the file: 1 or 2 */
	uint64_t events, strings, checksum;
	uint32_t dict_resets;
	struct seg_strblock *sblocks;
	size_t nsblocks;
	struct seg_evblock *eblocks;
	size_t neblocks;
};

enum seg_err {
	SEG_OK = 0,
	SEG_E_IO = -1,        /* open/stat/mmap failed (errno says why) */
	SEG_E_MAGIC = -2,     /* not a segment */
	SEG_E_VERSION = -3,   /* a version this reader does not know */
	SEG_E_TRUNCATED = -4, /* ends before its end block */
	SEG_E_CHECKSUM = -5,  /* a block's checksum does not match */
	SEG_E_CORRUPT = -6,   /* a length, index or count out of range */
	SEG_E_NOMEM = -7,
};

/* Map and verify a whole segment file (every block checksum, every string
 * index in range).  Verification reads the file with pread(2) through a
 * small buffer, not through the mapping, so opening a 1 GB segment maps
 * no page of it (in a virtual machine a page fault and its hand-back cost
 * five times the copy).  Returns SEG_OK or a negative enum seg_err; on
 * error nothing needs releasing. */
int segment_open(struct segment_reader *r, const char *path);

/* The segment file name in directory dirfd: its size, and the checksum in
 * its end block (0 when the end block is missing or damaged), with one
 * pread, not mapping or verifying the file.  Returns 0, or -1 with errno. */
int segment_peek(int dirfd, const char *name, uint64_t *size,
		 uint64_t *checksum);

/* Copy the records of event block b into buf (room for SEG_BLOCK_EVENTS):
 * with pread from a segment_open()ed file, else from memory.  The
 * cheapest way to scan records once (see segment_open).  Returns the
 * record count, or SEG_E_IO / SEG_E_CORRUPT (b out of range). */
long segment_read_events(const struct segment_reader *r, size_t b,
			 struct seg_record *buf);

/* The same over bytes in memory (not copied; they must outlive r). */
int segment_open_mem(struct segment_reader *r, const void *buf, size_t len);

void segment_close(struct segment_reader *r);

/* Human-readable text of a negative enum seg_err. */
const char *segment_strerror(int err);

/* Iterate records block by block:
 *   for (size_t b = 0; b < r.neblocks; b++)
 *       for (uint32_t i = 0; i < r.eblocks[b].count; i++) use(&r.eblocks[b].recs[i]);
 * or record by record with a cursor: */
struct seg_cursor {
	size_t block;
	uint32_t i;
};
const struct seg_record *segment_next(const struct segment_reader *r,
				      struct seg_cursor *c);

/* The escaped text of string idx (len 0 for SEG_NO_STRING); false if idx is
 * out of range.  O(log string blocks). */
bool segment_string_get(const struct segment_reader *r, uint32_t idx,
			struct span *out);

/* Ask the cache for string idx ahead of segment_string_get, in two
 * steps some records apart: without text, the line of its offsets; with
 * text, its text's first line (reading the offsets).  Nothing for
 * SEG_NO_STRING or an idx out of range. */
void segment_text_prefetch(const struct segment_reader *r, uint32_t idx,
			   bool text);

/* XXH3-64 of string idx's text, equal across segments for equal strings
 * (0 for SEG_NO_STRING).  Use it to key visitors by user agent. */
uint64_t segment_string_hash(const struct segment_reader *r, uint32_t idx);

/* Convert a record's ip to a struct event_addr. */
void segment_record_addr(const struct seg_record *rec, struct event_addr *a);

#endif
