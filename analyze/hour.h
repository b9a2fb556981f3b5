/* hour.h - one hour of segments as analyze reads it: one time-ordered
 * stream merged from every segment of the hour's set (hourdir.h), copies
 * of an event met again skipped.
 *
 * Ownership: the caller owns struct hour_merge storage;
 * hour_merge_release() frees what hour_merge_init took.  Records come from
 * read buffers: see hour_merge_next. */
#ifndef ADLOG_ANALYZE_HOUR_H
#define ADLOG_ANALYZE_HOUR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hourdir.h"
#include "table.h"

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

/* An event id met in the stream's last HOUR_COPY_WINDOW_MS of time: a
 * value of hour_merge.seen, whose hash is the key (id and type, mixed by a
 * bijection). */
struct hour_seen {
	int64_t ts;
};

/* A copy of an event (the same type and id again: a spool file shipped
 * twice under two names, a doubled line) has the same ts as the event, so
 * the merge, ordered by (ts, id), brings it right after the event; ids are
 * remembered for this much stream time, which also covers segments a
 * little out of time order (serve's threads).  Memory: the events of the
 * window (16 bytes each, a table at most half full), not of the hour: an
 * exact set of an hour's ids would be 83 M x 16 bytes at the seed's
 * scale.  The table's cap only stops a runaway stream before it takes the
 * machine's memory. */
#define HOUR_COPY_WINDOW_MS 5000
#define HOUR_SEEN_MAX (1u << 28)

/* Where in the merged stream one merge met copies (hour_merge_keep), so
 * that a second merge over the same set and from the same time skips
 * them without the window (hour_merge_replay): the rules' second pass
 * then costs no lookup per event.  Ordinals count every record popped,
 * copies included.  At most HOUR_COPIES_MAX are kept (8 MB); past that
 * the list is over and a replay keeps its window. */
#define HOUR_COPIES_MAX (1u << 20)

struct hour_copies {
	uint64_t *at;                /* ordinals, rising */
	size_t n, cap;
	bool over;
};

struct hour_merge {
	struct hour_set *h;
	struct hour_merge_cur *cur;  /* one per segment */
	struct hour_merge_head *heap;
	size_t nheap;
	uint64_t out_of_order;       /* records older than their predecessor */
	int64_t last_ts, max_ts;
	struct table seen;           /* of struct hour_seen */
	struct hour_seen seen_low[2];  /* the keys of hash 0 and 1 */
	uint64_t copies;             /* records skipped as copies */
	uint64_t popped;             /* records popped, copies included */
	struct hour_copies *keep;    /* NULL, or where copies are kept */
	const struct hour_copies *replay;  /* NULL, or the copies to skip */
	size_t replay_i;             /* the next of replay->at */
	bool refs_ahead;             /* prefetch records' referers */
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

/* Keep in c (emptied first; the caller owns it) where m meets copies.
 * Call before the first hour_merge_next. */
void hour_merge_keep(struct hour_merge *m, struct hour_copies *c);

/* Skip exactly the copies c kept, instead of looking each record up in
 * the window: c must come from a merge of the same set from the same
 * from_ts that ran to its end (NULL) without running out of memory.
 * Ignored when c is over.  Call before the first hour_merge_next. */
void hour_merge_replay(struct hour_merge *m, const struct hour_copies *c);

void hour_copies_release(struct hour_copies *c);

/* Have m ask the cache for each record's referer text some records before
 * it returns it, for a caller that reads every referer. */
void hour_merge_refs_ahead(struct hour_merge *m);

#endif
