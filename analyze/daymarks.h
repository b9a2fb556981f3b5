/* daymarks.h - the judgement over a rolling day (docs/rules.md, "Judgement
 * over the day"): low-and-slow fraud that no hour shows.  adlog-analyze
 * --day D counts, over day D and the 24 hours before, every address
 * (rules_addr_key), every kept uid and every part of an address (an
 * (address, kept uid) pair; the address's events without a kept uid from
 * one browser, by user agent): its
 * clicks on distinct impressions and its impressions, whole and on each
 * publisher it clicked; a key whose clicks are improbable for its
 * impressions at the CTR of the others (the visitors not found
 * improbable) is marked.  An address several visitors share (kept uids,
 * and uids issued on it) is marked
 * whole only when what its improbable parts and its new-uid group (its
 * uid-less events and the uids issued on it in the window, judged as
 * one) leave is improbable too; else only those are.  A key improbable
 * on its top publisher and not without it is marked there only: its
 * clicks on that publisher and the impressions they name.  A network
 * (rules_net_key) is tested on what its addresses' own judgement leaves;
 * in one whose rest is improbable, its other clicking addresses above the
 * tested rate are marked.  A publisher whose one-shot addresses (an
 * address whose whole window is one view of it and a click there) are an
 * improbable excess over its single-view visits has them marked
 * (dayshot.h).
 * Every event of D's hours from a marked address, uid or part (not
 * flagged by ingest) then carries day_addr.  The marks are a function
 * of the window's segments and the thresholds, named by a digest over
 * both, and kept in one file per day (DATA/day/YYYYMMDD.marks, replaced
 * atomically) so an hour analysed later applies them too.
 *
 * Ownership: the caller owns struct daymarks; daymarks_release() frees its
 * table. */
#ifndef ADLOG_ANALYZE_DAYMARKS_H
#define ADLOG_ANALYZE_DAYMARKS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dayshot.h"
#include "hour.h"
#include "segment.h"

/* The window: the day's 24 hours and the 24 before (an actor straddling
 * midnight is seen whole). */
#define DAYMARKS_BEFORE_HOURS 24
#define DAYMARKS_DIGEST_HEX 32

struct daymarks_params {
	double ratio;               /* tested against ratio x the window's CTR */
	double alpha;               /* expected false keys a day (Bonferroni) */
	uint32_t min_clicks;        /* distinct clicks before a key is tested */
	/* the visitors' fast clicks (0: not tested): a click less than
	 * fast_ms after its impression (by the impression id's time) is
	 * fast; tested against fast_ratio x the others' fast share, marked
	 * when at most 1 - fast_precision of its fast clicks are people's */
	int64_t fast_ms;
	double fast_ratio, fast_precision;
	/* one-shot publishers (dayshot.h; shot.ratio 0: not tested) */
	struct dayshot_params shot;
};

struct dm_key;
struct rules_params;

/* The day judgement's parameters from the rules' (day_addr_*,
 * fast_click_window_ms, fast_click_ratio, fast_click_precision;
 * oneshot_ratio, oneshot_precision, imp_flood_window_ms). */
struct daymarks_params daymarks_params_of(const struct rules_params *rp);

struct daymarks {
	uint32_t day;                      /* YYYYMMDD; 0 = no marks */
	char digest[DAYMARKS_DIGEST_HEX + 1];
	struct dm_key *v;                  /* marked keys, open addressing */
	size_t n, cap;
	/* of daymarks_compute */
	uint64_t events, imps;             /* counted in the window */
	uint64_t keys, tested;             /* clicking keys, tested */
	uint64_t tests;                    /* the Bonferroni count */
	uint64_t addrs_marked, uids_marked;
	uint64_t parts_marked;             /* pairs and uid-less groups */
	uint64_t addrs_split;              /* shared: only parts marked */
	uint64_t keys_narrowed;            /* marked on one publisher only */
	uint64_t pubs_marked;              /* keys' events on one publisher */
	uint64_t nets_tested, nets_marked; /* networks (/24, /48) */
	uint64_t addrs_by_net;             /* addresses their network marked */
	uint64_t fast_tested, fast_marked; /* visitors tested on fast clicks */
	/* while counting: daymarks_params's; the one-shot windows, whose
	 * tables go once judged and whose counts stay (tested, pubs_marked,
	 * addrs_marked) */
	const struct daymarks_params *p;
	struct dayshot shot;
};

/* The digest of day's marks: of the window's segment sets and of p.  "" in
 * *out and -1 with a message in err when a folder cannot be read. */
int daymarks_digest(const char *data_dir, uint32_t day,
		    const struct daymarks_params *p, char *out, char *err,
		    size_t errlen);

/* Count the window of day and judge it into m (initialised here).
 * Returns 0, or -1 with a message in err (a segment unreadable: marks
 * from part of the window would not be the window's). */
int daymarks_compute(struct daymarks *m, const char *data_dir, uint32_t day,
		     const struct daymarks_params *p, char *err,
		     size_t errlen);

/* Write m as DATA/day/YYYYMMDD.marks (aside, then renamed).  Returns 0 or
 * -1 with a message in err. */
int daymarks_save(const struct daymarks *m, const char *data_dir, char *err,
		  size_t errlen);

/* Read day's marks file into m (initialised here): 1, 0 when there is
 * none (m->day = 0: no marks), -1 with a message in err when it is
 * damaged. */
int daymarks_load(struct daymarks *m, const char *data_dir, uint32_t day,
		  char *err, size_t errlen);

/* The day's bits of rec (IVT_DAY_ADDR or 0), ua its user agent's hash
 * (hour_ua_hash): rec's address, kept uid or part is marked and ingest
 * did not flag it.  0 for every event when m is NULL or has no marks. */
uint32_t daymarks_event(const struct daymarks *m, const struct seg_record *rec,
			uint64_t ua);

/* Is hour (YYYYMMDDHH) one of the hours m's marks apply to? */
bool daymarks_covers(const struct daymarks *m, uint32_t hour);

void daymarks_release(struct daymarks *m);

#endif
