/* stats.h - what ingest counted: per source (for the manifest) and per run
 * (for the summary), with the text and JSON summaries.
 *
 * Ownership: plain values, no allocation. */
#ifndef ADLOG_STATS_H
#define ADLOG_STATS_H

#include <stdint.h>
#include <stdio.h>

#include "segment.h"
#include "validate.h"

struct ingest_stats {
	uint64_t files, files_failed, files_damaged;
	uint64_t lines, accepted, rejected, flagged;
	/* well-formed lines serve retracted (upper-case type): its answer
	 * never left, so they are not events; lines = accepted + rejected +
	 * retracted */
	uint64_t retracted;
	uint64_t bytes_in, bytes;      /* raw read, decompressed */
	uint64_t rej[REJ__COUNT];
	uint64_t flag[SEG_R__COUNT];
	uint64_t nul_runs, nul_bytes;
	uint64_t segments;
	/* accepted events whose id equals the last one of its node and type
	 * in the source (doubled lines): analyze counts them once */
	uint64_t id_repeats;
};

void stats_add(struct ingest_stats *to, const struct ingest_stats *from);

/* Count the reason bits of one flagged event into flag[] and flagged. */
void stats_flags(uint64_t *flagged, uint64_t flag[SEG_R__COUNT],
		 uint32_t reasons);

/* The end-of-run summary; secs is the wall time, load_ms the rules load. */
void stats_print_text(FILE *f, const struct ingest_stats *s, double secs,
		      double load_ms);
void stats_print_json(FILE *f, const struct ingest_stats *s, double secs,
		      double load_ms);

#endif
