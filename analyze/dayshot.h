/* dayshot.h - one-shot publishers over the day (docs/rules.md, "One-shot
 * publishers"): the day pass's form of one_shot.  An address is one-shot
 * in the window when all it did there (events ingest did not flag) is one
 * view of a new browser (no kept uid), on one publisher, and at least one
 * click on that publisher: a self-clicker or a proxy network that takes
 * a fresh address and browser for every click leaves only those.  A
 * publisher is tested on its one-shot addresses against its single-view
 * visits (every address whose window is such a view, clicking or not) at
 * ratio x the other publishers' rate, and its one-shot addresses are
 * marked when the excess is improbable and people's clicks expected
 * among them are few enough.
 *
 * The clicking addresses are counted exactly; the single-view visits that
 * did not click from the addresses rules_addr_sampled() picks (1 in 16,
 * a publisher's taken at the sample's 97.5% upper limit), so memory
 * follows the clicks and a sixteenth of the addresses.
 *
 * Ownership: the caller owns struct dayshot; dayshot_release() frees its
 * tables; its counts stay. */
#ifndef ADLOG_ANALYZE_DAYSHOT_H
#define ADLOG_ANALYZE_DAYSHOT_H

#include <stdbool.h>
#include <stdint.h>

#include "segment.h"
#include "table.h"

struct dayshot_params {
	double ratio;               /* tested against ratio x the others' rate */
	double precision;           /* people's share of the marked at most
				       1 - precision */
	uint32_t min_clicks;        /* one-shot addresses before a publisher
				       is tested */
	int64_t view_ms;            /* a view's loads: within this of its
				       first */
};

struct dayshot {
	struct table addrs;         /* address key -> its window */
	struct table pubs;          /* publisher -> its counts */
	uint64_t full;              /* inserts refused (out of memory) */
	uint64_t tested, pubs_marked, addrs_marked;
};

/* Callback marking address key akey (a one-shot address of a marked
 * publisher). */
typedef void (*dayshot_mark_fn)(void *ctx, uint64_t akey);

int dayshot_init(struct dayshot *d);

/* Pass 1: address akey clicked on pub.  0 or -ENOMEM. */
int dayshot_click(struct dayshot *d, uint64_t akey, uint32_t pub);

/* Pass 2: impression x of address akey (counted only for a clicking or a
 * sampled address).  0 or -ENOMEM. */
int dayshot_imp(struct dayshot *d, uint64_t akey, const struct seg_record *x,
		const struct dayshot_params *p);

/* After pass 2: every publisher's counts; returns the publishers to test
 * (the Bonferroni count of the day's judgement). -ENOMEM as (uint64_t)-1. */
uint64_t dayshot_count(struct dayshot *d, const struct dayshot_params *p);

/* Test every publisher counted at bound b (a p-value below it is
 * improbable); mark(ctx, akey) every one-shot address of those marked. */
void dayshot_judge(struct dayshot *d, const struct dayshot_params *p,
		   double b, dayshot_mark_fn mark, void *ctx);

void dayshot_release(struct dayshot *d);

#endif
