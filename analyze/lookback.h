/* lookback.h - exact answers to the rules' look-back questions (was this
 * impression logged, when; was it clicked in an earlier hour; did this
 * visitor see this ad) with memory bounded by the hour's clicks, not by
 * the look-back's impressions: first collect what the hour's clicks ask
 * about, then scan the hours that can answer (an impression id's own time
 * names its hour).
 *
 * Ownership: the caller owns struct lookback; lookback_release() frees its
 * tables.  The rules keep a pointer to it (lookback_callbacks), so it must
 * not move while they live. */
#ifndef ADLOG_ANALYZE_LOOKBACK_H
#define ADLOG_ANALYZE_LOOKBACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hour.h"
#include "rules.h"
#include "table.h"

/* Hours before the current one searched exactly for an unsigned click's
 * impression (it carries no id naming its hour).  The rest of the
 * look-back is asked of one Bloom filter per hour of (visitor, ad) pairs
 * shown (DATA/lookback/YYYYMMDDHH.DIGEST.seen, built once from the hour's
 * segments): reading 24 hours of segments for every hour would cost 24
 * times the reading of the hour itself. */
#define LOOKBACK_UNSIGNED_HOURS 1
#define LOOKBACK_SEEN_BITS_PER_KEY 12     /* false positives ~1%: docs/rules.md */
#define LOOKBACK_FILTER_BITS (1u << 21)   /* 256 KiB, fits in L2 */

/* hot_addr's memory of the earlier hours: one summary per hour of every
 * address that clicked in it (DATA/lookback/YYYYMMDDHH.DIGEST.addr: the
 * address key, its clicks on distinct impressions, its impressions; built
 * once from the hour's segments, exact, one record per clicking address),
 * summed over the look-back hours for this hour's clicking addresses. */

/* The most entries of each table.  A table holds one entry per click of
 * an hour at most: the cap only stops a runaway hour before it takes the
 * machine's memory (the hour fails, as out of memory). */
#define LOOKBACK_TABLE_MAX (1u << 28)

struct lookback {
	const char *data_dir;
	uint32_t hour;
	int64_t hour_start_ms, lookback_ms;
	struct table imps;          /* impression ids the clicks name */
	uint64_t *imp_bits;         /* LOOKBACK_FILTER_BITS: a one-hash filter
				       of imps, so most impressions scanned
				       miss without touching the table */
	struct table saw;           /* (visitor, ad) of unsigned clicks */
	struct table ads;           /* ads of unsigned clicks, a set */
	int64_t unsigned_from;      /* impressions older do not count */
	struct table addrs;         /* clicking addresses of this hour, with
				       their look-back hours' distinct clicks
				       and impressions (hot_addr) */
	/* what the last resolve did */
	uint32_t hours_scanned;
	uint64_t records_scanned, imps_found, unsigned_found;
	uint32_t seen_built, seen_read;     /* hour filters made, consulted */
	uint64_t unsigned_found_seen;       /* of unsigned_found, by a filter */
	uint32_t addr_built, addr_read;     /* hour address summaries made, read */
};

/* Empty tables for a run; lookback_ms from the rules' parameters. */
int lookback_init(struct lookback *lb, const char *data_dir,
		  int64_t lookback_ms);
void lookback_release(struct lookback *lb);

/* The callbacks rules_init() wants, with ctx = lb. */
void lookback_callbacks(struct lookback *lb, struct rules_lookback *out);

/* Forget the previous hour's questions and collect this hour's: every
 * click's impression id, and (visitor, ad) of every unsigned click.  Then
 * scan the earlier hours that the ids name (opened here, one at a time,
 * except prev: the previous hour, already opened by the caller, or NULL).
 * The current hour's impressions are given by lookback_observe() before
 * any answer is asked for.  Returns 0, or -1 with a message in err
 * (an earlier hour's segment is unreadable: the answer would not be
 * exact, so the hour is not analysed). */
int lookback_prepare(struct lookback *lb, struct hour_set *cur,
		     struct hour_set *prev, char *err, size_t errlen);

/* One record of the current hour (any order; every one before the rules'
 * pass 2): sg is its segment. */
void lookback_observe(struct lookback *lb, const struct seg_record *x,
		      struct hour_seg *sg);

#endif
