/* scenario.h - labelled invalid traffic for adlog-gen: one source next to
 * the valid model that writes every enabled fraud scenario and trap
 * (enum gen_label) along the same hours.  Each hour's events are drawn
 * at hour_begin, sorted by time and emitted in order with their label.
 * docs/gen.md describes every scenario and its share of the traffic.
 *
 * Ownership: scenario_init() allocates; scenario_release() frees.  The
 * world must outlive the scenarios. */
#ifndef ADLOG_GEN_SCENARIO_H
#define ADLOG_GEN_SCENARIO_H

#include <stdint.h>
#include <stdio.h>

#include "gen.h"
#include "rng.h"
#include "world.h"

struct scen_ev;

struct scenario {
	const struct world *w;
	struct rng rng;
	uint32_t mask;           /* bit l: label l enabled */
	uint32_t nodes;
	uint32_t hours, hour_no; /* span, and the hour being made */
	/* fraudulent publishers (indexes into w->pubs) and an honest one
	 * for the viral spike */
	uint32_t self_pub, hit_pub, pool_pub[3], viral_pub;
	struct alias hour_regions; /* the hour's traffic by region; empty
				      before the first hour */
	uint8_t replay_uid[16];
	struct scen_ev *ev;      /* this hour's events, sorted by time */
	uint32_t *pos;           /* draw order -> index in ev */
	uint32_t nev, capev, next;
	char ref[160];
};

/* Parse "all", "none" or a comma-separated list of label names into a
 * mask.  Returns 0 or -EINVAL. */
int scenario_parse_list(const char *s, uint32_t *mask);

/* Returns 0, or -ENOMEM / -EINVAL (a world without traffic). */
int scenario_init(struct scenario *s, const struct world *w, uint64_t seed,
		  uint32_t nodes, uint32_t hours, uint32_t mask);
void scenario_release(struct scenario *s);

/* "pub<TAB>ID<TAB>label" for every fraudulent publisher.  Returns 0 or
 * -EIO. */
int scenario_write_pubs(const struct scenario *s, FILE *f);

struct gen_source scenario_source(struct scenario *s);

#endif
