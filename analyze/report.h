/* report.h - adlog-analyze --report FILE.html: one self-contained page
 * (inline SVG and CSS, no script, nothing fetched) for a person: valid
 * versus invalid impressions and clicks by hour, invalid traffic by reason,
 * publishers by name ranked by fraud score, with the evidence each score
 * rests on (traffic the publisher profits from) and the traffic it
 * suffers (shown, not scored), and the day's spread between publishers
 * that ctr_high and cookieless_clicks are held to.
 *
 * Ownership: the caller owns everything passed in; nothing is kept. */
#ifndef ADLOG_ANALYZE_REPORT_H
#define ADLOG_ANALYZE_REPORT_H

#include <stddef.h>
#include <stdint.h>

#include "pubscore.h"

/* One hour's totals, as the rollup counted them. */
struct report_hour {
	uint32_t hour;              /* YYYYMMDDHH */
	uint64_t imps, clicks, vimps, vclicks;
	uint64_t by_reason[2][32];  /* events (0 impressions, 1 clicks) by
				       their first reason bit */
};

/* The name of publisher pub, NULL when unknown (the page shows the id
 * alone).  The driver fills it from what it has: the publishers table
 * (load_pub_name) or an inventory file in a dry run. */
typedef const char *(*report_name_fn)(void *ctx, uint32_t pub);

struct report_names {
	report_name_fn fn;
	void *ctx;
};

/* A day's publisher scores (pubscore_finish_spread). */
struct report_day {
	const struct pub_result *pubs;
	size_t npubs;
	struct pub_spreads spread;
};

/* Write the page to path atomically (temp file, then rename).  day may be
 * NULL (no day analysed: the table says so); names may be NULL (ids
 * only).  Returns 0, or -1 with a message in err. */
int report_write(const char *path, const char *title,
		 const struct report_hour *hours, size_t nhours,
		 const struct report_day *day,
		 const struct report_names *names, char *err, size_t errlen);

#endif
