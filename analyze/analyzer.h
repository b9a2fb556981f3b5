/* analyzer.h - one hour from segments to rollups: the look-back, the
 * warm-up from the previous hour's tail, rules pass 1 and pass 2 over the
 * merged stream, and the rollup of every event with its reasons.  Knows
 * nothing of MySQL.
 *
 * Ownership: the caller owns struct analyzer (it must not move after
 * analyzer_init: the rules keep a pointer into it) and the rollup it
 * passes in. */
#ifndef ADLOG_ANALYZE_ANALYZER_H
#define ADLOG_ANALYZE_ANALYZER_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "domains.h"
#include "daymarks.h"
#include "hour.h"
#include "inventory.h"
#include "lookback.h"
#include "pubscore.h"
#include "rollup.h"
#include "rules.h"

struct analyzer {
	const char *data_dir;
	struct rules_params rp;
	struct rules rules;
	struct lookback lb;
	struct pubscore *ps;        /* NULL, or fed every event (--day) */
	struct pub_domains dom;     /* publishers' domains (analyzer_domains) */
	struct inventory *inv;      /* NULL, or the file analyzer_domains_file
				   read (publishers' names) */
	const struct segment_reader *cur;  /* strings of the judged event */
	/* NULL, or the day pass's marks: an hour of their day has each
	 * event's day bits (daymarks_event) added to its own verdict */
	const struct daymarks *marks;
	/* NULL, or told every event of the hour with its verdict (ingest's
	 * and analyze's reason bits, what the rollup counts), in the merged
	 * order; r holds the event's strings.  Returns 0, or non-zero to
	 * fail the hour (analyzer_hour then returns -1). */
	int (*on_event)(void *ctx, const struct segment_reader *r,
			const struct seg_record *rec, uint32_t reasons);
	void *on_event_ctx;
	/* of the last hour */
	uint64_t warmed, out_of_order;
	uint64_t copies;            /* events met again (hour_merge_next) */
	struct hour_copies pass1_copies;  /* where pass 1 met them */
	uint64_t day_marked;        /* events with day bits */
	int64_t ms_lookback, ms_passes;
};

int analyzer_init(struct analyzer *a, const struct config *cfg,
		  const char *data_dir, char *err, size_t errlen);
void analyzer_release(struct analyzer *a);

/* Take every publisher's registered domains from inv, the inventory file
 * serve answers from (the referer rule and the publisher score read
 * them).  Returns 0, or -1 with a message in err. */
int analyzer_domains(struct analyzer *a, const struct inventory *inv,
		     char *err, size_t errlen);

/* The same from the inventory file at path; a missing file is no domains
 * (returns 1 with a message in err, for a warning).  Returns 0, 1, or -1
 * with a message in err (a file serve would refuse, as serve says). */
int analyzer_domains_file(struct analyzer *a, const char *path, char *err,
			  size_t errlen);

/* Publisher pub's name in the inventory file analyzer_domains_file read,
 * NULL when none (a report_name_fn, ctx = the analyzer). */
const char *analyzer_pub_name(void *ctx, uint32_t pub);

/* Analyse the scanned set h (opened here) into the initialised rollup out,
 * then rollup_finish it.  Returns 0, or -1 with a message in err. */
int analyzer_hour(struct analyzer *a, struct hour_set *h, struct rollup *out,
		  char *err, size_t errlen);

#endif
