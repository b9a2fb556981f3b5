/* model.h - valid traffic: visitors (most with a cookie, some without) on
 * real-looking browsers and addresses see ads on publishers' pages along
 * each region's daily curve, and a few of them click, seconds to minutes
 * later, with the token of the impression they saw.  The model is the
 * first gen_source; fraud scenarios are others next to it.
 *
 * Ownership: model_init() allocates the visitor and pending-click state;
 * model_release() frees it.  The world must outlive the model. */
#ifndef ADLOG_GEN_MODEL_H
#define ADLOG_GEN_MODEL_H

#include <stdint.h>

#include "gen.h"
#include "rng.h"
#include "world.h"

struct model_pending;

/* People of a seed, drawn at model_init from the ranges of docs/gen.md
 * ("People vary by seed"). */
struct model_people {
	double cookieless;       /* visitors whose browser keeps no cookie */
	double ipv6_homes;       /* households on IPv6 */
	double carrier_nat;      /* mobile visitors behind a carrier NAT */
	uint32_t cgnat_visitors; /* visitors per carrier NAT address */
	double home_share;       /* households per visitor */
	double fast_clicks;      /* share of clicks within 1 s */
	double click_med_ms, click_sigma;  /* log-normal time to click */
};

struct model {
	const struct world *w;
	struct rng rng;
	struct model_people pp;
	uint64_t vseed;          /* per-visitor facts are hashes of this */
	uint32_t nodes;
	uint32_t nvisitors;
	uint32_t region_base[WORLD_REGIONS], region_count[WORLD_REGIONS];
	uint8_t *seen;           /* bitset: visitor already has its cookie */

	struct model_pending *heap;   /* clicks not yet due, by time */
	uint32_t nheap, capheap;

	/* the current hour */
	int64_t hour_end;
	double t;                /* time of the last impression, ms */
	int64_t next_imp;        /* INT64_MAX when no impression is left */
	uint64_t remaining;      /* lines left in this hour's quota */
	struct alias hour_regions;
	uint64_t dropped;

	char ref[256];           /* the referer being emitted */
};

/* Returns 0, or -ENOMEM.  visitors sizes the visitor pool. */
int model_init(struct model *m, const struct world *w, uint64_t seed,
	       uint32_t nodes, uint32_t visitors);
void model_release(struct model *m);

/* The model as a source for the driver. */
struct gen_source model_source(struct model *m);

#endif
